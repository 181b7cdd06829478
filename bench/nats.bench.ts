// The NATS JetStream transport against the embedded SQLite transport, in one run on this machine:
// durable publish throughput (same batches), publish → durable handler latency, JetStream consume
// with acks, and request/reply round trips (through the bus, and raw core NATS for reference).
// Durability measured: SQLite synchronous=FULL (fsync per commit); JetStream file storage with
// nats-server 2.9's fixed fsync interval (2 minutes; 2.9 has no sync_interval key).
// The baseline for the NATS transport is raw nats.js in the same run (issue 17): JetStream
// publishes with Nats-Msg-Id and a type header, the same batches awaited the same way (async acks),
// and a durable pull consumer that acks every message, on a stream of the same storage.
// BENCH_QUICK=1 for smaller N.
import { join } from 'node:path'
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect, headers as natsHeaders } from '@nats-io/transport-node'
import type { Bus } from '../src/bus/index.ts'
import { openBus } from '../src/bus-factory/index.ts'
import { startNatsServer } from '../test/kit/nats-server.ts'
import { makeTempDir } from '../test/kit/temp-dir.ts'
import { testRegistry } from '../test/kit/test-registry.ts'
import { median, percentile, report } from './stats.ts'

const QUICK = process.env.BENCH_QUICK === '1'
const EVENTS = QUICK ? 3000 : 20_000
const BATCH = 100
const LATENCY_SAMPLES = QUICK ? 200 : 1000
const REQUESTS = QUICK ? 100 : 500
const ROUNDS = 3

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

/** Raw nats.js JetStream: the same envelopes, batches of BATCH publishes awaited together. */
async function rawJetStream(round: number): Promise<{ publish: number; consume: number }> {
  // The transport's connection options (no async stack traces), so the ratio compares the code.
  const nc = await connect({ servers: server.url, noAsyncTraces: true })
  const jsm = await jetstreamManager(nc)
  const js = jetstream(nc)
  const stream = `RAW${round}`
  const subject = `raw${round}.note.added`
  await jsm.streams.add({ name: stream, subjects: [`raw${round}.>`] })
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
      acks.push(js.publish(subject, encoder.encode(JSON.stringify(envelope)), { msgID: id, headers }))
    }
    await Promise.all(acks)
  }
  const publish = EVENTS / ((performance.now() - started) / 1000)
  // Timed from creating the durable consumer, as the bus's subscribe() creates its own.
  const consumeStarted = performance.now()
  await jsm.consumers.add(stream, {
    durable_name: 'raw-drain',
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: subject,
  })
  const consumer = await js.consumers.get(stream, 'raw-drain')
  const messages = await consumer.consume({ max_messages: 256 })
  let handled = 0
  for await (const message of messages) {
    JSON.parse(message.string())
    message.ack()
    if (++handled === EVENTS) break
  }
  const consume = EVENTS / ((performance.now() - consumeStarted) / 1000)
  await nc.close()
  return { publish, consume }
}

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
  // The transport and raw nats.js alternate, ROUNDS each, each round on a fresh stream; medians.
  const natsRates: number[] = []
  const natsDrains: number[] = []
  const rawPublishRates: number[] = []
  const rawConsumeRates: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const fresh = await openNats(`bench-round-${round}`)
    natsRates.push(await publishThroughput(fresh))
    natsDrains.push(await consumeWithAcks(fresh))
    await fresh.close()
    const rawRound = await rawJetStream(round)
    rawPublishRates.push(rawRound.publish)
    rawConsumeRates.push(rawRound.consume)
  }
  const natsRate = median(natsRates)
  const natsDrain = median(natsDrains)
  const raw = { publish: median(rawPublishRates), consume: median(rawConsumeRates) }
  report({
    bench: 'nats.publish.sqlite',
    unit: 'events/s',
    median: Math.round(sqliteRate),
    batch: BATCH,
    events: EVENTS,
    durability: durability.sqlite,
  })
  report({
    bench: 'nats.publish.jetstream',
    unit: 'events/s',
    median: Math.round(natsRate),
    batch: BATCH,
    events: EVENTS,
    durability: durability.jetstream,
    baseline: Math.round(raw.publish),
    baselineName: 'raw nats.js JetStream publish, Nats-Msg-Id, batches awaited together',
    ratio: Number((natsRate / raw.publish).toFixed(3)),
    rounds: natsRates.map((rate, index) => Number((rate / rawPublishRates[index]!).toFixed(2))),
    target: 'ratio >= 0.8',
  })
  report({
    bench: 'nats.publish.ratio',
    unit: 'sqlite/jetstream',
    median: Number((sqliteRate / natsRate).toFixed(2)),
    baseline: 'jetstream',
  })

  const sqliteDrain = await consumeWithAcks(sqlite)
  report({ bench: 'nats.consume.sqlite', unit: 'events/s', median: Math.round(sqliteDrain), acked: true })
  report({
    bench: 'nats.consume.jetstream',
    unit: 'events/s',
    median: Math.round(natsDrain),
    acked: true,
    baseline: Math.round(raw.consume),
    baselineName: 'raw nats.js durable pull consumer, JSON.parse + ack each',
    ratio: Number((natsDrain / raw.consume).toFixed(3)),
    rounds: natsDrains.map((rate, index) => Number((rate / rawConsumeRates[index]!).toFixed(2))),
    target: 'ratio >= 0.8',
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
} finally {
  await server.dispose()
  dir.remove()
}
