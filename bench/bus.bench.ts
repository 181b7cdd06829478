// Bus benchmarks (DESIGN.md section 9), each against a baseline measured in the same run:
// durable publish through SQLite vs raw better-sqlite3 (bench/raw-sqlite-insert.ts: the log's
// schema and indexes, 1,000 rows per transaction, same synchronous mode; one row per INSERT and, as
// the writer does, 32); publish -> durable handler latency at a fixed 10k events/s; memory
// transport vs Node's EventEmitter; replay vs raw select + JSON.parse; RSS over a long run.
// Publish is measured for note.added (no redaction rule: the common, non-hashing path) and for
// chat.query (an x-redact hash rule: one sha256 per event), and SQLite also at synchronous=NORMAL
// against a raw NORMAL baseline. BENCH_QUICK=1 runs a smaller N.
import { EventEmitter } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import Database from 'better-sqlite3'
import type { Bus } from '../src/bus/index.ts'
import { openBus } from '../src/bus-factory/index.ts'
import { testRegistry } from '../test/kit/test-registry.ts'
import { RAW_ROWS_PER_STATEMENT, rawInsertRate, type Synchronous } from './raw-sqlite-insert.ts'
import { type BenchLine, median, percentile, report } from './stats.ts'

const QUICK = process.env.BENCH_QUICK === '1'
const PUBLISH_N = QUICK ? 100_000 : 300_000
const SOAK_N = QUICK ? 200_000 : 1_000_000
const MEMORY_N = QUICK ? 200_000 : 500_000
/** The variants (hashing type, NORMAL) run a third of the main N, to keep the whole run short. */
const VARIANT_N = QUICK ? 30_000 : 100_000
const BATCH = 1000
const ROUNDS = 3
const registry = testRegistry()

const draft = (n: number) => ({
  type: 'note.added',
  payload: { n, title: 'benchmark note' },
  source: 'bench',
})

/** chat.query's text has `x-redact: hash`: stored as text_sha256 + text_len. */
const hashedDraft = (n: number) => ({
  type: 'chat.query',
  payload: { text: `benchmark question number ${n}` },
  source: 'bench',
})

function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'localhub-bench-'))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

async function sqliteBus(dir: string, synchronous: Synchronous = 'FULL'): Promise<Bus> {
  return openBus({ transport: 'sqlite', dataDir: dir, registry, transportOptions: { synchronous } })
}

async function publishManyRate(bus: Bus, n: number, make: (n: number) => unknown): Promise<number> {
  const start = process.hrtime.bigint()
  for (let from = 0; from < n; from += BATCH) {
    const outcomes = await bus.publishManyUntyped(Array.from({ length: BATCH }, (_, i) => make(from + i)))
    if (!outcomes.every((outcome) => outcome.ok)) throw new Error('a benchmark event was rejected')
  }
  return n / seconds(start)
}

/**
 * Rate and this process's CPU time per item (user + system, µs) of one measured step. On a shared
 * machine the wall-clock rate follows the other processes' load; the CPU time per item much less.
 */
async function timed(n: number, step: () => unknown): Promise<{ rate: number; cpuUs: number }> {
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  const value = await step()
  // A step that times its own core (raw inserts: not the open and schema) gives its own rate.
  const rate = typeof value === 'number' ? value : n / seconds(start)
  const used = process.cpuUsage(cpu)
  return { rate, cpuUs: (used.user + used.system) / n }
}

/** Median of the per-round ratios a[i] / b[i]: each pair measured back to back in one round. */
function pairedRatio(a: number[], b: number[]): number {
  return Number(median(a.map((value, index) => value / b[index]!)).toFixed(3))
}

const round2 = (value: number) => Number(value.toFixed(2))

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9
}

