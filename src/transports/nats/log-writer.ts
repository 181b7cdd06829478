import type { JetStreamClient, JetStreamManager, PubAck } from '@nats-io/jetstream'
import { JetStreamApiError } from '@nats-io/jetstream'
import type { AppendItem, AppendOutcome, Clock } from '../../bus/index.ts'
import { withSequence } from '../../bus/index.ts'
import { type Envelope, HubError } from '../../contracts/index.ts'
import type { IdempotencyStore, PriorReceipt } from './idempotency-store.ts'
import { encodeEnvelope, HEADER_SESSION_SEQ, storedHeaders } from './message-codec.ts'
import type { HubNames } from './names.ts'
import type { NatsSettings } from './nats-options.ts'
import type { SessionSequencer } from './session-sequencer.ts'

export interface LogWriterDependencies {
  js: JetStreamClient
  jsm: JetStreamManager
  names: HubNames
  settings: Readonly<NatsSettings>
  clock: Clock
  dedupeWindowMs: number
  sessions: SessionSequencer
  idempotency: IdempotencyStore
  /** Makes sure the stream has a subject for this type (a type the catalog did not list at open). */
  ensureSubject(type: string): Promise<void>
  /** True while the connection is down (publishes are retried, counted as buffered). */
  isDisconnected(): boolean
  onBuffered(): void
}

interface Prepared {
  envelope: Envelope
  sessionSeq: number | undefined
  claim: { key: string; at: number } | undefined
  prior: PriorReceipt | undefined
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function retryable(error: unknown): boolean {
  if (error instanceof JetStreamApiError) return error.code === 503
  return true
}

/**
 * Appends to the hub's stream: dedupe in process (the bus window, on the bus clock), idempotency
 * keys in KV, sessionSeq by KV compare-and-set, then a JetStream publish with Nats-Msg-Id = event
 * id. Publishes are issued strictly in append order, so seq order matches sessionSeq order.
 */
export class LogWriter {
  private readonly window = new Map<string, { outcome: Promise<AppendOutcome>; expiresAt: number }>()
  private issueTail: Promise<void> = Promise.resolve()
  private numberTail: Promise<void> = Promise.resolve()
  private readonly pending = new Set<Promise<unknown>>()
  /** Highest seq this writer has seen acknowledged (seeded with the stream's last seq at open). */
  lastSeq = 0

  constructor(private readonly deps: LogWriterDependencies) {}

  async append(items: AppendItem[]): Promise<AppendOutcome[]> {
    for (const item of items) {
      const bytes = encodeEnvelope(item.envelope).length
      if (bytes > this.deps.settings.maxEventBytes) {
        throw new HubError(
          'E_RESOURCE_LIMIT',
          `event of ${bytes} bytes exceeds the nats transport's maxEventBytes ${this.deps.settings.maxEventBytes}`,
        )
      }
    }
    const now = this.deps.clock.now()
    const outcomes: Promise<AppendOutcome>[] = []
    for (const item of items) {
      const seen = this.remembered(item.dedupeKeys, now)
      if (seen !== undefined) {
        outcomes.push(seen.then((first) => duplicateOf(first)))
        continue
      }
      const outcome = this.enqueue(item)
      const expiresAt = now + this.deps.dedupeWindowMs
      for (const key of item.dedupeKeys) this.window.set(key, { outcome, expiresAt })
      outcome.catch(() => {
        for (const key of item.dedupeKeys)
          if (this.window.get(key)?.outcome === outcome) this.window.delete(key)
      })
      outcomes.push(outcome)
    }
    this.sweep(now)
    return Promise.all(outcomes)
  }

