// The NATS JetStream transport against the embedded SQLite transport, in one run on this machine:
// durable publish throughput (same batches), publish → durable handler latency, JetStream consume
// with acks, and request/reply round trips (through the bus, and raw core NATS for reference).
// Durability measured: SQLite synchronous=FULL (fsync per commit); JetStream file storage with
// nats-server 2.9's fixed fsync interval (2 minutes; 2.9 has no sync_interval key).
// The baseline for the NATS transport is raw nats.js in the same run (issue 17): JetStream
// publishes with Nats-Msg-Id and a type header, the same batches awaited the same way (async acks),
// and a durable pull consumer that acks every message, on a stream of the same storage, with the
// transport's consumer settings and pull size (bench/nats-consume.ts). The sides alternate in
// every round (which goes first flips each round), each round on fresh streams; ratios are per
// round, then the median; CPU per event is process.cpuUsage over the same window for each side.
// BENCH_QUICK=1 for smaller N.
import { join } from 'node:path'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection, headers as natsHeaders } from '@nats-io/transport-node'
import type { Bus } from '../src/bus/index.ts'
import { openBus } from '../src/bus-factory/index.ts'
import { startNatsServer } from '../test/kit/nats-server.ts'
import { makeTempDir } from '../test/kit/temp-dir.ts'
import { testRegistry } from '../test/kit/test-registry.ts'
import {
  type ConsumeResult,
  consumerSettingsOf,
  PULL_BATCH,
  rawConsume,
  transportConsume,
} from './nats-consume.ts'
import { median, percentile, report } from './stats.ts'

const QUICK = process.env.BENCH_QUICK === '1'
const EVENTS = QUICK ? 3000 : 20_000
const BATCH = 100
const LATENCY_SAMPLES = QUICK ? 200 : 1000
const REQUESTS = QUICK ? 100 : 500
const ROUNDS = QUICK ? 3 : 5
const WARMUP_ROUNDS = QUICK ? 1 : 2

const registry = testRegistry()
const server = await startNatsServer({ name: 'bench' })
const dir = makeTempDir('localhub-bench-nats-')

function openSqlite(): Promise<Bus> {
  return openBus({ registry, transport: 'sqlite', path: join(dir.path, 'events.sqlite') })
}
function openNats(hubId: string): Promise<Bus> {
  return openBus({ registry, hubId, transport: 'nats', transportOptions: { servers: server.url, registry } })
}

async function publishThroughput(bus: Bus): Promise<number> {
  const started = performance.now()
  for (let offset = 0; offset < EVENTS; offset += BATCH) {
    const drafts = Array.from({ length: BATCH }, (_, index) => ({
      type: 'note.added',
      payload: { n: offset + index },
    }))
    const outcomes = await bus.publishManyUntyped(drafts)
    if (!outcomes.every((outcome) => outcome.ok)) throw new Error('publish failed')
  }
  return EVENTS / ((performance.now() - started) / 1000)
}

async function handlerLatency(bus: Bus): Promise<number[]> {
  const sentAt = new Map<string, number>()
  const samples: number[] = []
  let wake: () => void = () => {}
  await bus.subscribe(
    'chat.message',
    (event) => {
      const at = sentAt.get(event.id)
      if (at !== undefined) samples.push(performance.now() - at)
      wake()
    },
    { durable: 'latency' },
  )
  for (let n = 0; n < LATENCY_SAMPLES; n++) {
    const handled = new Promise<void>((resolve) => {
      wake = resolve
    })
    const id = crypto.randomUUID()
    sentAt.set(id, performance.now())
    await bus.publishUntyped({ id, type: 'chat.message', payload: { n } })
    await handled
  }
  return samples
}

async function consumeWithAcks(bus: Bus): Promise<number> {
  let handled = 0
  let done: () => void = () => {}
  const finished = new Promise<void>((resolve) => {
    done = resolve
  })
  const started = performance.now()
  await bus.subscribe(
    'note.added',
    () => {
      if (++handled === EVENTS) done()
    },
    { durable: 'drain', from: 'first' },
  )
  await finished
  return EVENTS / ((performance.now() - started) / 1000)
}

async function busRequests(bus: Bus): Promise<number[]> {
  await bus.subscribe(
    'repo.skill.install',
    (command, context) =>
      context.reply({ ok: true, name: String(command.payload.name) }).then(() => undefined),
    { queue: 'installers' },
  )
  const samples: number[] = []
  for (let n = 0; n < REQUESTS; n++) {
    const started = performance.now()
    await bus.request('repo.skill.install', { name: `s${n}` }, { timeoutMs: 5000 })
    samples.push(performance.now() - started)
  }
  return samples
}

