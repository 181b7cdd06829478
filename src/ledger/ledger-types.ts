// The shapes of the audit ledger: what callers append, what is stored and what verify() reports.

export const CAPABILITY_TIERS = [
  'read_only',
  'write_local_confirm',
  'destructive_two_step',
  'network_off_by_default',
] as const
export type CapabilityTier = (typeof CAPABILITY_TIERS)[number]

/** How the action was authorised (catalog enum; `granted` = by a standing grant). */
export const LEDGER_DECISIONS = ['approved', 'denied', 'expired', 'cancelled', 'granted'] as const
export type LedgerDecision = (typeof LEDGER_DECISIONS)[number]

/** Which moment of an action the entry records: one entry per attempt and one per outcome. */
export const LEDGER_OUTCOMES = ['attempted', 'succeeded', 'failed', 'denied'] as const
export type LedgerOutcome = (typeof LEDGER_OUTCOMES)[number]

/** What a caller appends; the ledger adds index, ts, prevHash and hash. */
export interface LedgerEntryDraft {
  traceId: string
  actorSkill: string
  action: string
  targets: string[]
  beforeHash?: string
  afterHash?: string
  approvalId?: string
  decision?: LedgerDecision
  /** Who decided: a user id, `policy:<grant>` or `system`. */
  decidedBy?: string
  tier?: CapabilityTier
  outcome?: LedgerOutcome
  /** The HubError code when outcome is failed or denied. */
  errorCode?: string
}

export interface LedgerEntry extends LedgerEntryDraft {
  index: number
  ts: string
  prevHash: string
  hash: string
}

export interface LedgerHead {
  index: number
  hash: string
}

export interface Checkpoint {
  ledgerId: string
  index: number
  hash: string
  ts: string
  keyId: string
  /** base64 ed25519 signature over canonical JSON of {ledgerId, index, hash, ts}. */
  signature: string
}

export type BreakKind =
  | 'unreadable'
  | 'missing'
  | 'hash-mismatch'
  | 'index-mismatch'
  | 'prev-hash-mismatch'
  | 'column-mismatch'
  | 'checkpoint-signature'
  | 'checkpoint-mismatch'
  | 'truncated'
  | 'witness'
  /** Entries after the witnessed head that no witness accounts for (decision 1320). */
  | 'unwitnessed'

export interface LedgerBreak {
  /** Index of the first entry that is wrong (for truncation: the first missing index). */
  index: number
  kind: BreakKind
  message: string
}

export interface VerifyReport {
  ok: boolean
  entries: number
  head: LedgerHead | null
  checkpoints: number
  lastCheckpoint: Checkpoint | null
  /** Entries after the last valid signed checkpoint: authenticated by nothing but the head witness. */
  unsignedTail: number
  /** Entries after the witnessed (or pending, see decision 1320) head: rows the hub did not write. */
  unwitnessedTail: number
  broken: LedgerBreak | null
  warnings: string[]
}

export interface ShowQuery {
  traceId?: string
  /** First index to return (ascending from there); without it, the newest `limit` entries. */
  from?: number
  limit?: number
}
