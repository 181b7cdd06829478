import type { JetStreamClient, JetStreamManager, PubAck } from '@nats-io/jetstream'
import { JetStreamApiError } from '@nats-io/jetstream'
import type { AppendItem, AppendOutcome, Clock } from '../../bus/index.ts'
import { withSequence } from '../../bus/index.ts'
import { type Envelope, HubError } from '../../contracts/index.ts'
import { type AckInbox, PublishRefused } from './ack-inbox.ts'
import type { Claim, IdempotencyStore, PriorReceipt } from './idempotency-store.ts'
import { encodeEnvelope, HEADER_MSG_ID, HEADER_SESSION_SEQ, storedHeaders } from './message-codec.ts'
import type { HubNames } from './names.ts'
import type { NatsSettings } from './nats-options.ts'
import type { SessionSequencer } from './session-sequencer.ts'

export interface LogWriterDependencies {
  js: JetStreamClient
  jsm: JetStreamManager
  /** First attempts of publishes go through it; retries through `js.publish`. */
  acks: AckInbox
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

/** One new event on its way: filled in as its claim and session number arrive. */
interface Waiting {
  item: AppendItem
  data: Uint8Array
  claimResult: Claim | undefined
  claim: { key: string; at: number } | undefined
  prior: PriorReceipt | undefined
  sessionSeq: number | undefined
  failed: boolean
  outcome: Promise<AppendOutcome>
  resolve(outcome: AppendOutcome): void
  fail(error: unknown): void
}

function waitingFor(item: AppendItem, data: Uint8Array): Waiting {
  let resolve: (outcome: AppendOutcome) => void = () => {}
  let reject: (error: unknown) => void = () => {}
  const outcome = new Promise<AppendOutcome>((onResolve, onReject) => {
    resolve = onResolve
    reject = onReject
  })
  const waiting: Waiting = {
    item,
    data,
    claimResult: undefined,
    claim: undefined,
    prior: undefined,
    sessionSeq: undefined,
    failed: false,
    outcome,
    resolve,
    fail: (error) => {
      waiting.failed = true
      reject(error)
    },
  }
  return waiting
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function retryable(error: unknown): boolean {
  if (error instanceof JetStreamApiError) return error.code === 503
  if (error instanceof PublishRefused) return error.code === 503 || error.code === 408 || error.code === 0
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
  /** No batch is waiting to be numbered / issued: a batch that needs no waiting goes out at once. */
  private numberIdle = true
  private issueIdle = true
  private readonly pending = new Set<Promise<unknown>>()
  private abandoned = false
  /** Highest seq this writer has seen acknowledged (seeded with the stream's last seq at open). */
  lastSeq = 0

  constructor(private readonly deps: LogWriterDependencies) {}

  async append(items: AppendItem[]): Promise<AppendOutcome[]> {
    // Encoded once: the size check and the publish use the same bytes.
    const encoded = items.map((item) => {
      const data = encodeEnvelope(item.envelope)
      if (data.length > this.deps.settings.maxEventBytes) {
        throw new HubError(
          'E_RESOURCE_LIMIT',
          `event of ${data.length} bytes exceeds the nats transport's maxEventBytes ${this.deps.settings.maxEventBytes}`,
        )
      }
      return data
    })
    const now = this.deps.clock.now()
    const outcomes: Promise<AppendOutcome>[] = []
    const fresh: Waiting[] = []
    for (let index = 0; index < items.length; index++) {
      const item = items[index]!
      const seen = this.remembered(item.dedupeKeys, now)
      if (seen !== undefined) {
        outcomes.push(seen.then((first) => duplicateOf(first)))
        continue
      }
      const waiting = waitingFor(item, encoded[index]!)
      const outcome = waiting.outcome
      fresh.push(waiting)
      const expiresAt = now + this.deps.dedupeWindowMs
      for (const key of item.dedupeKeys) this.window.set(key, { outcome, expiresAt })
      outcome.catch(() => {
        for (const key of item.dedupeKeys)
          if (this.window.get(key)?.outcome === outcome) this.window.delete(key)
      })
      outcomes.push(outcome)
    }
    if (fresh.length > 0) this.enqueue(fresh)
    this.sweep(now)
    return Promise.all(outcomes)
  }

  /**
   * Closing without a server: publishes still retrying stop at their next attempt and fail for
   * their callers (never acknowledged), instead of retrying for publishRetryMs after the close.
   */
  abandon(): void {
    this.abandoned = true
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

  /**
   * One append's new events, in order: idempotency claims (all at once), then session numbers
   * requested strictly in append order and only for events the claim says are new (so duplicates
   * leave no gaps), then every publish of the batch issued in one synchronous loop, so nats.js
   * writes them to the socket together and seq order matches sessionSeq order. The next batch is
   * numbered and issued after this one; acknowledgements are awaited concurrently.
   */
  private enqueue(batch: Waiting[]): void {
    const claims = batch.map((waiting) => {
      const keyed = waiting.item.dedupeKeys.find((key) => key.startsWith('key:'))
      return keyed === undefined ? undefined : this.deps.idempotency.claim(keyed, waiting.item.envelope.id)
    })
    const needsWait = claims.some((claim) => claim !== undefined) || !this.numberIdle
    const number = (): Promise<void> | undefined => {
      const pending: Promise<unknown>[] = []
      for (let index = 0; index < batch.length; index++) {
        const waiting = batch[index]!
        const claimed = waiting.claimResult
        if (claimed?.kind === 'duplicate') {
          waiting.prior = claimed.prior
          continue
        }
        if (claimed?.kind === 'claimed') waiting.claim = claimed
        const sessionId = waiting.item.envelope.sessionId
        if (sessionId !== undefined) {
          const next = this.deps.sessions.next(sessionId).then((value) => {
            waiting.sessionSeq = value
          })
          pending.push(next.catch((error: unknown) => waiting.fail(error)))
        }
      }
      return pending.length === 0 ? undefined : Promise.all(pending).then(() => undefined)
    }
    let numbered: Promise<void> | undefined
    if (!needsWait) {
      numbered = number()
    } else {
      numbered = this.numberTail.then(async () => {
        const results = await Promise.allSettled(claims)
        results.forEach((result, index) => {
          if (result.status === 'fulfilled') batch[index]!.claimResult = result.value
          else batch[index]!.fail(result.reason)
        })
        await number()
      })
    }
    if (numbered !== undefined) {
      this.numberIdle = false
      const tail = numbered.then(
        () => undefined,
        () => undefined,
      )
      this.numberTail = tail
      void tail.then(() => {
        if (this.numberTail === tail) this.numberIdle = true
      })
    }
    const issue = () => {
      for (const waiting of batch) {
        if (waiting.failed) continue
        if (waiting.prior !== undefined) {
          const prior = waiting.prior
          waiting.resolve(
            duplicateOf({ id: prior.id, seq: prior.seq, sessionSeq: prior.sessionSeq, duplicate: true }),
          )
          continue
        }
        let ack: Promise<{ ack: PubAck; retried: boolean }>
        try {
          ack = this.publish(waiting)
        } catch (error) {
          ack = Promise.reject(error)
        }
        this.settleAfterAck(waiting, ack)
      }
    }
    if (numbered === undefined && this.issueIdle) {
      issue()
      return
    }
    this.issueIdle = false
    const issued = Promise.all([this.issueTail, numbered]).then(issue)
    const tail = issued.then(
      () => undefined,
      () => undefined,
    )
    this.issueTail = tail
    void tail.then(() => {
      if (this.issueTail === tail) this.issueIdle = true
    })
  }

  private settleAfterAck(waiting: Waiting, ack: Promise<{ ack: PubAck; retried: boolean }>): void {
    const done = (async () => {
      try {
        const result = await this.outcomeOf(waiting, await ack)
        if (waiting.claim !== undefined && !result.duplicate) {
          await this.deps.idempotency.settle(waiting.claim, result.id, {
            id: result.id,
            seq: result.seq,
            ...(result.sessionSeq === undefined ? {} : { sessionSeq: result.sessionSeq }),
          })
        }
        waiting.resolve(result)
      } catch (error) {
        if (waiting.claim !== undefined)
          await this.deps.idempotency.release(waiting.claim.key).catch(() => undefined)
        waiting.fail(error)
      }
    })()
    this.pending.add(done)
    void done.then(() => this.pending.delete(done))
  }

  /** Issues the first publish attempt synchronously (keeps order) and retries with the same id. */
  private publish(ready: Waiting): Promise<{ ack: PubAck; retried: boolean }> {
    const { sessionSeq, data } = ready
    const envelope = ready.item.envelope
    const subject = `${this.deps.names.prefix}.${envelope.type}`
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
    const headers = storedHeaders(envelope, sessionSeq)
    headers.set(HEADER_MSG_ID, envelope.id)
    const first = this.deps.acks.publish(subject, data, headers).then((ack) => ({ ack, retried: false }))
    return first.catch(async (error: unknown) => {
      countBuffered()
      if (isNoStream(error)) {
        await this.deps.ensureSubject(envelope.type)
      } else if (!retryable(error)) throw toPublishError(error, envelope)
      const deadline = Date.now() + this.deps.settings.publishRetryMs
      let delay = 50
      let last = error
      while (Date.now() < deadline && !this.abandoned) {
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
    ready: Waiting,
    published: { ack: PubAck; retried: boolean },
  ): Promise<AppendOutcome> {
    const envelope = ready.item.envelope
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
