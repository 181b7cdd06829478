import { randomUUID } from 'node:crypto'
import { type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node'
import type {
  AppendItem,
  AppendOutcome,
  ConsumerConfig,
  ConsumerMember,
  DeliveryHandler,
  Transport,
  TransportContext,
  TransportFactory,
} from '../../bus/index.ts'
import { loadRegistry } from '../../catalog/index.ts'
import { createContracts, HubError, type RegistryDocument, toHubError } from '../../contracts/index.ts'
import { AckInbox } from './ack-inbox.ts'
import { untilDoneOrServerGone } from './close-bound.ts'
import { connectionAuth } from './connection-auth.ts'
import { consumerSetupFor, type RunningConsumer } from './consumer-lifecycle.ts'
import type { ConsumerRunner } from './consumer-runner.ts'
import { DeadLetters } from './dead-letters.ts'
import { IdempotencyStore } from './idempotency-store.ts'
import { LiveFanout } from './live-fanout.ts'
import { logTopics, readLog } from './log-reader.ts'
import { LogWriter } from './log-writer.ts'
import type { CodecSettings } from './message-codec.ts'
import { hubNames } from './names.ts'
import { type NatsSettings, type NatsTransportOptions, natsSettings } from './nats-options.ts'
import { OutageMonitor } from './outage-monitor.ts'
import { serverFeatures } from './server-features.ts'
import { SessionSequencer } from './session-sequencer.ts'
import { ensureStreams, openBuckets, storedSubjects } from './stream-setup.ts'

/**
 * The JetStream transport: `openBus({ transport: 'nats', transportOptions })`. Stored events go to
 * the hub's stream `LH_<hubId>` (file storage, subject `hub.<hubId>.<type>`), ephemeral ones over
 * core NATS only; consumers are JetStream consumers; see docs/nats.md.
 */
export function natsTransport(options: NatsTransportOptions = {}): TransportFactory {
  const settings = natsSettings(options)
  return (context) => openNatsTransport(settings, context)
}

async function connectTo(settings: Readonly<NatsSettings>): Promise<NatsConnection> {
  try {
    return await connect({
      servers: [...settings.servers],
      name: settings.name,
      ...connectionAuth(settings),
      reconnect: true,
      maxReconnectAttempts: -1,
      // An Error with a stack per request (every JetStream publish) cost ~18% of publishing in a
      // profile; the transport names the operation in its own HubError instead (decision 1733).
      noAsyncTraces: true,
      reconnectTimeWait: settings.reconnectWaitMs,
      timeout: settings.connectTimeoutMs,
    })
  } catch (cause) {
    // A seed file that cannot be used is the caller's mistake, not an unreachable server.
    if (cause instanceof HubError) throw cause
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `cannot connect to NATS at ${settings.servers.join(', ')}: ${(cause as Error).message}; start one with \`nats-server -js\` (Debian package nats-server)`,
      { cause },
    )
  }
}

async function jetStreamOf(nc: NatsConnection): Promise<JetStreamManager> {
  try {
    const jsm = await jetstreamManager(nc)
    await jsm.getAccountInfo()
    return jsm
  } catch (cause) {
    await nc.close()
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `the NATS server has no JetStream for this account (start it with -js): ${(cause as Error).message}`,
      { cause },
    )
  }
}

