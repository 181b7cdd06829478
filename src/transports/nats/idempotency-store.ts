import type { KV } from '@nats-io/kv'
import type { Clock } from '../../bus/index.ts'
import { kvKey } from './names.ts'

export interface PriorReceipt {
  id: string
  seq: number
  sessionSeq?: number
}

interface ClaimRecord {
  eventId: string
  /** Bus clock time of the claim: the window is measured on the bus's clock, not the server's. */
  at: number
  /** Wall time of the claim, to take over claims abandoned by a crashed writer. */
  wallAt: number
  seq?: number
  sessionSeq?: number
}

export type Claim = { kind: 'claimed'; key: string; at: number } | { kind: 'duplicate'; prior: PriorReceipt }

/** A claim without a receipt older than this is taken over (its writer died before publishing). */
const ABANDONED_CLAIM_MS = 30_000
const PENDING_POLL_MS = 25

function parse(text: string): ClaimRecord | undefined {
  try {
    const value = JSON.parse(text) as ClaimRecord
    return typeof value.eventId === 'string' && typeof value.at === 'number' ? value : undefined
  } catch {
    return undefined
  }
}

/**
 * Idempotency keys that outlive a process: `create` in a KV bucket is an atomic claim; the receipt
 * (seq, sessionSeq) is written once the event is stored. The bucket's TTL drops old keys; the bus
 * window decides expiry on the bus's clock.
 */
export class IdempotencyStore {
  constructor(
    private readonly kv: KV,
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  async claim(dedupeKey: string, eventId: string): Promise<Claim> {
    const key = kvKey(dedupeKey)
    const at = this.clock.now()
    const record = (): string => JSON.stringify({ eventId, at, wallAt: Date.now() } satisfies ClaimRecord)
    for (let round = 0; round < 400; round++) {
      try {
        await this.kv.create(key, record())
        return { kind: 'claimed', key, at }
      } catch {
        // Exists: look at what is there.
      }
      const entry = await this.kv.get(key)
      if (entry === null) continue
      const existing = entry.operation === 'PUT' ? parse(entry.string()) : undefined
      const expired =
        existing === undefined ||
        existing.at + this.windowMs <= this.clock.now() ||
        (existing.seq === undefined && Date.now() - existing.wallAt > ABANDONED_CLAIM_MS)
      if (expired) {
        try {
          await this.kv.update(key, record(), entry.revision)
          return { kind: 'claimed', key, at }
        } catch {
          continue
        }
      }
      if (existing.seq !== undefined) {
        const prior: PriorReceipt = { id: existing.eventId, seq: existing.seq }
        if (existing.sessionSeq !== undefined) prior.sessionSeq = existing.sessionSeq
        return { kind: 'duplicate', prior }
      }
      // Another writer holds the claim and is publishing: wait for its receipt.
      await new Promise((resolve) => setTimeout(resolve, PENDING_POLL_MS))
    }
    throw new Error(`idempotency key still claimed by another writer without a receipt`)
  }

  async settle(claim: { key: string; at: number }, eventId: string, receipt: PriorReceipt): Promise<void> {
    const record: ClaimRecord = { eventId, at: claim.at, wallAt: Date.now(), seq: receipt.seq }
    if (receipt.sessionSeq !== undefined) record.sessionSeq = receipt.sessionSeq
    await this.kv.put(claim.key, JSON.stringify(record))
  }

  /** A failed publish gives its key back. */
  async release(key: string): Promise<void> {
    await this.kv.delete(key).catch(() => undefined)
  }
}
