// The whole hub on NATS JetStream against the hub on SQLite, in one run on this machine (issue 23):
// - chat TTFT through POST /chat, a SQLite hub and a NATS hub served alternately (same loopback model);
// - ingest (the hub's bus, batches of 100) and full replay through the NATS hub vs the raw nats.js
//   client (JetStream publish with Nats-Msg-Id, ordered consumer) on the same server;
// - `events migrate` of a 100k-event SQLite log into a new stream (events/s), replay count checked;
// - leafnode catch-up: a hub that recorded an hour at 10 events/s (36k) while its root was down,
//   until the root's copy holds them all; over a plain and a TLS leafnode (decision 1641).
// BENCH_QUICK=1 for smaller N.
import { mkdirSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { jetstream, jetstreamManager, type StreamConfig } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { migrateLogToNats, openBus } from '../src/bus-factory/index.ts'
import { openHub } from '../src/kernel/index.ts'
import {
  ensureLeafTls,
  hubConfig,
  parsePolicy,
  rootConfig,
  rootSourceStream,
} from '../src/transports/nats/index.ts'
import { startOllamaServer } from '../test/kit/llm-servers/index.ts'
import { startNatsServer } from '../test/kit/nats-server.ts'
import { makeTempDir } from '../test/kit/temp-dir.ts'
import { testRegistry } from '../test/kit/test-registry.ts'
import { median, percentile, report } from './stats.ts'

const QUICK = process.env.BENCH_QUICK === '1'
const TURNS = QUICK ? 30 : 100
const WARMUP_TURNS = 10
const INGEST = QUICK ? 3000 : 20_000
const BATCH = 100
const MIGRATE = QUICK ? 10_000 : 100_000
const OFFLINE = QUICK ? 3600 : 36_000
const CATCH_UP_TIMEOUT_MS = 600_000

const dir = makeTempDir('localhub-bench-nats-hub-')
const server = await startNatsServer({ name: 'bench-hub' })
const registry = testRegistry()

function firstChunkMs(url: string, token: string, sessionId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const req = request(
      new URL('/chat', url),
      { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } },
      (res) => {
        let text = ''
        let done = false
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
          if (!done && text.includes('event: stream.chunk')) {
            done = true
            resolve(Number(process.hrtime.bigint() - started) / 1e6)
          }
        })
        res.on('end', () => (done ? undefined : reject(new Error(text.slice(0, 300)))))
      },
    )
    req.on('error', reject)
    req.end(JSON.stringify({ text: 'hi', sessionId }))
  })
}

async function chatTtft(): Promise<void> {
  const ollama = await startOllamaServer({ models: ['tiny'], reply: () => 'one two three four' })
  const common = {
    port: 0,
    logger: false as const,
    env: {},
    llmFlags: { baseUrl: ollama.url, model: 'tiny' },
  }
  const sqlite = await openHub({ ...common, dataDir: join(dir.path, 'ttft-sqlite') })
  const nats = await openHub({
    ...common,
    dataDir: join(dir.path, 'ttft-nats'),
    bus: { bus: server.url, hubId: 'ttft' },
  })
  try {
    const samples = { sqlite: [] as number[], nats: [] as number[] }
    for (let turn = 0; turn < TURNS + WARMUP_TURNS; turn++) {
      const onSqlite = await firstChunkMs(sqlite.url, sqlite.token, `bench-${turn % 10}`)
      const onNats = await firstChunkMs(nats.url, nats.token, `bench-${turn % 10}`)
      if (turn < WARMUP_TURNS) continue
      samples.sqlite.push(onSqlite)
      samples.nats.push(onNats)
    }
    for (const [name, values] of Object.entries(samples))
      report({
        bench: `nats-hub.ttft.${name}`,
        unit: 'ms',
        median: +median(values).toFixed(2),
        p99: +percentile(values, 0.99).toFixed(2),
        n: values.length,
      })
    report({
      bench: 'nats-hub.ttft.overhead',
      unit: 'ms',
      median: +(median(samples.nats) - median(samples.sqlite)).toFixed(2),
      ratio: +(median(samples.nats) / median(samples.sqlite)).toFixed(2),
    })
  } finally {
    await nats.close()
    await sqlite.close()
    await ollama.close()
  }
}

