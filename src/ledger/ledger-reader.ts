import { join } from 'node:path'
import { validateShowQuery } from './ledger.ts'
import { openLedgerDatabase } from './ledger-database.ts'
import { DEFAULT_BUSY_TIMEOUT_MS, KEYS_DIR_NAME, LEDGER_FILE_NAME } from './ledger-options.ts'
import type { LedgerEntry, ShowQuery, VerifyReport } from './ledger-types.ts'
import { readEntries } from './read-entries.ts'
import { type VerifyOptions, verifyLedgerDatabase } from './verify-chain.ts'

export interface LedgerReader {
  readonly ledgerId: string
  show(query?: ShowQuery): LedgerEntry[]
  verify(options?: VerifyOptions): VerifyReport
  close(): void
}

/** Read-only access for the CLI and auditors: never creates files, keys or checkpoints. */
export function openLedgerReader(
  options: { dataDir?: string; path?: string; keysDir?: string } = {},
): LedgerReader {
  const dataDir = options.dataDir ?? 'data'
  const keysDir = options.keysDir ?? join(dataDir, KEYS_DIR_NAME)
  const { db, ledgerId } = openLedgerDatabase(options.path ?? join(dataDir, LEDGER_FILE_NAME), {
    readonly: true,
    synchronous: 'FULL',
    busyTimeoutMs: DEFAULT_BUSY_TIMEOUT_MS,
  })
  return {
    ledgerId,
    show: (query = {}) => readEntries(db, validateShowQuery(query)),
    verify: (verifyOptions = {}) => verifyLedgerDatabase(db, ledgerId, keysDir, verifyOptions),
    close: () => db.close(),
  }
}
