// Builds the generated log of the log-scale benchmark (issue 22) fast: the schema comes from the
// store (so the file is what a hub opens), then rows go in through one prepared INSERT in
// transactions of 100,000 with the journal and fsync off and the four query indexes dropped, and
// the indexes are built once at the end (a sort instead of 10M random index inserts). The stored
// bodies are the store's own form (seq and sessionSeq in place). A built file can be kept in
// LOG_SCALE_CACHE_DIR and copied for the next run instead of built again.
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Envelope } from '../src/contracts/index.ts'
import { openEventStore } from '../src/store/index.ts'

export const EVENTS_PER_TRACE = 20
export const EVENTS_PER_SESSION = 200
export const RARE_EVERY = 10_000
const DAY_MS = 86_400_000
/**
 * Event n is at BASE_MS + n ms: two days before today (UTC), so the default manifest's 30-day
 * retention, which a hub runs at start, finds nothing to delete in a freshly built log.
 */
export const BASE_MS = Math.floor(Date.now() / DAY_MS) * DAY_MS - 2 * DAY_MS
const COMMON_TYPES = [
  'chat.message',
  'chat.query',
  'voice.chunk',
  'llm.done',
  'ui.click',
  'ui.panel.open',
  'tool.call',
]
const SOURCES = [
  'kernel',
  'skill.chat',
  'skill.voice',
  'skill.ui',
  'skill.tools',
  'skill.rag',
  'skill.memory',
  'cli',
]
/** Bump when the generated content changes, so a cached file of an older shape is not reused. */
const GENERATOR_VERSION = 2
const ROWS_PER_TRANSACTION = 100_000
const QUERY_INDEXES = ['events_by_type', 'events_by_trace', 'events_by_source', 'events_by_time']

export const idAt = (index: number): string =>
  `e${index.toString(36).padStart(8, '0')}-${(index * 7919).toString(16)}`

/** The root of the trace event `index` belongs to (its first event; traceId = its own id). */
export const traceRootAt = (index: number): string => idAt(index - (index % EVENTS_PER_TRACE))
export const sessionAt = (index: number): string => `s${Math.floor(index / EVENTS_PER_SESSION)}`

/** Event `index` (seq index + 1) as the store keeps it. */
export function eventAt(index: number): Envelope {
  return {
    id: idAt(index),
    type: index % RARE_EVERY === 5 ? 'approval.requested' : COMMON_TYPES[index % COMMON_TYPES.length]!,
    version: 1,
    ts: new Date(BASE_MS + index).toISOString(),
    source: SOURCES[index % SOURCES.length]!,
    severity: 'info',
    traceId: traceRootAt(index),
    sessionId: sessionAt(index),
    tenant: 'default',
    seq: index + 1,
    sessionSeq: (index % EVENTS_PER_SESSION) + 1,
    payload: { n: index, text: `sample text ${index} `.repeat(8) },
  } as Envelope
}

function build(path: string, count: number): void {
  // The store creates the schema (and auto_vacuum = INCREMENTAL), exactly as a hub would.
  const store = openEventStore({ path, dedupeWindowMs: 60_000 })
  store.db.pragma('wal_checkpoint(TRUNCATE)')
  store.db.close()
  const db = new Database(path)
  try {
    db.pragma('journal_mode = OFF')
    db.pragma('synchronous = OFF')
    db.pragma('cache_size = -262144')
    for (const name of QUERY_INDEXES) db.exec(`DROP INDEX ${name}`)
    const insert = db.prepare(
      'INSERT INTO events (seq, id, type, session_id, session_seq, ts_ms, committed_ms, body, trace_id, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    const insertRange = db.transaction((from: number, to: number) => {
      for (let index = from; index < to; index++) {
        const event = eventAt(index)
        const timeMs = BASE_MS + index
        insert.run(
          index + 1,
          event.id,
          event.type,
          event.sessionId,
          event.sessionSeq,
          timeMs,
          timeMs,
          JSON.stringify(event),
          event.traceId === event.id ? null : event.traceId,
          event.source,
        )
      }
    })
    for (let at = 0; at < count; at += ROWS_PER_TRANSACTION)
      insertRange(at, Math.min(count, at + ROWS_PER_TRANSACTION))
    db.prepare('UPDATE log_head SET last_seq = ? WHERE id = 1').run(count)
    // Recreated by the store's own schema text at the next open; built here so timing includes it.
    db.exec(`
      CREATE INDEX events_by_type ON events (type);
      CREATE INDEX events_by_trace ON events (trace_id) WHERE trace_id IS NOT NULL;
      CREATE INDEX events_by_source ON events (source);
      CREATE INDEX events_by_time ON events (ts_ms);
    `)
    db.pragma('journal_mode = WAL')
  } finally {
    db.close()
  }
}

export interface GeneratedLog {
  /** Seconds spent building the file (0 when it came from the cache), and copying it. */
  buildSeconds: number
  copySeconds: number
  fromCache: boolean
}

/** Puts a generated log of `count` events at `path`, built now or copied from LOG_SCALE_CACHE_DIR. */
export function generateLog(path: string, count: number): GeneratedLog {
  const cacheDir = process.env.LOG_SCALE_CACHE_DIR
  if (cacheDir === undefined || cacheDir === '') {
    const started = performance.now()
    build(path, count)
    return { buildSeconds: (performance.now() - started) / 1000, copySeconds: 0, fromCache: false }
  }
  mkdirSync(cacheDir, { recursive: true })
  const day = new Date(BASE_MS).toISOString().slice(0, 10)
  const cached = join(cacheDir, `log-scale-v${GENERATOR_VERSION}-${day}-${count}.sqlite`)
  let buildSeconds = 0
  const fromCache = existsSync(cached)
  if (!fromCache) {
    const started = performance.now()
    build(`${cached}.partial`, count)
    renameSync(`${cached}.partial`, cached)
    buildSeconds = (performance.now() - started) / 1000
  }
  const copying = performance.now()
  copyFileSync(cached, path)
  return { buildSeconds, copySeconds: (performance.now() - copying) / 1000, fromCache }
}
