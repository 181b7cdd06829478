export { canonicalJson, GENESIS_PREV_HASH, sealEntry, sha256Text, validateDraft } from './entry-hash.ts'
export { HEAD_WITNESS_FILE } from './head-witness.ts'
export type { Ledger } from './ledger.ts'
export { openLedger } from './ledger.ts'
export { ledgerEntryEvent } from './ledger-entry-event.ts'
export type { LedgerClock, LedgerOptions } from './ledger-options.ts'
export {
  DEFAULT_CHECKPOINT_EVERY_ENTRIES,
  DEFAULT_CHECKPOINT_EVERY_MS,
  DEFAULT_SHOW_LIMIT,
  KEYS_DIR_NAME,
  LEDGER_FILE_NAME,
  MAX_SHOW_LIMIT,
} from './ledger-options.ts'
export type { LedgerReader } from './ledger-reader.ts'
export { openLedgerReader } from './ledger-reader.ts'
export type {
  BreakKind,
  CapabilityTier,
  Checkpoint,
  LedgerBreak,
  LedgerDecision,
  LedgerEntry,
  LedgerEntryDraft,
  LedgerHead,
  LedgerOutcome,
  ShowQuery,
  VerifyReport,
} from './ledger-types.ts'
export { CAPABILITY_TIERS, LEDGER_DECISIONS, LEDGER_OUTCOMES } from './ledger-types.ts'
export { PRIVATE_KEY_FILE, PUBLIC_KEY_FILE } from './signing-keys.ts'
export type { TailResolution } from './unwitnessed-tail.ts'
export { adoptUnwitnessedTail, recoverUnwitnessedTail } from './unwitnessed-tail.ts'