async function openNatsTransport(
  settings: Readonly<NatsSettings>,
  context: TransportContext,
): Promise<Transport> {
  const registry: RegistryDocument =
    (context as { registry?: RegistryDocument }).registry ?? settings.registry ?? loadRegistry()
  const contracts = createContracts(registry)
  const names = hubNames(context.subjectPrefix)
  const nc = await connectTo(settings)
  const jsm = await jetStreamOf(nc)
  const js = jetstream(nc)
  const features = serverFeatures(nc.info?.version ?? '0.0.0')
  let subjects: Set<string>
  let buckets: Awaited<ReturnType<typeof openBuckets>>
  let lastSeqAtOpen = 0
  try {
    subjects = await ensureStreams(
      jsm,
      names,
      storedSubjects(registry, names.prefix),
      settings.duplicateWindowMs,
    )
    buckets = await openBuckets(nc, names, context.dedupeWindowMs)
    lastSeqAtOpen = (await jsm.streams.info(names.stream)).state.last_seq
  } catch (cause) {
    await nc.close()
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `setting up JetStream for hub ${names.hubId}: ${(cause as Error).message}`,
      { cause },
    )
  }
  const codec: CodecSettings = { prefix: names.prefix, maxEventBytes: settings.maxEventBytes, contracts }
  const origin = randomUUID()
  let subjectUpdate: Promise<void> = Promise.resolve()
  const ensureSubject = (type: string): Promise<void> => {
    const subject = `${names.prefix}.${type}`
    subjectUpdate = subjectUpdate.then(async () => {
      if (subjects.has(subject)) return
      subjects = await ensureStreams(jsm, names, [...subjects, subject], settings.duplicateWindowMs)
    })
    return subjectUpdate
  }
  const outage: OutageMonitor = new OutageMonitor({
    nc,
    context,
    contracts,
    server: settings.servers[0]!,
    enabled: settings.reportOutages,
    append: (items): Promise<AppendOutcome[]> => writer.append(items),
  })
  const acks = new AckInbox(nc, settings.publishTimeoutMs)
  const writer: LogWriter = new LogWriter({
    js,
    jsm,
    acks,
    names,
    settings,
    clock: context.clock,
    dedupeWindowMs: context.dedupeWindowMs,
    sessions: new SessionSequencer(buckets.sessions),
    idempotency: new IdempotencyStore(buckets.idempotency, context.dedupeWindowMs, context.clock),
    ensureSubject,
    isDisconnected: (): boolean => outage.active,
    onBuffered: () => outage.countBuffered(),
  })
  writer.lastSeq = lastSeqAtOpen
  const deadLetters = new DeadLetters(js, jsm, names, context.clock)
  const live = new LiveFanout(nc, context, codec, origin)
  const readerDeps = { js, jsm, names, codec, onError: context.onError }
  const runners = new Map<
    string,
    Promise<{ runner: ConsumerRunner; advisory: Subscription; cleanup: () => Promise<void> }>
  >()
  const setup = consumerSetupFor({
    js,
    jsm,
    nc,
    names,
    settings,
    context,
    codec,
    deadLetters,
    features,
    isDisconnected: () => outage.active,
  })
  let closed = false
  const disconnected = () => outage.active || nc.isClosed()

  function ensureOpen(): void {
    if (closed) throw new HubError('E_DEPENDENCY_UNAVAILABLE', 'the nats transport is closed')
  }

  function leave(name: string, running: Promise<RunningConsumer>, started: RunningConsumer): Promise<void> {
    if (started.runner.memberCount > 0 || runners.get(name) !== running) return Promise.resolve()
    runners.delete(name)
    return started.cleanup()
  }

  async function consume(config: ConsumerConfig, handler: DeliveryHandler): Promise<ConsumerMember> {
    ensureOpen()
    let running = runners.get(config.name)
    if (running === undefined) {
      // 'new' is pinned to the log's end as this process knows it, so setup may finish later.
      const placed: ConsumerConfig =
        config.deliverFrom === 'new' && !config.durable
          ? { ...config, deliverFrom: { seq: writer.lastSeq + 1 } }
          : config
      running = setup(placed)
      runners.set(config.name, running)
      const created = running
      created.catch(() => {
        if (runners.get(config.name) === created) runners.delete(config.name)
      })
    }
    const current = running
    let left = false
    if (!config.durable) {
      // A non-durable consumer cannot clash with another (its name is unique or carries its
      // filter), so the member is returned before the server has it: subscribing stays instant.
      let member: DeliveryHandler | undefined
      const attached = current.then((started) => {
        if (!left) member = started.runner.addMember(handler)
        return started
      })
      attached.catch((error: unknown) =>
        context.onError(
          toHubError(error, 'E_DEPENDENCY_UNAVAILABLE'),
          `nats consumer ${config.name}: setting up`,
        ),
      )
      return {
        consumer: config.name,
        stop: async () => {
          if (left) return
          left = true
          const started = await attached.catch(() => undefined)
          if (started === undefined) return
          if (member !== undefined) started.runner.removeMember(member)
          await leave(config.name, current, started)
        },
      }
    }
    const started = await current
    if (started.runner.filter !== config.filter) {
      throw new HubError(
        'E_BAD_REQUEST',
        `consumer ${config.name} is running with filter ${started.runner.filter}, not ${config.filter}`,
      )
    }
    const member = started.runner.addMember(handler)
    return {
      consumer: config.name,
      stop: async () => {
        if (left) return
        left = true
        started.runner.removeMember(member)
        await leave(config.name, current, started)
      },
    }
  }

  const transport: Transport = {
    name: 'nats',
    capabilities: Object.freeze({ persistent: true, sharedAcrossProcesses: true }),
    append(items: AppendItem[]) {
      ensureOpen()
      return writer.append(items)
    },
    broadcast(envelope) {
      ensureOpen()
      return live.broadcast(envelope)
    },
    subscribeLive(filter, handler, options) {
      ensureOpen()
      return live.subscribe(filter, handler, options)
    },
    consume,
    read(query) {
      ensureOpen()
      return readLog(readerDeps, query)
    },
    topics() {
      ensureOpen()
      return logTopics(readerDeps)
    },
    listDeadLetters(query) {
      ensureOpen()
      return deadLetters.list(query)
    },
    async retryDeadLetters(query) {
      ensureOpen()
      const entries = await deadLetters.list(query)
      await deadLetters.requestRedo(entries)
      await deadLetters.remove(entries)
      return entries
    },
    async purgeDeadLetters(query) {
      ensureOpen()
      const entries = await deadLetters.list(query)
      await deadLetters.remove(entries)
      return entries
    },
    closing() {
      // Publishes still waiting get the usual time while the server is there, a short one once
      // it is gone; then the connection closes, which fails them (decision 1634).
      void untilDoneOrServerGone(writer.drain(), disconnected).then((done) => {
        if (done) return
        writer.abandon()
        acks.close()
        return nc.close().catch(() => undefined)
      })
    },
    async close() {
      if (closed) return
      closed = true
      const all = [...runners.values()]
      runners.clear()
      const results = await Promise.allSettled(all.map(async (running) => (await running).cleanup()))
      for (const result of results) {
        if (result.status === 'rejected')
          context.onError(toHubError(result.reason), 'nats: stopping a consumer')
      }
      await live.close()
      // A server that went away cannot acknowledge what waits or drain the connection: both are
      // bounded then, and what was never acknowledged fails for its caller (decision 1634).
      if (!(await untilDoneOrServerGone(writer.drain(), disconnected))) {
        writer.abandon()
        acks.close()
      }
      outage.stop()
      const drained = nc.drain().catch(() => undefined)
      if (!(await untilDoneOrServerGone(drained, disconnected))) await nc.close().catch(() => undefined)
      else if (!nc.isClosed()) await nc.close().catch(() => undefined)
    },
  }
  return Object.freeze(transport)
}