async function durablePublish(results: BenchLine[]): Promise<void> {
  const batchRates: number[] = []
  const concurrentRates: number[] = []
  const hashedRates: number[] = []
  const normalRates: number[] = []
  const rawRates: number[] = []
  const rawNormalRates: number[] = []
  const busCpu: number[] = []
  const rawCpu: number[] = []
  const rawManyRates: number[] = []
  const rawManyCpu: number[] = []
  let sampleBody = ''
  for (let round = 0; round < ROUNDS; round++) {
    const dir = tempDir()
    const bus = await sqliteBus(dir.path)
    const published = await timed(PUBLISH_N, () => publishManyRate(bus, PUBLISH_N, draft))
    batchRates.push(published.rate)
    busCpu.push(published.cpuUs)
    for await (const event of bus.replay({ limit: 1 })) sampleBody = JSON.stringify(event)
    // The baseline right after the bus's run, so both see about the same load.
    const raw = await timed(PUBLISH_N, () => rawInsertRate(dir.path, PUBLISH_N, sampleBody))
    rawRates.push(raw.rate)
    rawCpu.push(raw.cpuUs)
    const rawMany = await timed(PUBLISH_N, () =>
      rawInsertRate(dir.path, PUBLISH_N, sampleBody, 'FULL', RAW_ROWS_PER_STATEMENT),
    )
    rawManyRates.push(rawMany.rate)
    rawManyCpu.push(rawMany.cpuUs)
    const start = process.hrtime.bigint()
    const concurrentN = PUBLISH_N / 2
    for (let from = 0; from < concurrentN; from += BATCH) {
      await Promise.all(Array.from({ length: BATCH }, (_, i) => bus.publishUntyped(draft(from + i))))
    }
    concurrentRates.push(concurrentN / seconds(start))
    hashedRates.push(await publishManyRate(bus, VARIANT_N, hashedDraft))
    await bus.close()
    const normalDir = tempDir()
    const normalBus = await sqliteBus(normalDir.path, 'NORMAL')
    normalRates.push(await publishManyRate(normalBus, VARIANT_N, draft))
    await normalBus.close()
    normalDir.remove()
    rawNormalRates.push(rawInsertRate(dir.path, VARIANT_N, sampleBody, 'NORMAL'))
    dir.remove()
  }
  const baseline = median(rawRates)
  const line = (bench: string, rates: number[], n: number, extra: Record<string, unknown> = {}) => ({
    bench,
    unit: 'events/s',
    median: Math.round(median(rates)),
    baseline: Math.round(baseline),
    baselineName: 'better-sqlite3 raw insert, same schema and indexes, 1000 rows/tx, synchronous=FULL',
    ratio: Number((median(rates) / baseline).toFixed(3)),
    target: 100_000,
    n,
    ...extra,
  })
  results.push(
    line('bus.sqlite.publishMany', batchRates, PUBLISH_N, {
      type: 'note.added',
      pairedRatio: pairedRatio(batchRates, rawRates),
      cpuUsPerEvent: { bus: round2(median(busCpu)), baseline: round2(median(rawCpu)) },
      cpuRatio: Number((median(rawCpu) / median(busCpu)).toFixed(3)),
      note: 'pairedRatio: median of per-round bus/raw, each pair back to back; cpuRatio: raw CPU per event / bus CPU per event',
    }),
  )
  results.push({
    ...line('bus.sqlite.publishMany.vs-multi-row-raw', batchRates, PUBLISH_N, { type: 'note.added' }),
    baseline: Math.round(median(rawManyRates)),
    baselineName: `better-sqlite3 raw insert, same schema and indexes, ${RAW_ROWS_PER_STATEMENT} rows per INSERT as the writer does, 1000 rows/tx, synchronous=FULL`,
    ratio: Number((median(batchRates) / median(rawManyRates)).toFixed(3)),
    pairedRatio: pairedRatio(batchRates, rawManyRates),
    cpuUsPerEvent: { bus: round2(median(busCpu)), baseline: round2(median(rawManyCpu)) },
    cpuRatio: Number((median(rawManyCpu) / median(busCpu)).toFixed(3)),
    note: 'the same bus rounds as bus.sqlite.publishMany, against the baseline that inserts the way the writer does',
  })
  results.push(line('bus.sqlite.publish.concurrent', concurrentRates, PUBLISH_N / 2, { type: 'note.added' }))
  results.push(
    line('bus.sqlite.publishMany.hashed', hashedRates, VARIANT_N, {
      type: 'chat.query',
      note: 'x-redact hash rule: one sha256 per event',
    }),
  )
  results.push({
    ...line('bus.sqlite.publishMany.normal', normalRates, VARIANT_N, { type: 'note.added' }),
    baseline: Math.round(median(rawNormalRates)),
    baselineName: 'better-sqlite3 raw insert, same schema and indexes, 1000 rows/tx, synchronous=NORMAL',
    ratio: Number((median(normalRates) / median(rawNormalRates)).toFixed(3)),
    pairedRatio: pairedRatio(normalRates, rawNormalRates),
    note: 'synchronous=NORMAL: a power cut may lose the last commits (process crashes lose nothing)',
  })
}