async function ingestAndReplay(): Promise<void> {
  const bus = await openBus({
    registry,
    hubId: 'ingest',
    transport: 'nats',
    transportOptions: { servers: server.url, registry },
  })
  const started = performance.now()
  for (let offset = 0; offset < INGEST; offset += BATCH) {
    const outcomes = await bus.publishManyUntyped(
      Array.from({ length: BATCH }, (_, index) => ({ type: 'note.added', payload: { n: offset + index } })),
    )
    if (!outcomes.every((outcome) => outcome.ok)) throw new Error('publish failed')
  }
  const hubIngest = INGEST / ((performance.now() - started) / 1000)
  const replayStarted = performance.now()
  let replayed = 0
  for await (const _event of bus.replay({ filter: 'note.added' })) replayed++
  const hubReplay = replayed / ((performance.now() - replayStarted) / 1000)
  await bus.close()

  const connection = await connect({ servers: server.url })
  const manager = await jetstreamManager(connection)
  await manager.streams.add({
    name: 'RAW',
    subjects: ['raw.>'],
    storage: 'file',
  } as Partial<StreamConfig> as StreamConfig)
  const js = jetstream(connection)
  const body = new TextEncoder().encode(
    JSON.stringify({ id: '01900000-0000-7000-8000-000000000000', type: 'note.added', payload: { n: 1 } }),
  )
  const rawStarted = performance.now()
  for (let offset = 0; offset < INGEST; offset += BATCH) {
    await Promise.all(
      Array.from({ length: BATCH }, (_, index) =>
        js.publish('raw.note.added', body, { msgID: `raw-${offset + index}` }),
      ),
    )
  }
  const rawIngest = INGEST / ((performance.now() - rawStarted) / 1000)
  const consumer = await js.consumers.get('RAW')
  const rawReplayStarted = performance.now()
  const messages = await consumer.consume()
  let read = 0
  for await (const message of messages) {
    JSON.parse(message.string())
    if (++read === INGEST) break
  }
  const rawReplay = read / ((performance.now() - rawReplayStarted) / 1000)
  await connection.close()
  for (const [bench, hub, raw] of [
    ['ingest', hubIngest, rawIngest],
    ['replay', hubReplay, rawReplay],
  ] as const) {
    report({ bench: `nats-hub.${bench}.hub`, unit: 'events/s', median: Math.round(hub), n: INGEST })
    report({ bench: `nats-hub.${bench}.raw-client`, unit: 'events/s', median: Math.round(raw), n: INGEST })
    report({ bench: `nats-hub.${bench}.hub-vs-raw`, unit: 'ratio', median: +(hub / raw).toFixed(2) })
  }
}

async function migrate(): Promise<void> {
  const dataDir = join(dir.path, 'migrate')
  const sqlite = await openBus({ registry, transport: 'sqlite', dataDir })
  for (let offset = 0; offset < MIGRATE; offset += 500) {
    await sqlite.publishManyUntyped(
      Array.from({ length: 500 }, (_, index) => {
        const n = offset + index
        return n % 4 === 0
          ? { type: 'chat.message', sessionId: `s-${n % 50}`, payload: { n } }
          : { type: 'note.added', payload: { n } }
      }),
    )
  }
  // What the SQLite log replays: id, seq and sessionSeq of every event, to compare after the copy.
  const expected: string[] = []
  for await (const event of sqlite.replay({})) expected.push(`${event.id} ${event.seq} ${event.sessionSeq}`)
  await sqlite.close()
  const started = performance.now()
  const result = await migrateLogToNats({ dataDir, to: server.url, hubId: 'migrated', env: {}, registry })
  const seconds = (performance.now() - started) / 1000
  const bus = await openBus({
    registry,
    hubId: 'migrated',
    transport: 'nats',
    transportOptions: { servers: server.url, registry },
  })
  let replayed = 0
  for await (const event of bus.replay({})) {
    const line = `${event.id} ${event.seq} ${event.sessionSeq}`
    if (expected[replayed] !== line)
      throw new Error(`replay differs at ${replayed}: ${line} vs ${expected[replayed]}`)
    replayed++
  }
  await bus.close()
  if (result.copied !== MIGRATE || replayed !== MIGRATE)
    throw new Error(`migrated ${result.copied}, replayed ${replayed}, expected ${MIGRATE}`)
  report({
    bench: 'nats-hub.migrate',
    unit: 'events/s',
    median: Math.round(MIGRATE / seconds),
    n: MIGRATE,
    seconds: +seconds.toFixed(1),
    replay: 'identical ids, seqs and sessionSeqs',
  })
}

