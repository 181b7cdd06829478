export { canonicalJson, sha256Text } from './entry-hash.ts'
export type { Ledger } from './ledger.ts'
export { openLedger } from './ledger.ts'
export { ledgerEntryEvent } from './ledger-entry-event.ts'
export { DEFAULT_SHOW_LIMIT, LEDGER_FILE_NAME, MAX_SHOW_LIMIT } from './ledger-options.ts'
export type { LedgerReader } from './ledger-reader.ts'
export { openLedgerReader } from './ledger-reader.ts'
export type {
  CapabilityTier,
  LedgerDecision,
  LedgerEntry,
  LedgerEntryDraft,
  VerifyReport,
} from './ledger-types.ts'
export type { TailResolution } from './unwitnessed-tail.ts'
export { adoptUnwitnessedTail, recoverUnwitnessedTail } from './unwitnessed-tail.ts'
