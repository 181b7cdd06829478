import {
  createContracts,
  createGuardrails,
  type Envelope,
  fail,
  HubError,
  ok,
  toHubError,
} from '../contracts/index.ts'
import { busSettings, checkBackoff, checkConsumerLimits } from './bus-defaults.ts'
import type {
  Bus,
  BusClient,
  BusOptions,
  EventContext,
  EventHandler,
  PublishOutcome,
  PublishReceipt,
  ReplayOptions,
  ReplayPosition,
  SubscribeOptions,
  Subscription,
} from './bus-types.ts'
import { systemClock } from './clock.ts'
import { DedupeWindow } from './dedupe-window.ts'
import { LiveDispatcher } from './live-dispatcher.ts'
import { asJson, deferredIterable } from './page-iterator.ts'
import { createPermissionChecker } from './permissions.ts'
import { type PreparedEvent, prepareEnvelope } from './prepare-envelope.ts'
import { PublishQueue } from './publish-queue.ts'
import { applyQueryKeys, filterQueryKeys, toTimeMs } from './replay-query.ts'
import { createRequester, replyTypeOf } from './request-reply.ts'
import { compileTypePattern, hubSubjectPrefix, validatePattern } from './subjects.ts'
import { systemEvents } from './system-events.ts'
import type {
  AppendItem,
  BackpressureReport,
  DeadLetterQuery,
  DeliverFrom,
  ReadQuery,
  StoredEventJson,
} from './transport-types.ts'
import { uuidV7 } from './uuid-v7.ts'

const CONSUMER_NAME = /^[A-Za-z0-9_.-]{1,200}$/

function defaultOnError(error: Error, where: string): void {
  process.emitWarning(`${where}: ${error.message}`, { code: 'LOCALHUB_BUS' })
}

export { toTimeMs }

function toDeliverFrom(from: SubscribeOptions['from']): DeliverFrom {
  if (from === undefined || from === 'new' || from === 'first') return from ?? 'new'
  if ('seq' in from) {
    if (!Number.isInteger(from.seq) || from.seq < 0)
      throw new HubError('E_BAD_REQUEST', `from.seq must be a whole number ≥ 0`)
    return { seq: from.seq }
  }
  return { time: toTimeMs(from.time) }
}

function applyPosition(query: ReadQuery, position: ReplayPosition | undefined, edge: 'from' | 'to'): void {
  if (position === undefined) return
  if ('seq' in position) {
    if (!Number.isInteger(position.seq) || position.seq < 0)
      throw new HubError('E_BAD_REQUEST', `${edge}.seq must be a whole number ≥ 0`)
    if (edge === 'from') query.fromSeq = position.seq
    else query.toSeq = position.seq
  } else if (edge === 'from') query.fromTime = toTimeMs(position.time)
  else query.toTime = toTimeMs(position.time)
}