async function handlerLatency(results: BenchLine[]): Promise<void> {
  const dir = tempDir()
  const bus = await sqliteBus(dir.path)
  const rate = 10_000
  const total = QUICK ? 10_000 : 30_000
  const sentAt = new Float64Array(total)
  const latencies: number[] = []
  let received = 0
  let finish: () => void = () => {}
  const done = new Promise<void>((resolve) => {
    finish = resolve
  })
  await bus.subscribe(
    'note.added',
    (event) => {
      latencies.push(performance.now() - sentAt[event.payload.n as number]!)
      if (++received === total) finish()
    },
    { durable: 'latency' },
  )
  const start = performance.now()
  let sent = 0
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000))
    while (sent < due) {
      sentAt[sent] = performance.now()
      void bus.publishUntyped(draft(sent))
      sent++
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  await done
  await bus.close()
  dir.remove()
  results.push({
    bench: 'bus.sqlite.publish-to-durable-handler',
    unit: 'ms',
    median: Number(percentile(latencies, 0.5).toFixed(3)),
    p99: Number(percentile(latencies, 0.99).toFixed(3)),
    rate,
    n: total,
    target: { p99: 5 },
  })
}

async function memoryThroughput(results: BenchLine[]): Promise<void> {
  const busRates: number[] = []
  const hashedRates: number[] = []
  const emitterRates: number[] = []
  const busCpu: number[] = []
  const drafts = Array.from({ length: BATCH }, (_, i) => draft(i))
  const hashedDrafts = Array.from({ length: BATCH }, (_, i) => hashedDraft(i))
  for (let round = 0; round < ROUNDS; round++) {
    let bus = await openBus({ transport: 'memory', registry })
    const published = await timed(MEMORY_N, () => publishManyRate(bus, MEMORY_N, (n) => drafts[n % BATCH]))
    busRates.push(published.rate)
    busCpu.push(published.cpuUs)
    await bus.close()
    bus = await openBus({ transport: 'memory', registry })
    hashedRates.push(await publishManyRate(bus, VARIANT_N, (n) => hashedDrafts[n % BATCH]))
    await bus.close()
    const emitter = new EventEmitter()
    let count = 0
    emitter.on('note.added', () => {
      count++
    })
    const start = process.hrtime.bigint()
    for (let i = 0; i < MEMORY_N; i++) emitter.emit('note.added', drafts[i % BATCH])
    emitterRates.push(MEMORY_N / seconds(start))
    if (count !== MEMORY_N) throw new Error('emitter lost events')
  }
  const baseline = median(emitterRates)
  const line = (bench: string, rates: number[], n: number, extra: Record<string, unknown>) => ({
    bench,
    unit: 'events/s',
    median: Math.round(median(rates)),
    baseline: Math.round(baseline),
    baselineName: 'EventEmitter.emit with one listener',
    ratio: Number((median(rates) / baseline).toFixed(4)),
    target: 1_000_000,
    n,
    ...extra,
  })
  results.push(
    line('bus.memory.publishMany', busRates, MEMORY_N, {
      type: 'note.added',
      cpuUsPerEvent: round2(median(busCpu)),
      perCpuSecond: Math.round(1e6 / median(busCpu)),
      note: 'bus side validates, applies guardrails, assigns ids and seqs',
    }),
  )
  results.push(
    line('bus.memory.publishMany.hashed', hashedRates, VARIANT_N, {
      type: 'chat.query',
      note: 'x-redact hash rule: one sha256 per event',
    }),
  )
}

