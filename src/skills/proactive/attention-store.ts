import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { NudgeChannel } from './ladder.ts'

/** The person's interruptibility (ui.interruptibility). */
export const INTERRUPTIBILITY_MODES = ['dnd', 'focus', 'available'] as const
export type InterruptibilityMode = (typeof INTERRUPTIBILITY_MODES)[number]

/** Proposals are kept this long for feedback and coalescing, in milliseconds. */
export const DEFAULT_PROPOSAL_RETENTION_MS = 7 * 24 * 3_600_000
/**
 * Deliveries older than this are pruned, in milliseconds: far longer than the hour of a rate
 * window, so a clock set back by up to a day still sees every delivery its window needs.
 */
export const DEFAULT_DELIVERY_RETENTION_MS = 24 * 3_600_000

const SCHEMA = `
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (row INTEGER PRIMARY KEY, channel TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_by_channel ON deliveries (channel, at);
CREATE TABLE IF NOT EXISTS proposals (
  id TEXT PRIMARY KEY,
  rule_id TEXT NOT NULL,
  coalesce_key TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS proposals_by_key ON proposals (coalesce_key, at);
CREATE TABLE IF NOT EXISTS rule_offsets (rule_id TEXT PRIMARY KEY, offset INTEGER NOT NULL);
`

/**
 * What triage must remember across restarts: deliveries per channel (the sliding rate windows),
 * the person's mode, recent proposals (coalescing, feedback) and each rule's feedback offset.
 * Synchronous SQLite: a decision reads and records in one step, so two runs cannot both take the
 * last slot of a window.
 */
export class AttentionStore {
  readonly #db: Database.Database
  /**
   * Each kept proposal's rule, by proposal id, mirrored in memory: every ui.feedback event asks,
   * most name no proposal, and a read per event was most of a bulk ingest's consumer work
   * (decision 1631). This store is the file's only writer; proposals are few (a week of nudges).
   */
  readonly #proposalRules = new Map<string, string>()

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true })
    this.#db = new Database(path)
    this.#db.pragma('journal_mode = WAL')
    this.#db.exec(SCHEMA)
    this.#loadProposalRules()
  }

  #loadProposalRules(): void {
    this.#proposalRules.clear()
    const rows = this.#db.prepare('SELECT id, rule_id FROM proposals').all() as {
      id: string
      rule_id: string
    }[]
    for (const row of rows) this.#proposalRules.set(row.id, row.rule_id)
  }

  /** Runs `work` in one transaction (a triage decision). */
  transaction<T>(work: () => T): T {
    return this.#db.transaction(work)()
  }

  mode(): InterruptibilityMode | undefined {
    const row = this.#db.prepare('SELECT value FROM settings WHERE key = ?').get('mode') as
      | { value: string }
      | undefined
    const value = row?.value as InterruptibilityMode | undefined
    return value !== undefined && INTERRUPTIBILITY_MODES.includes(value) ? value : undefined
  }

  setMode(mode: InterruptibilityMode): void {
    this.#db
      .prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run('mode', mode)
  }

  /**
   * Deliveries on these channels after `since`. Later ones count too: after the clock jumps back,
   * a delivery "in the future" is still in the window, so a jump never frees a slot.
   */
  deliveriesSince(channels: readonly NudgeChannel[], since: number): number {
    const marks = channels.map(() => '?').join(', ')
    const row = this.#db
      .prepare(`SELECT COUNT(*) AS count FROM deliveries WHERE channel IN (${marks}) AND at > ?`)
      .get(...channels, since) as { count: number }
    return row.count
  }

  recordDelivery(channel: NudgeChannel, at: number): void {
    this.#db.prepare('INSERT INTO deliveries (channel, at) VALUES (?, ?)').run(channel, at)
  }

  /** Whether a proposal with this key was made after `since`. */
  proposedSince(coalesceKey: string, since: number): boolean {
    return (
      this.#db
        .prepare('SELECT 1 FROM proposals WHERE coalesce_key = ? AND at > ? LIMIT 1')
        .get(coalesceKey, since) !== undefined
    )
  }

  recordProposal(id: string, ruleId: string, coalesceKey: string, at: number): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO proposals (id, rule_id, coalesce_key, at) VALUES (?, ?, ?, ?)')
      .run(id, ruleId, coalesceKey, at)
    this.#proposalRules.set(id, ruleId)
  }

  ruleOfProposal(id: string): string | undefined {
    return this.#proposalRules.get(id)
  }

  ruleOffset(ruleId: string): number {
    const row = this.#db.prepare('SELECT offset FROM rule_offsets WHERE rule_id = ?').get(ruleId) as
      | { offset: number }
      | undefined
    return row?.offset ?? 0
  }

  setRuleOffset(ruleId: string, offset: number): void {
    this.#db
      .prepare(
        'INSERT INTO rule_offsets (rule_id, offset) VALUES (?, ?) ON CONFLICT(rule_id) DO UPDATE SET offset = excluded.offset',
      )
      .run(ruleId, offset)
  }

  prune(now: number): void {
    this.#db.prepare('DELETE FROM deliveries WHERE at <= ?').run(now - DEFAULT_DELIVERY_RETENTION_MS)
    const pruned = this.#db
      .prepare('DELETE FROM proposals WHERE at <= ?')
      .run(now - DEFAULT_PROPOSAL_RETENTION_MS).changes
    if (pruned > 0) this.#loadProposalRules()
  }

  close(): void {
    this.#db.close()
  }
}