  /** Resolves when every publish issued so far has its acknowledgement (or failed). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending])
  }

  private remembered(keys: string[], now: number): Promise<AppendOutcome> | undefined {
    for (const key of keys) {
      const hit = this.window.get(key)
      if (hit === undefined) continue
      if (hit.expiresAt > now) return hit.outcome
      this.window.delete(key)
    }
    return undefined
  }

  private sweep(now: number): void {
    let budget = 16
    for (const [key, entry] of this.window) {
      if (entry.expiresAt > now || budget-- === 0) return
      this.window.delete(key)
    }
  }

  private enqueue(item: AppendItem): Promise<AppendOutcome> {
    const envelope = item.envelope
    const keyed = item.dedupeKeys.find((key) => key.startsWith('key:'))
    const claimed =
      keyed === undefined ? Promise.resolve(undefined) : this.deps.idempotency.claim(keyed, envelope.id)
    // Session numbers are requested strictly in append order (the chain below), and only after the
    // claim says the event is new, so duplicates leave no gaps and seq order matches sessionSeq order.
    let numbered: () => void = () => {}
    const turn = new Promise<void>((resolve) => {
      numbered = resolve
    })
    const prepared: Promise<Prepared> = this.numberTail
      .then(() => claimed)
      .then(
        (claim) => {
          try {
            if (claim?.kind === 'duplicate')
              return { envelope, sessionSeq: undefined, claim: undefined, prior: claim.prior }
            const sessionSeq =
              envelope.sessionId === undefined ? undefined : this.deps.sessions.next(envelope.sessionId)
            const kept = claim?.kind === 'claimed' ? claim : undefined
            return Promise.resolve(sessionSeq).then((value) => ({
              envelope,
              sessionSeq: value,
              claim: kept,
              prior: undefined,
            }))
          } finally {
            numbered()
          }
        },
        (error: unknown) => {
          numbered()
          throw error
        },
      )
    this.numberTail = turn
    const issued = this.issueTail.then(async () => {
      const ready = await prepared
      if (ready.prior !== undefined) return { ready, ack: undefined }
      return { ready, ack: this.publish(ready) }
    })
    this.issueTail = issued.then(
      () => undefined,
      () => undefined,
    )
    const outcome = issued.then(async ({ ready, ack }) => {
      if (ack === undefined)
        return duplicateOf({
          id: ready.prior!.id,
          seq: ready.prior!.seq,
          sessionSeq: ready.prior!.sessionSeq,
          duplicate: true,
        })
      try {
        const result = await this.outcomeOf(ready, await ack)
        if (ready.claim !== undefined && !result.duplicate) {
          await this.deps.idempotency.settle(ready.claim, result.id, {
            id: result.id,
            seq: result.seq,
            ...(result.sessionSeq === undefined ? {} : { sessionSeq: result.sessionSeq }),
          })
        }
        return result
      } catch (error) {
        if (ready.claim !== undefined) await this.deps.idempotency.release(ready.claim.key)
        throw error
      }
    })
    this.pending.add(outcome)
    outcome.then(
      () => this.pending.delete(outcome),
      () => this.pending.delete(outcome),
    )
    return outcome
  }

  /** Issues the first publish attempt synchronously (keeps order) and retries with the same id. */
  private publish(ready: Prepared): Promise<{ ack: PubAck; retried: boolean }> {
    const { envelope, sessionSeq } = ready
    const subject = `${this.deps.names.prefix}.${envelope.type}`
    const data = encodeEnvelope(envelope)
    const options = () => ({
      msgID: envelope.id,
      headers: storedHeaders(envelope, sessionSeq),
      timeout: this.deps.settings.publishTimeoutMs,
    })
    // Counted once per event for the outage report: issued while the link was down, or failed then.
    let buffered = false
    const countBuffered = () => {
      if (buffered || !this.deps.isDisconnected()) return
      buffered = true
      this.deps.onBuffered()
    }
    countBuffered()
    const first = this.deps.js.publish(subject, data, options()).then((ack) => ({ ack, retried: false }))
    return first.catch(async (error: unknown) => {
      countBuffered()
      if (isNoStream(error)) {
        await this.deps.ensureSubject(envelope.type)
      } else if (!retryable(error)) throw toPublishError(error, envelope)
      const deadline = Date.now() + this.deps.settings.publishRetryMs
      let delay = 50
      let last = error
      while (Date.now() < deadline) {
        try {
          return { ack: await this.deps.js.publish(subject, data, options()), retried: true }
        } catch (again) {
          last = again
          if (isNoStream(again)) await this.deps.ensureSubject(envelope.type).catch(() => undefined)
          else if (!retryable(again)) throw toPublishError(again, envelope)
        }
        await sleep(delay)
        delay = Math.min(delay * 2, 1000)
      }
      throw new HubError(
        'E_DEPENDENCY_UNAVAILABLE',
        `publishing ${envelope.type} ${envelope.id} failed for ${this.deps.settings.publishRetryMs} ms: ${(last as Error).message}`,
        { cause: last },
      )
    })
  }

  private async outcomeOf(
    ready: Prepared,
    published: { ack: PubAck; retried: boolean },
  ): Promise<AppendOutcome> {
    const { envelope } = ready
    const { ack } = published
    if (ack.seq > this.lastSeq) this.lastSeq = ack.seq
    // A retry that meets its own earlier attempt (stored, but the ack was lost) is this event's
    // first and only copy, not a duplicate.
    if (!ack.duplicate || published.retried) {
      const stored = withSequence(envelope, ack.seq, ready.sessionSeq)
      const result: AppendOutcome = { id: envelope.id, seq: ack.seq, duplicate: false, stored }
      if (ready.sessionSeq !== undefined) result.sessionSeq = ready.sessionSeq
      return result
    }
    // JetStream saw this id within its window: the first copy's seq is in the ack; its sessionSeq in its header.
    const result: AppendOutcome = { id: envelope.id, seq: ack.seq, duplicate: true }
    if (envelope.sessionId !== undefined) {
      const first = await this.deps.jsm.streams
        .getMessage(this.deps.names.stream, { seq: ack.seq })
        .catch(() => null)
      const header = first?.header.get(HEADER_SESSION_SEQ)
      if (header) result.sessionSeq = Number(header)
    }
    return result
  }
}

function duplicateOf(first: AppendOutcome): AppendOutcome {
  const outcome: AppendOutcome = { id: first.id, seq: first.seq, duplicate: true }
  if (first.sessionSeq !== undefined) outcome.sessionSeq = first.sessionSeq
  return outcome
}

function isNoStream(error: unknown): boolean {
  const message = (error as Error)?.message ?? ''
  return /no responders|no stream/i.test(message)
}

function toPublishError(error: unknown, envelope: Envelope): HubError {
  const message = (error as Error)?.message ?? String(error)
  const code = /maximum .*size|payload/i.test(message) ? 'E_RESOURCE_LIMIT' : 'E_IO'
  return new HubError(code, `publishing ${envelope.type} ${envelope.id}: ${message}`, { cause: error })
}
