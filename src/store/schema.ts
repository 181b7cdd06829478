// The event log schema. seq is assigned by the writer from log_head (never reused, even after
// retention deletes the newest events); body is the stored envelope JSON, seq included. There is
// no index on ts_ms: it would cost every append, and a time lookup is a rare scan (decision 0604).
// The UNIQUE index on id is the id dedupe (decision 0620): the insert itself finds a duplicate, so
// the dedupe table only holds idempotency keys and the ids of events retention deleted early.
export const SCHEMA_VERSION = 2

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
  body TEXT NOT NULL
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
