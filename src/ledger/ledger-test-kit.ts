// Test helpers for the ledger's own tests (not exported from index.ts).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { LedgerEntryDraft } from './ledger-types.ts'

/** A temp data dir removed after the test; `keep` registers handles that must close first. */
export function tempDataDir(t: { after: (fn: () => void) => void }): {
  dir: string
  keep: <T extends { close(): void }>(handle: T) => T
} {
  const dir = mkdtempSync(join(tmpdir(), 'localhub-ledger-'))
  const handles: { close(): void }[] = []
  t.after(() => {
    for (const handle of handles.reverse()) handle.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return {
    dir,
    keep: (handle) => {
      handles.push(handle)
      return handle
    },
  }
}

export function draft(n: number, extra: Partial<LedgerEntryDraft> = {}): LedgerEntryDraft {
  return {
    traceId: `t-${n % 3}`,
    actorSkill: 'skill.tools-fs',
    action: 'write_file',
    targets: [`notes/${n}.md`],
    tier: 'write_local_confirm',
    outcome: 'succeeded',
    ...extra,
  }
}

/** A raw connection as an attacker with write access to the file would use it: triggers dropped. */
export function tamper(dataDir: string, sql: (db: Database.Database) => void): void {
  const db = new Database(join(dataDir, 'ledger.sqlite'))
  try {
    db.exec(`
      DROP TRIGGER IF EXISTS ledger_entries_no_update; DROP TRIGGER IF EXISTS ledger_entries_no_delete;
      DROP TRIGGER IF EXISTS ledger_checkpoints_no_update; DROP TRIGGER IF EXISTS ledger_checkpoints_no_delete;`)
    db.transaction(() => sql(db))()
  } finally {
    db.close()
  }
}
