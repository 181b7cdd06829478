// The NATS JetStream transport against the embedded SQLite transport, in one run on this machine:
// durable publish throughput (same batches), publish → durable handler latency, JetStream consume
// with acks, and request/reply round trips (through the bus, and raw core NATS for reference).
// Durability measured: SQLite synchronous=FULL (fsync per commit); JetStream file storage with
// nats-server 2.9's fixed fsync interval (2 minutes; 2.9 has no sync_interval key).
// BENCH_QUICK=1 for smaller N.
import { join } from 'node:path'
import { connect } from '@nats-io/transport-node'
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
  const natsRate = await publishThroughput(nats)
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
  })
  report({
    bench: 'nats.publish.ratio',
    unit: 'sqlite/jetstream',
    median: Number((sqliteRate / natsRate).toFixed(2)),
    baseline: 'jetstream',
  })

  const sqliteDrain = await consumeWithAcks(sqlite)
  const natsDrain = await consumeWithAcks(nats)
  report({ bench: 'nats.consume.sqlite', unit: 'events/s', median: Math.round(sqliteDrain), acked: true })
  report({ bench: 'nats.consume.jetstream', unit: 'events/s', median: Math.round(natsDrain), acked: true })

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
