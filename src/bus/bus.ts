import { createContracts, createGuardrails, type Envelope, HubError } from '../contracts/index.ts'
import { busSettings, checkBackoff, checkConsumerLimits } from './bus-defaults.ts'
import { createBatchPublisher } from './bus-publish.ts'
import { createReplayer, toDeliverFrom } from './bus-replay.ts'
import type {
  Bus,
  BusClient,
  BusOptions,
  EventContext,
  EventHandler,
  PublishOptions,
  PublishOutcome,
  PublishReceipt,
  ReplayOptions,
  SubscribeOptions,
  Subscription,
} from './bus-types.ts'
import { systemClock } from './clock.ts'
import { DeliveryContext } from './delivery-context.ts'
import { LiveDispatcher } from './live-dispatcher.ts'
import { createPermissionChecker } from './permissions.ts'
import { PublishQueue } from './publish-queue.ts'
import { toTimeMs } from './replay-query.ts'
import { createRequester } from './request-reply.ts'
import { compileTypePattern, hubSubjectPrefix, validatePattern } from './subjects.ts'
import { systemEvents } from './system-events.ts'
import type { BackpressureReport, DeadLetterQuery } from './transport-types.ts'
import { uuidV7 } from './uuid-v7.ts'

const CONSUMER_NAME = /^[A-Za-z0-9_.-]{1,200}$/

function defaultOnError(error: Error, where: string): void {
  process.emitWarning(`${where}: ${error.message}`, { code: 'LOCALHUB_BUS' })
}

export { toTimeMs }

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

  const publishBatch = createBatchPublisher({
    clock,
    transport,
    trusted,
    prepare: prepareSettings,
    permissions,
    dedupeWindowMs: settings.dedupeWindowMs,
  })
  const queue = new PublishQueue(publishBatch, (work) => track(work))
  const { replay, replayJson } = createReplayer({ transport, permissions, ensureOpen })

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

  async function publishMany(
    drafts: readonly unknown[],
    principal: string | undefined,
    publishOptions?: PublishOptions,
  ): Promise<PublishOutcome[]> {
    ensureOpen()
    if (!Array.isArray(drafts)) throw new HubError('E_BAD_REQUEST', 'publishMany takes an array of envelopes')
    return queue.enqueue(drafts, principal, clock.now(), publishOptions?.handOver === true)
  }

  async function publish(draft: unknown, principal: string | undefined): Promise<PublishReceipt> {
    const [outcome] = await publishMany([draft], principal)
    if (outcome!.ok) return outcome!.data
    const { code, message, details } = outcome!.error
    throw new HubError(code, message, details === undefined ? {} : { details })
  }

  // A class instance, not an object with a fresh `reply` closure per delivery (decision 2092).
  const contextFor = (
    envelope: Envelope,
    principal: string | undefined,
    seq: number | undefined,
    attempt: number,
    consumer?: string,
  ): EventContext => new DeliveryContext(publish, envelope, principal, seq, attempt, consumer)

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
            ...(opts.storedJson === true ? { keepStoredJson: true } : {}),
          },
          // The handler's own result: a synchronous handler is settled when it returns (decision 1771).
          (envelope, info) =>
            handler(envelope, contextFor(envelope, principal, info.seq, info.attempt, info.consumer)),
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
      publishMany: (drafts: readonly unknown[], opts?: PublishOptions) =>
        publishMany(drafts, principal, opts),
      publishUntyped: (draft: unknown) => publish(draft, principal),
      publishManyUntyped: (drafts: readonly unknown[], opts?: PublishOptions) =>
        publishMany(drafts, principal, opts),
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
      transport.closing?.()
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