/** Raw nats.js JetStream publish: the same envelopes, batches of BATCH publishes awaited together. */
async function rawPublish(nc: NatsConnection, round: number): Promise<number> {
  const jsm = await jetstreamManager(nc)
  const js = jetstream(nc)
  await jsm.streams.add({ name: rawStream(round), subjects: [`raw${roundName(round)}.>`] })
  const encoder = new TextEncoder()
  const started = performance.now()
  for (let offset = 0; offset < EVENTS; offset += BATCH) {
    const acks = []
    for (let index = 0; index < BATCH; index++) {
      const id = crypto.randomUUID()
      const envelope = {
        id,
        type: 'note.added',
        version: 1,
        ts: new Date().toISOString(),
        source: 'bench',
        severity: 'info',
        traceId: id,
        tenant: 'default',
        payload: { n: offset + index },
      }
      const headers = natsHeaders()
      headers.set('Lh-Type', 'note.added')
      acks.push(
        js.publish(rawSubject(round), encoder.encode(JSON.stringify(envelope)), { msgID: id, headers }),
      )
    }
    await Promise.all(acks)
  }
  return EVENTS / ((performance.now() - started) / 1000)
}

// Warm-up rounds (negative) are named w1, w2.
const roundName = (round: number) => (round < 0 ? `w${-round}` : String(round))
const rawStream = (round: number) => `RAW${roundName(round)}`
const rawSubject = (round: number) => `raw${roundName(round)}.note.added`
const hubOfRound = (round: number) => `bench-round-${roundName(round)}`

async function coreRequests(): Promise<number[]> {
  const nc = await connect({ servers: server.url })
  nc.subscribe('bench.echo', { callback: (_error, message) => void message.respond(message.data) })
  const samples: number[] = []
  for (let n = 0; n < REQUESTS; n++) {
    const started = performance.now()
    await nc.request('bench.echo', 'ping', { timeout: 5000 })
    samples.push(performance.now() - started)
  }
  await nc.close()
  return samples
}

