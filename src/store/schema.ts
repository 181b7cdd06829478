// The event log schema. seq is assigned by the writer from log_head (never reused, even after
// retention deletes the newest events); body is the stored envelope JSON, seq included.
// The UNIQUE index on id is the id dedupe (decision 0620): the insert itself finds a duplicate, so
// the dedupe table only holds idempotency keys and the ids of events retention deleted early.
// Version 3 (decision 1610) indexes the query keys: type, trace, source and time, so a query's
// cost follows its matches rather than the log's length. trace_id is NULL when the trace is the
// event's own id (the root of its trace; most events), so that index holds only followers.
export const SCHEMA_VERSION = 3

/** store_meta key: until this Unix ms the dedupe table may hold `id:` keys that must still be checked. */
export const RETIRED_IDS_UNTIL_KEY = 'retired_ids_until'

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_head (id INTEGER PRIMARY KEY CHECK (id = 1), last_seq INTEGER NOT NULL);
INSERT OR IGNORE INTO log_head (id, last_seq) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  session_id TEXT,
  session_seq INTEGER,
  ts_ms INTEGER,
  committed_ms INTEGER NOT NULL,
  body TEXT NOT NULL,
  trace_id TEXT,
  source TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_id ON events (id);
CREATE INDEX IF NOT EXISTS events_by_session ON events (session_id, session_seq) WHERE session_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS dedupe (
  key TEXT PRIMARY KEY,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  session_seq INTEGER,
  expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS consumers (
  name TEXT PRIMARY KEY,
  filter TEXT NOT NULL,
  ack_floor INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS consumer_acks (name TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (name, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS consumer_attempts (
  name TEXT NOT NULL,
  seq INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  PRIMARY KEY (name, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS consumer_redo (name TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (name, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dlq (
  dlq_id INTEGER PRIMARY KEY AUTOINCREMENT,
  consumer TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  moved_ms INTEGER NOT NULL,
  body TEXT NOT NULL
);
`

/**
 * Indexes on the columns version 3 added; run after the migration, since a version-2 table only
 * gets those columns there. Each index is (key, seq): SQLite appends the rowid, which is seq.
 */
export const QUERY_INDEX_SQL = `
CREATE INDEX IF NOT EXISTS events_by_type ON events (type);
CREATE INDEX IF NOT EXISTS events_by_trace ON events (trace_id) WHERE trace_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_by_source ON events (source);
CREATE INDEX IF NOT EXISTS events_by_time ON events (ts_ms);
`
