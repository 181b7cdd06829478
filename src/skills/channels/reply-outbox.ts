import { chmodSync, existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'

/** The file in the data directory that keeps replies until their gateway acknowledges them. */
export const DEFAULT_OUTBOX_DATABASE = 'channels-outbox.sqlite'
/** Unacknowledged replies older than this are dropped, in milliseconds (a gateway gone for good). */
export const DEFAULT_OUTBOX_RETENTION_MS = 7 * 24 * 3_600_000
/** Most replies one GET /channels/outbox answers. */
export const DEFAULT_OUTBOX_PAGE_SIZE = 100

const SCHEMA = `
CREATE TABLE IF NOT EXISTS replies (
  response_id TEXT PRIMARY KEY,
  envelope TEXT NOT NULL,
  published INTEGER NOT NULL DEFAULT 0,
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS replies_by_time ON replies (at);
`

/** A reply as the outbox keeps it: the envelope to publish (the answer's words included). */
export interface OutboxReply {
  readonly responseId: string
  readonly envelope: Record<string, unknown>
  readonly published: boolean
  readonly at: number
}

interface Row {
  response_id: string
  envelope: string
  published: number
  at: number
}

/**
 * seed 004's event_outbox for channel replies: a reply is written here before it is published
 * and stays, with its words, until the gateway that delivers it acknowledges it. After a crash,
 * replies never published are published again (their idempotency key makes that safe) and
 * unacknowledged ones are still served: at-least-once. Acknowledged rows are deleted, and
 * secure_delete overwrites their pages.
 */
export class ReplyOutbox {
  readonly #db: Database.Database

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true })
    const created = !existsSync(path)
    this.#db = new Database(path)
    // The answers' words: an owner-only file.
    if (created) chmodSync(path, 0o600)
    this.#db.pragma('journal_mode = WAL')
    this.#db.pragma('secure_delete = ON')
    this.#db.exec(SCHEMA)
  }

  add(responseId: string, envelope: Record<string, unknown>, at: number): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO replies (response_id, envelope, published, at) VALUES (?, ?, 0, ?)')
      .run(responseId, JSON.stringify(envelope), at)
  }

  markPublished(responseId: string): void {
    this.#db.prepare('UPDATE replies SET published = 1 WHERE response_id = ?').run(responseId)
  }

  /** Replies not yet acknowledged, oldest first. */
  pending(limit: number = DEFAULT_OUTBOX_PAGE_SIZE): OutboxReply[] {
    const rows = this.#db
      .prepare('SELECT response_id, envelope, published, at FROM replies ORDER BY at, response_id LIMIT ?')
      .all(limit) as Row[]
    return rows.map((row) => ({
      responseId: row.response_id,
      envelope: JSON.parse(row.envelope) as Record<string, unknown>,
      published: row.published === 1,
      at: row.at,
    }))
  }

  /** Forgets a delivered reply; false when there was none (acknowledged before, or unknown). */
  acknowledge(responseId: string): boolean {
    return this.#db.prepare('DELETE FROM replies WHERE response_id = ?').run(responseId).changes > 0
  }

  prune(olderThan: number): number {
    return this.#db.prepare('DELETE FROM replies WHERE at < ?').run(olderThan).changes
  }

  close(): void {
    this.#db.close()
  }
}