async function replayAndSoak(results: BenchLine[]): Promise<void> {
  const dir = tempDir()
  const bus = await sqliteBus(dir.path)
  let handled = 0
  await bus.subscribe(
    'note.added',
    () => {
      handled++
    },
    { durable: 'soak' },
  )
  const rss: number[] = []
  const start = process.hrtime.bigint()
  for (let from = 0; from < SOAK_N; from += BATCH) {
    await bus.publishManyUntyped(Array.from({ length: BATCH }, (_, i) => draft(from + i)))
    if (from % (SOAK_N / 10) === 0) {
      global.gc?.()
      rss.push(process.memoryUsage().rss)
    }
  }
  while (handled < SOAK_N) await new Promise((resolve) => setTimeout(resolve, 5))
  const soakSeconds = seconds(start)
  global.gc?.()
  rss.push(process.memoryUsage().rss)
  // Each round reads the log four ways back to back (the bus parsed and as text, then raw
  // better-sqlite3 the same two ways), so a round's pairs see about the same load.
  const raw = new Database(join(dir.path, 'events.sqlite'), { readonly: true })
  const rawRead = raw.prepare('SELECT body FROM events ORDER BY seq').raw()
  const replayRates: number[] = []
  const jsonRates: number[] = []
  const rawRates: number[] = []
  const rawTextRates: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    let count = 0
    let start = process.hrtime.bigint()
    for await (const _event of bus.replay({ filter: 'note.added' })) count++
    replayRates.push(count / seconds(start))
    // What a forwarding reader gets (NDJSON export, GET /events): the stored text, nothing parsed.
    count = 0
    start = process.hrtime.bigint()
    for await (const item of bus.replayJson({ filter: 'note.added' })) if (item.json.length > 0) count++
    jsonRates.push(count / seconds(start))
    count = 0
    start = process.hrtime.bigint()
    for (const row of rawRead.iterate() as Iterable<[string]>) {
      JSON.parse(row[0])
      count++
    }
    rawRates.push(count / seconds(start))
    count = 0
    start = process.hrtime.bigint()
    for (const row of rawRead.iterate() as Iterable<[string]>) if (row[0].length > 0) count++
    rawTextRates.push(count / seconds(start))
  }
  await bus.close()
  raw.close()
  dir.remove()
  results.push({
    bench: 'bus.sqlite.replay',
    unit: 'events/s',
    median: Math.round(median(replayRates)),
    baseline: Math.round(median(rawRates)),
    baselineName: 'better-sqlite3 iterate + JSON.parse',
    ratio: Number((median(replayRates) / median(rawRates)).toFixed(3)),
    pairedRatio: pairedRatio(replayRates, rawRates),
    target: 500_000,
    n: SOAK_N,
  })
  results.push({
    bench: 'bus.sqlite.replay.json',
    unit: 'events/s',
    median: Math.round(median(jsonRates)),
    baseline: Math.round(median(rawTextRates)),
    baselineName: 'better-sqlite3 iterate, body text (no parse)',
    ratio: Number((median(jsonRates) / median(rawTextRates)).toFixed(3)),
    pairedRatio: pairedRatio(jsonRates, rawTextRates),
    target: 500_000,
    n: SOAK_N,
    note: 'bus.replayJson: stored JSON text for readers that only forward (GET /events NDJSON)',
  })
  const mb = (bytes: number) => Number((bytes / 1024 / 1024).toFixed(1))
  results.push({
    bench: 'bus.sqlite.soak.rss',
    unit: 'MB',
    median: mb(median(rss)),
    first: mb(rss[0]!),
    last: mb(rss[rss.length - 1]!),
    growth: mb(rss[rss.length - 1]! - rss[1]!),
    n: SOAK_N,
    eventsPerSecond: Math.round(SOAK_N / soakSeconds),
    note: 'publishMany with one durable consumer; growth measured from the 10% mark',
  })
}

export async function run(): Promise<BenchLine[]> {
  const results: BenchLine[] = []
  await durablePublish(results)
  await handlerLatency(results)
  // Before the memory runs, whose retained logs would colour the RSS samples.
  await replayAndSoak(results)
  await memoryThroughput(results)
  return results
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const line of await run()) report(line)
}