async function leafCatchUp(tls: boolean): Promise<number> {
  const certificates = join(dir.path, 'leaf-tls')
  const rootTls = tls
    ? ensureLeafTls(join(certificates, 'root'), 'bench-shared-secret', 'root', ['127.0.0.1'])
    : undefined
  const hubTls = tls ? ensureLeafTls(join(certificates, 'hub'), 'bench-shared-secret', 'hub') : undefined
  const policy = parsePolicy({
    users: [
      { user: 'owner', password: 'owner-secret', role: 'owner' },
      { user: 'hubproc', password: 'hub-secret', role: 'hub' },
    ],
  })
  const leaf = { hubId: 'h1', user: 'leaf-h1', password: 'leaf-h1-secret' }
  const root = await startNatsServer({
    name: 'bench-root',
    config: (ports, storeDir) =>
      rootConfig({
        name: 'root',
        port: ports.client,
        monitorPort: ports.monitor,
        leafPort: ports.leafnode,
        storeDir,
        systemPassword: 'system-secret',
        hubs: [leaf],
        policy,
        ...(rootTls === undefined
          ? {}
          : { leafTls: { certFile: rootTls.certFile!, keyFile: rootTls.keyFile! } }),
      }),
  })
  const hub = await startNatsServer({
    name: 'bench-h1',
    config: (ports, storeDir) =>
      hubConfig({
        name: 'hub-h1',
        hubId: 'h1',
        port: ports.client,
        monitorPort: ports.monitor,
        storeDir,
        systemPassword: 'system-secret',
        rootLeafUrl: `nats-leaf://127.0.0.1:${root.ports.leafnode}`,
        leaf,
        policy,
        ...(hubTls === undefined ? {} : { leafTls: { caFile: hubTls.caFile } }),
      }),
  })
  try {
    const bus = await openBus({
      registry,
      hubId: 'h1',
      transport: 'nats',
      transportOptions: { servers: hub.url, user: 'hubproc', pass: 'hub-secret', registry },
    })
    const owner = await connect({
      servers: root.url,
      user: 'owner',
      pass: 'owner-secret',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    })
    await (await jetstreamManager(owner)).streams.add(
      rootSourceStream('h1', policy.export) as Partial<StreamConfig> as StreamConfig,
    )
    await owner.close()
    await root.stop()
    for (let offset = 0; offset < OFFLINE; offset += 500)
      await bus.publishManyUntyped(
        Array.from({ length: 500 }, (_, index) => ({ type: 'note.added', payload: { n: offset + index } })),
      )
    await bus.close()
    const started = performance.now()
    await root.start()
    const watcher = await connect({ servers: root.url, user: 'owner', pass: 'owner-secret' })
    const manager = await jetstreamManager(watcher)
    while ((await manager.streams.info('ROOT_HUB_h1')).state.messages < OFFLINE) {
      if (performance.now() - started > CATCH_UP_TIMEOUT_MS) throw new Error('the root did not catch up')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const seconds = (performance.now() - started) / 1000
    await watcher.close()
    report({
      bench: `nats-hub.leaf-catch-up.${tls ? 'tls' : 'plain'}`,
      unit: 'events/s',
      median: Math.round(OFFLINE / seconds),
      n: OFFLINE,
      seconds: +seconds.toFixed(1),
      includes: 'root restart',
    })
    return OFFLINE / seconds
  } finally {
    await hub.dispose()
    await root.dispose()
  }
}

mkdirSync(dir.path, { recursive: true })
try {
  await chatTtft()
  await ingestAndReplay()
  await migrate()
  // Plain and TLS leafnodes alternately, twice each, so the load hits both alike.
  const rates = { plain: [] as number[], tls: [] as number[] }
  for (let round = 0; round < 2; round++) {
    rates.plain.push(await leafCatchUp(false))
    rates.tls.push(await leafCatchUp(true))
  }
  report({
    bench: 'nats-hub.leaf-catch-up.tls-vs-plain',
    unit: 'ratio',
    median: +(median(rates.tls) / median(rates.plain)).toFixed(2),
    plain: rates.plain.map(Math.round),
    tls: rates.tls.map(Math.round),
  })
} finally {
  await server.dispose()
  dir.remove()
}