try {
  const sqlite = await openSqlite()
  const nats = await openNats('bench')
  const durability = {
    sqlite: 'synchronous=FULL',
    jetstream: 'file storage, fsync every 2 min (nats-server 2.9 fixed default)',
  }
  const sqliteRate = await publishThroughput(sqlite)
  // The transport and raw nats.js alternate, ROUNDS each, each round on fresh streams; medians.
  // The raw connection has the transport's connection options (no async stack traces), so the
  // ratio compares the code.
  const rawConnection = await connect({ servers: server.url, noAsyncTraces: true })
  const monitorConnection = await connect({ servers: server.url })
  const monitor = await jetstreamManager(monitorConnection)
  const natsRates: number[] = []
  const rawPublishRates: number[] = []
  const consumed = {
    transport: [] as ConsumeResult[],
    callback: [] as ConsumeResult[],
    iterator: [] as ConsumeResult[],
  }
  // The raw consumers get the settings the transport gives its consumers (read off the server).
  const probe = await openNats('bench-probe')
  await probe.subscribe('note.added', () => undefined, { durable: 'probe' })
  const settings = await consumerSettingsOf(monitor, `LH_bench-probe`, 'probe')
  await probe.close()
  // Negative rounds warm both sides' code up (JIT tiers) and are not recorded.
  for (let round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
    const fresh = await openNats(hubOfRound(round))
    const transportFirst = round % 2 === 0
    const publishes: number[] = []
    if (transportFirst) publishes.push(await publishThroughput(fresh))
    const rawPublished = await rawPublish(rawConnection, round)
    if (!transportFirst) publishes.push(await publishThroughput(fresh))
    const transportSide = () => transportConsume(fresh, monitor, `LH_${hubOfRound(round)}`, EVENTS)
    const rawSide = (style: 'callback' | 'iterator') =>
      rawConsume(rawConnection, monitor, rawStream(round), rawSubject(round), settings, style, EVENTS)
    const transportResult = transportFirst ? await transportSide() : undefined
    const callbackResult = await rawSide('callback')
    const transportLast = transportFirst ? undefined : await transportSide()
    const iteratorResult = await rawSide('iterator')
    await fresh.close()
    if (round < 0) continue
    natsRates.push(publishes[0]!)
    rawPublishRates.push(rawPublished)
    consumed.transport.push((transportResult ?? transportLast)!)
    consumed.callback.push(callbackResult)
    consumed.iterator.push(iteratorResult)
  }
  await rawConnection.close()
  const natsRate = median(natsRates)
  const rawPublishRate = median(rawPublishRates)
  report({
    bench: 'nats.publish.sqlite',
    unit: 'events/s',
    median: Math.round(sqliteRate),
    batch: BATCH,
    events: EVENTS,
    durability: durability.sqlite,
  })
  const publishRatios = natsRates.map((rate, index) => rate / rawPublishRates[index]!)
  report({
    bench: 'nats.publish.jetstream',
    unit: 'events/s',
    median: Math.round(natsRate),
    batch: BATCH,
    events: EVENTS,
    durability: durability.jetstream,
    baseline: Math.round(rawPublishRate),
    baselineName: 'raw nats.js JetStream publish, Nats-Msg-Id, batches awaited together',
    ratio: Number(median(publishRatios).toFixed(3)),
    rounds: publishRatios.map((ratio) => Number(ratio.toFixed(2))),
    target: 'median of per-round ratios >= 0.8',
  })
  report({
    bench: 'nats.publish.ratio',
    unit: 'sqlite/jetstream',
    median: Number((sqliteRate / natsRate).toFixed(2)),
    baseline: 'jetstream',
  })

  const sqliteDrain = await consumeWithAcks(sqlite)
  report({ bench: 'nats.consume.sqlite', unit: 'events/s', median: Math.round(sqliteDrain), acked: true })
  const rates = (results: ConsumeResult[]) => results.map((result) => result.rate)
  const cpu = (results: ConsumeResult[]) =>
    results.map((result) => Number(result.cpuMicrosPerEvent.toFixed(2)))
  const ratiosTo = (baseline: ConsumeResult[]) =>
    consumed.transport.map((result, index) => Number((result.rate / baseline[index]!.rate).toFixed(2)))
  report({
    bench: 'nats.consume.jetstream',
    unit: 'events/s',
    median: Math.round(median(rates(consumed.transport))),
    acked: 'until the server reports none pending and none unacknowledged',
    events: EVENTS,
    pullBatch: PULL_BATCH,
    baseline: Math.round(median(rates(consumed.callback))),
    baselineName: 'raw nats.js durable pull consumer, consume() with a callback, JSON.parse + ack each',
    ratio: median(ratiosTo(consumed.callback)),
    rounds: ratiosTo(consumed.callback),
    cpuMicrosPerEvent: median(cpu(consumed.transport)),
    baselineCpuMicrosPerEvent: median(cpu(consumed.callback)),
    cpuRounds: cpu(consumed.transport),
    baselineCpuRounds: cpu(consumed.callback),
    target: 'median of per-round ratios >= 0.8',
  })
  report({
    bench: 'nats.consume.raw-iterator',
    unit: 'events/s',
    median: Math.round(median(rates(consumed.iterator))),
    note: 'raw nats.js consume() as a for-await iterator (the baseline before decision 1765), for reference',
    transportRatio: median(ratiosTo(consumed.iterator)),
    rounds: ratiosTo(consumed.iterator),
    cpuMicrosPerEvent: median(cpu(consumed.iterator)),
  })

  const sqliteLatency = await handlerLatency(sqlite)
  const natsLatency = await handlerLatency(nats)
  const round = (value: number) => Number(value.toFixed(3))
  report({
    bench: 'nats.latency.sqlite',
    unit: 'ms',
    median: round(median(sqliteLatency)),
    p99: round(percentile(sqliteLatency, 0.99)),
    samples: sqliteLatency.length,
  })
  report({
    bench: 'nats.latency.jetstream',
    unit: 'ms',
    median: round(median(natsLatency)),
    p99: round(percentile(natsLatency, 0.99)),
    samples: natsLatency.length,
  })
  report({
    bench: 'nats.latency.ratio',
    unit: 'jetstream/sqlite p50',
    median: round(median(natsLatency) / median(sqliteLatency)),
    baseline: 'sqlite',
  })

  const viaBus = await busRequests(nats)
  const viaCore = await coreRequests()
  report({
    bench: 'nats.request.bus',
    unit: 'ms',
    median: round(median(viaBus)),
    p99: round(percentile(viaBus, 0.99)),
    note: 'command and reply are stored events',
  })
  report({
    bench: 'nats.request.core',
    unit: 'ms',
    median: round(median(viaCore)),
    p99: round(percentile(viaCore, 0.99)),
    note: 'raw core NATS request/reply',
  })
  await sqlite.close()
  await nats.close()
  await monitorConnection.close()
} finally {
  await server.dispose()
  dir.remove()
}
