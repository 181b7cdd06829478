import { type Envelope, fail, ok, toHubError } from '../contracts/index.ts'
import type { PublishOutcome, PublishReceipt } from './bus-types.ts'
import type { Clock } from './clock.ts'
import { DEFAULT_EPHEMERAL_DEDUPE_MAX_KEYS, DedupeWindow } from './dedupe-window.ts'
import { isoTime } from './iso-time.ts'
import type { LiveDispatcher } from './live-dispatcher.ts'
import type { PermissionChecker } from './permissions.ts'
import { type PreparedEvent, type PrepareSettings, prepareEnvelope } from './prepare-envelope.ts'
import type { Transport } from './transport-types.ts'

export interface BatchPublisherDependencies {
  clock: Clock
  transport: Transport
  /** Trusted in-process handlers: they get the validated envelope before guardrails. */
  trusted: LiveDispatcher
  prepare: PrepareSettings
  permissions: PermissionChecker | undefined
  dedupeWindowMs: number
}

/**
 * The publish path of the bus: each draft is prepared (ids, validation, guardrails), checked
 * against the principal's permissions, then stored events go to the transport in one append and
 * ephemeral ones are deduped here and broadcast. One outcome per draft, in draft order.
 */
export function createBatchPublisher(dependencies: BatchPublisherDependencies) {
  const { transport, trusted, permissions } = dependencies
  const ephemeralDedupe = new DedupeWindow<PublishReceipt>(
    dependencies.dedupeWindowMs,
    DEFAULT_EPHEMERAL_DEDUPE_MAX_KEYS,
  )

  return async function publishBatch(
    drafts: readonly unknown[],
    principal: string | undefined,
    now: number = dependencies.clock.now(),
    handOver = false,
  ): Promise<PublishOutcome[]> {
    const nowIso = isoTime(now)
    const outcomes: PublishOutcome[] = new Array(drafts.length)
    // A prepared event is its own append item (decision 1761): no second object per event.
    const items: PreparedEvent[] = []
    const storedAt: number[] = []
    // Ephemeral events and their draft positions, side by side (no pair per event).
    const ephemeral: PreparedEvent[] = []
    const ephemeralAt: number[] = []
    // The last type this batch's principal was allowed: a batch usually repeats one type, and the
    // grants never change once the bus is made, so it is asked once per run of a type (decision 2089).
    let allowedType: string | undefined
    for (let index = 0; index < drafts.length; index++) {
      const prepared = prepareEnvelope(drafts[index], now, dependencies.prepare, nowIso)
      if (!prepared.ok) {
        outcomes[index] = prepared
        continue
      }
      if (principal !== undefined && prepared.full.type !== allowedType) {
        try {
          permissions!.checkPublish(principal, prepared.full.type)
          allowedType = prepared.full.type
        } catch (error) {
          outcomes[index] = fail(error)
          continue
        }
      }
      if (prepared.entry.stored) {
        // A trusted handler gets a shallow copy sharing the payload: no hand-over then (1638).
        if (handOver && (trusted.size === 0 || !trusted.wants(prepared.full.type))) prepared.handedOver = true
        items.push(prepared)
        storedAt.push(index)
      } else {
        ephemeral.push(prepared)
        ephemeralAt.push(index)
      }
    }
    if (items.length > 0) {
      try {
        const results = await transport.append(items)
        // Whether any trusted handler can take an event is asked once per batch, not per event.
        const anyTrusted = trusted.size > 0
        for (let position = 0; position < results.length; position++) {
          const result = results[position]!
          // An outcome of a new event already in a receipt's shape (the SQLite writer's) is the
          // receipt; any other is copied into one (decision 2095).
          let receipt: PublishReceipt
          if (result.duplicate === undefined && result.stored === undefined)
            receipt = result as PublishReceipt
          else {
            receipt =
              result.sessionSeq === undefined
                ? { id: result.id, seq: result.seq }
                : { id: result.id, seq: result.seq, sessionSeq: result.sessionSeq }
            if (result.duplicate) receipt.duplicate = true
          }
          outcomes[storedAt[position]!] = ok(receipt)
          // Built only for a trusted handler that takes this type (a copy per event was most of
          // a bulk ingest's publish cost), awaited only when a full queue makes the dispatch wait.
          if (anyTrusted && !result.duplicate && trusted.wants(items[position]!.full.type)) {
            const full = { ...items[position]!.full, seq: result.seq } as Envelope
            if (result.sessionSeq !== undefined) full.sessionSeq = result.sessionSeq
            const waiting = trusted.dispatch(full, false)
            if (waiting !== undefined) await waiting
          }
        }
      } catch (error) {
        const failure = fail(toHubError(error, 'E_IO'))
        for (const index of storedAt) outcomes[index] ??= failure
      }
    }
    for (let position = 0; position < ephemeral.length; position++) {
      const event = ephemeral[position]!
      const index = ephemeralAt[position]!
      const keys = event.dedupeKeys
      // The first key seen in the window, as before: every key is still asked in order until one hits.
      let seen: PublishReceipt | undefined
      for (let key = 0; key < keys.length && seen === undefined; key++)
        seen = ephemeralDedupe.get(keys[key]!, now)
      if (seen !== undefined) {
        outcomes[index] = ok({ id: seen.id, duplicate: true })
        continue
      }
      const receipt = { id: event.full.id }
      for (const key of keys) ephemeralDedupe.remember(key, receipt, now)
      await transport.broadcast(event.envelope)
      if (trusted.size > 0) {
        const waiting = trusted.dispatch(event.full, true)
        if (waiting !== undefined) await waiting
      }
      outcomes[index] = ok(receipt)
    }
    return outcomes
  }
}