/** Builds a bus over a transport: validation, ids, guardrails, permissions, dedupe of ephemeral events, request/reply. */
export async function createBus(options: BusOptions): Promise<Bus> {
  const settings = busSettings(options)
  const clock = options.clock ?? systemClock
  const contracts = createContracts(options.registry)
  const guardrails = createGuardrails(options.registry, options.guardrails)
  const subjectPrefix = hubSubjectPrefix(settings.hubId)
  const permissions =
    options.permissions === undefined ? undefined : createPermissionChecker(options.permissions)
  const onError = options.onError ?? defaultOnError
  const prepareSettings = { contracts, guardrails, defaultSource: settings.defaultSource }
  const sessionOrdered = new Set(
    options.registry.entries.filter((e) => e.semantics.ordering === 'session').map((e) => e.type),
  )
  const live = { maxPending: settings.maxLivePending, blockMs: settings.liveBlockMs }
  const inflight = new Set<Promise<unknown>>()
  const subscriptions = new Set<Subscription>()
  const ephemeralDedupe = new DedupeWindow<PublishReceipt>(settings.dedupeWindowMs)
  let closing: Promise<void> | undefined

  const reportBackpressure = (report: BackpressureReport) => system.emit('bus.backpressure', { ...report })
  const transport = await options.transport({
    clock,
    subjectPrefix,
    dedupeWindowMs: settings.dedupeWindowMs,
    live,
    onBackpressure: reportBackpressure,
    onError: (error, where) => onError(error, where),
  })
  const trusted = new LiveDispatcher({ limits: live, clock, onBackpressure: reportBackpressure, onError })
  const system = systemEvents({
    contracts,
    isClosed: () => closing !== undefined,
    onError,
    track,
    publish: (d) => publishBatch([d], undefined),
  })

  const queue = new PublishQueue(publishBatch, (work) => track(work))

  function track<T>(promise: Promise<T>): Promise<T> {
    inflight.add(promise)
    promise.then(
      () => inflight.delete(promise),
      () => inflight.delete(promise),
    )
    return promise
  }

  function ensureOpen(): void {
    if (closing !== undefined) throw new HubError('E_DEPENDENCY_UNAVAILABLE', 'the bus is closed')
  }

  async function publishBatch(
    drafts: readonly unknown[],
    principal: string | undefined,
    now: number = clock.now(),
  ): Promise<PublishOutcome[]> {
    const nowIso = new Date(now).toISOString()
    const outcomes: PublishOutcome[] = new Array(drafts.length)
    const items: AppendItem[] = []
    const storedAt: number[] = []
    const storedEvents: PreparedEvent[] = []
    const ephemeral: [number, PreparedEvent][] = []
    for (let index = 0; index < drafts.length; index++) {
      const prepared = prepareEnvelope(drafts[index], now, prepareSettings, nowIso)
      if (!prepared.ok) {
        outcomes[index] = prepared
        continue
      }
      const event = prepared.value
      if (principal !== undefined) {
        try {
          permissions!.checkPublish(principal, event.full.type)
        } catch (error) {
          outcomes[index] = fail(error)
          continue
        }
      }
      if (event.entry.stored) {
        const item: AppendItem = { envelope: event.persisted, dedupeKeys: event.dedupeKeys }
        if (event.timeMs !== undefined) item.timeMs = event.timeMs
        if (event.generatedId) item.generatedId = true
        items.push(item)
        storedAt.push(index)
        storedEvents.push(event)
      } else ephemeral.push([index, event])
    }
    if (items.length > 0) {
      try {
        const results = await transport.append(items)
        for (let position = 0; position < results.length; position++) {
          const result = results[position]!
          const receipt: PublishReceipt = { id: result.id, seq: result.seq }
          if (result.sessionSeq !== undefined) receipt.sessionSeq = result.sessionSeq
          if (result.duplicate) receipt.duplicate = true
          outcomes[storedAt[position]!] = ok(receipt)
          if (!result.duplicate && trusted.size > 0) {
            const full = { ...storedEvents[position]!.full, seq: result.seq } as Envelope
            if (result.sessionSeq !== undefined) full.sessionSeq = result.sessionSeq
            await trusted.dispatch(full, false)
          }
        }
      } catch (error) {
        const failure = fail(toHubError(error, 'E_IO'))
        for (const index of storedAt) outcomes[index] ??= failure
      }
    }
    for (const [index, event] of ephemeral) {
      const keys = event.dedupeKeys
      const seen = keys.map((key) => ephemeralDedupe.get(key, now)).find((hit) => hit !== undefined)
      if (seen !== undefined) {
        outcomes[index] = ok({ id: seen.id, duplicate: true })
        continue
      }
      const receipt = { id: event.full.id }
      for (const key of keys) ephemeralDedupe.remember(key, receipt, now)
      await transport.broadcast(event.persisted)
      if (trusted.size > 0) await trusted.dispatch(event.full, true)
      outcomes[index] = ok(receipt)
    }
    return outcomes
  }

  async function publishMany(
    drafts: readonly unknown[],
    principal: string | undefined,
  ): Promise<PublishOutcome[]> {
    ensureOpen()
    if (!Array.isArray(drafts)) throw new HubError('E_BAD_REQUEST', 'publishMany takes an array of envelopes')
    return queue.enqueue(drafts, principal, clock.now())
  }

  async function publish(draft: unknown, principal: string | undefined): Promise<PublishReceipt> {
    const [outcome] = await publishMany([draft], principal)
    if (outcome!.ok) return outcome!.data
    const { code, message, details } = outcome!.error
    throw new HubError(code, message, details === undefined ? {} : { details })
  }

  function contextFor(
    envelope: Envelope,
    principal: string | undefined,
    seq: number | undefined,
    attempt: number,
    consumer?: string,
  ): EventContext {
    const context: EventContext = {
      attempt,
      reply: (payload, replyOptions) => {
        const draft: Record<string, unknown> = {
          type: replyTypeOf(envelope.type),
          payload,
          causationId: envelope.id,
          traceId: envelope.traceId,
          tenant: envelope.tenant,
        }
        if (envelope.sessionId !== undefined) draft.sessionId = envelope.sessionId
        if (replyOptions?.severity !== undefined) draft.severity = replyOptions.severity
        return publish(draft, principal)
      },
    }
    if (seq !== undefined) context.seq = seq
    if (consumer !== undefined) context.consumer = consumer
    return context
  }

  async function subscribe(
    pattern: string,
    handler: EventHandler,
    subscribeOptions: SubscribeOptions,
    principal: string | undefined,
  ): Promise<Subscription> {
    ensureOpen()
    validatePattern(pattern)
    if (typeof handler !== 'function')
      throw new HubError('E_BAD_REQUEST', 'subscribe needs a handler function')
    if (principal !== undefined) permissions!.checkSubscribe(principal, pattern)
    const opts = subscribeOptions
    if (opts.durable !== undefined && !CONSUMER_NAME.test(opts.durable)) {
      throw new HubError(
        'E_BAD_REQUEST',
        `durable name must match ${CONSUMER_NAME}, got ${JSON.stringify(opts.durable)}`,
      )
    }
    if (opts.trusted === true) {
      if (principal !== undefined)
        throw new HubError('E_PERMISSION_REQUIRED', `${principal} may not use a trusted handler`)
      const name = `trusted.${uuidV7(clock.now())}`
      const liveOptions = opts.queue === undefined ? { name } : { name, queue: opts.queue }
      const handle = trusted.subscribe(
        pattern,
        (envelope) => handler(envelope, contextFor(envelope, principal, envelope.seq, 0)),
        liveOptions,
      )
      return remember({ name, unsubscribe: async () => handle.unsubscribe() })
    }
    const limits = {
      ackWaitMs: opts.ackWaitMs ?? settings.ackWaitMs,
      maxDeliver: opts.maxDeliver ?? settings.maxDeliver,
      maxAckPending: opts.maxAckPending ?? settings.maxAckPending,
    }
    checkConsumerLimits(limits)
    const backoffMs = opts.backoffMs === undefined ? settings.backoffMs : checkBackoff(opts.backoffMs)
    const matches = compileTypePattern(pattern)
    const entries = options.registry.entries.filter((entry) => matches(entry.type))
    const name =
      opts.durable ??
      (opts.queue !== undefined ? `queue.${opts.queue}.${pattern}` : `ephemeral.${uuidV7(clock.now())}`)
    const member = entries.some((entry) => entry.stored)
      ? await transport.consume(
          {
            name,
            durable: opts.durable !== undefined,
            filter: pattern,
            deliverFrom: toDeliverFrom(opts.from),
            ...limits,
            backoffMs,
            isSessionOrdered: (type) => opts.ordered === 'session' || sessionOrdered.has(type),
            onDeadLetter: (entry) => system.deadLettered(entry),
          },
          async (envelope, info) => {
            await handler(envelope, contextFor(envelope, principal, info.seq, info.attempt, info.consumer))
          },
        )
      : undefined
    const queue = opts.queue ?? opts.durable
    const liveHandle = entries.some((entry) => !entry.stored)
      ? transport.subscribeLive(
          pattern,
          (envelope) => handler(envelope, contextFor(envelope, principal, undefined, 0)),
          queue === undefined ? { name } : { name, queue },
        )
      : undefined
    return remember({
      name,
      unsubscribe: async () => {
        liveHandle?.unsubscribe()
        await member?.stop()
      },
    })
  }

  function remember(subscription: Subscription): Subscription {
    const wrapped: Subscription = {
      name: subscription.name,
      unsubscribe: async () => {
        if (!subscriptions.delete(wrapped)) return
        await subscription.unsubscribe()
      },
    }
    subscriptions.add(wrapped)
    return wrapped
  }

  function readQueryOf(replayOptions: ReplayOptions, principal: string | undefined): ReadQuery {
    ensureOpen()
    const filter = replayOptions.filter ?? '>'
    validatePattern(filter)
    if (principal !== undefined) permissions!.checkSubscribe(principal, filter)
    const query: ReadQuery = { filter }
    applyPosition(query, replayOptions.from, 'from')
    applyPosition(query, replayOptions.to, 'to')
    applyQueryKeys(query, replayOptions)
    if (replayOptions.limit !== undefined) query.limit = replayOptions.limit
    return query
  }

  function replay(replayOptions: ReplayOptions, principal: string | undefined): AsyncIterable<Envelope> {
    return deferredIterable(() => {
      const query = readQueryOf(replayOptions, principal)
      if (transport.capabilities.queryKeys === true) return transport.read(query)
      return filterQueryKeys(query, (narrowed) => transport.read(narrowed))
    })
  }

  function replayJson(replayOptions: ReplayOptions): AsyncIterable<StoredEventJson> {
    return deferredIterable(() => {
      const query = readQueryOf(replayOptions, undefined)
      if (transport.readJson !== undefined && transport.capabilities.queryKeys === true)
        return transport.readJson(query)
      return asJson(
        transport.capabilities.queryKeys === true
          ? transport.read(query)
          : filterQueryKeys(query, (narrowed) => transport.read(narrowed)),
      )
    })
  }

  const requester = createRequester({
    clock,
    contracts,
    defaultTimeoutMs: settings.requestTimeoutMs,
    publish: (draft, principal) => publish(draft, principal),
    listen: (replyType, handler) => subscribe(replyType, (envelope) => handler(envelope), {}, undefined),
    checkReplyAllowed: (principal, replyType) => {
      if (principal !== undefined) permissions!.checkSubscribe(principal, replyType)
    },
  })

  function clientFor(principal: string | undefined): BusClient {
    return Object.freeze({
      // One implementation behind both doors: the types differ, the run-time checks do not.
      publish: (draft: unknown) => publish(draft, principal),
      publishMany: (drafts: readonly unknown[]) => publishMany(drafts, principal),
      publishUntyped: (draft: unknown) => publish(draft, principal),
      publishManyUntyped: (drafts: readonly unknown[]) => publishMany(drafts, principal),
      subscribe: (pattern: string, handler: EventHandler, opts: SubscribeOptions = {}) =>
        subscribe(pattern, handler, opts, principal),
      request: (type: string, payload: Record<string, unknown>, opts = {}) => {
        ensureOpen()
        return requester.request(type, payload, opts, principal)
      },
      replay: (opts: ReplayOptions = {}) => replay(opts, principal),
    })
  }

  async function dlqAction(action: 'retry' | 'purge', query: DeadLetterQuery) {
    ensureOpen()
    const entries =
      action === 'retry' ? await transport.retryDeadLetters(query) : await transport.purgeDeadLetters(query)
    if (entries.length > 0) system.dlqChanged(action, entries, query.consumer)
    return entries
  }

  async function close(): Promise<void> {
    closing ??= (async () => {
      await Promise.allSettled([...inflight])
      requester.close()
      await Promise.allSettled([...subscriptions].map((subscription) => subscription.unsubscribe()))
      await trusted.drain()
      await Promise.allSettled([...inflight])
      await transport.close()
    })()
    return closing
  }

  const root = clientFor(undefined)
  return Object.freeze({
    ...root,
    replayJson: (opts: ReplayOptions = {}) => replayJson(opts),
    transportName: transport.name,
    capabilities: transport.capabilities,
    subjectPrefix,
    contracts,
    dlq: Object.freeze({
      list: (query: DeadLetterQuery = {}) => transport.listDeadLetters(query),
      retry: (query: DeadLetterQuery) => dlqAction('retry', query),
      purge: (query: DeadLetterQuery) => dlqAction('purge', query),
    }),
    topics: () => transport.topics(),
    as: (principal: string) => {
      if (permissions === undefined) {
        throw new HubError(
          'E_PERMISSION_REQUIRED',
          'this bus has no permission table; principals cannot be checked',
        )
      }
      return clientFor(principal)
    },
    close,
  })
}
