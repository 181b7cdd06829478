import { HubError } from '../contracts/index.ts'

/** How long a challenge may be answered (the owner approves within it too). */
export const DEFAULT_PAIRING_TTL_MS = 5 * 60_000
/** Shortest and longest TTL accepted (LOCALHUB_PAIRING_TTL_MS, HubOptions.pairingTtlMs). */
export const MIN_PAIRING_TTL_MS = 1_000
export const MAX_PAIRING_TTL_MS = 60 * 60_000
/** Pairings remembered at once (pending and recently finished); a start beyond is refused. */
export const DEFAULT_MAX_PAIRINGS = 100
/** Wrong signatures one pairing tolerates before it fails for good. */
export const DEFAULT_MAX_SIGNATURE_ATTEMPTS = 3
/** How long a finished or expired pairing is remembered, so a replay is told CHALLENGE_FAILED / TIMEOUT. */
export const DEFAULT_FINISHED_RETENTION_MS = 10 * 60_000

export interface PairingOptions {
  ttlMs?: number
  maxPairings?: number
  maxSignatureAttempts?: number
  finishedRetentionMs?: number
}

export type ResolvedPairingOptions = Readonly<Required<PairingOptions>>

function wholeIn(value: number, label: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new HubError('E_BAD_REQUEST', `${label} must be a whole number from ${min} to ${max}, got ${value}`)
  return value
}

export function resolvePairingOptions(options: PairingOptions = {}): ResolvedPairingOptions {
  return Object.freeze({
    ttlMs: wholeIn(
      options.ttlMs ?? DEFAULT_PAIRING_TTL_MS,
      'pairing ttlMs',
      MIN_PAIRING_TTL_MS,
      MAX_PAIRING_TTL_MS,
    ),
    maxPairings: wholeIn(options.maxPairings ?? DEFAULT_MAX_PAIRINGS, 'maxPairings', 1, 100_000),
    maxSignatureAttempts: wholeIn(
      options.maxSignatureAttempts ?? DEFAULT_MAX_SIGNATURE_ATTEMPTS,
      'maxSignatureAttempts',
      1,
      100,
    ),
    finishedRetentionMs: wholeIn(
      options.finishedRetentionMs ?? DEFAULT_FINISHED_RETENTION_MS,
      'finishedRetentionMs',
      0,
      24 * 60 * 60_000,
    ),
  })
}

/** The TTL from LOCALHUB_PAIRING_TTL_MS, when set (validated like the option). */
export function pairingTtlFromEnv(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const text = env.LOCALHUB_PAIRING_TTL_MS
  if (text === undefined || text === '') return undefined
  if (!/^\d+$/.test(text))
    throw new HubError('E_BAD_REQUEST', `LOCALHUB_PAIRING_TTL_MS must be milliseconds, got ${text}`)
  return wholeIn(Number(text), 'LOCALHUB_PAIRING_TTL_MS', MIN_PAIRING_TTL_MS, MAX_PAIRING_TTL_MS)
}
