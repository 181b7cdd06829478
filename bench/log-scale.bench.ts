// The log at scale (issue 22, decisions 1610-1613, 1620-1622): a generated log of each size in
// LOG_SCALE_SIZES (default 100000,1000000; add 10000000 for the size, ~7 GB of disk and a
// few minutes; LOG_SCALE_CACHE_DIR keeps built files for the next run), then p50/p99 of a trace, a
// session, a rare-type, a type-pattern and a time-window query, alone and with a publisher in the
// same process, next to the p99 of a fixed piece of CPU work (what the machine adds by itself);
// replay rate, bytes per stored event, hub start time with the log, and retention throughput
// while a publisher aims at 10k events/s.
import { mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { PerformanceObserver } from 'node:perf_hooks'
import { openBus } from '../src/bus-factory/index.ts'
import { compactLog, openEventStore } from '../src/store/index.ts'
import { makeTempDir } from '../test/kit/temp-dir.ts'
import { testRegistry } from '../test/kit/test-registry.ts'
import { type ServeStart, timeServeStart } from './hub-start-time.ts'
import { BASE_MS, eventAt, generateLog, sessionAt, traceRootAt } from './log-scale-generate.ts'
import { median, percentile, report } from './stats.ts'

const SIZES = (process.env.LOG_SCALE_SIZES ?? '100000,1000000').split(',').map(Number)
/** Per query and condition; p99 of 1000 is the 10th slowest, steadier than of 300. */
const SAMPLES = Number(process.env.LOG_SCALE_SAMPLES ?? 1000)
/** The in-process publisher's rate while queries run "under load" (events/s). */
const LOAD_RATE = 2000
/** `localhub serve` starts per data directory (with the log, and empty), taken in turns. */
const HUB_START_TURNS = Number(process.env.LOG_SCALE_START_TURNS ?? 3)
/** The publisher's target while retention runs (the 10k events/s). */
const RETENTION_PUBLISH_RATE = 10_000

// Every collection the process makes, so a slow query can be checked against the GCs inside it.
const collections: { start: number; end: number }[] = []
new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    collections.push({ start: entry.startTime, end: entry.startTime + entry.duration })
}).observe({ entryTypes: ['gc'] })

/** A fixed piece of CPU work (~0.2 ms): its p99 next to a query's is what the machine adds alone. */
function fixedWork(): number {
  let sum = 0
  for (let n = 0; n < 200_000; n++) sum = (sum + n * 31) % 1_000_003
  return sum
}

interface Timing {
  p50: number
  p99: number
  meanMatches: number
  /** Samples over 10 ms, and how many of those had a garbage collection inside them. */
  over10: number
  over10WithGc: number
}

async function timed(samples: number, query: (sample: number) => Promise<number>): Promise<Timing> {
  const times: number[] = []
  let found = 0
  let over10 = 0
  let over10WithGc = 0
  for (let sample = 0; sample < samples; sample++) {
    const started = performance.now()
    found += await query(sample)
    const ended = performance.now()
    times.push(ended - started)
    if (ended - started > 10) {
      over10++
      if (collections.some((gc) => gc.end >= started && gc.start <= ended)) over10WithGc++
    }
    // Let timers (the publisher under load) run between samples, as requests interleave in a hub.
    await new Promise((resolve) => setImmediate(resolve))
  }
  return {
    p50: round(percentile(times, 0.5)),
    p99: round(percentile(times, 0.99)),
    meanMatches: found / samples,
    over10,
    over10WithGc,
  }
}

const round = (value: number): number => Math.round(value * 100) / 100

async function count(iterable: AsyncIterable<unknown>): Promise<number> {
  let n = 0
  for await (const _ of iterable) n++
  return n
}

type Bus = Awaited<ReturnType<typeof openBus>>

/** Publishes small batches paced to `rate` events/s until stopped; returns what it achieved. */
function pacedPublisher(bus: Bus, rate: number) {
  const latencies: number[] = []
  let published = 0
  let running = true
  const started = performance.now()
  const done = (async () => {
    while (running) {
      const due = Math.min(2000, Math.floor(((performance.now() - started) / 1000) * rate) - published)
      if (due > 0) {
        const at = performance.now()
        await bus.publishManyUntyped(
          Array.from({ length: due }, (_, n) => ({ type: 'note.added', payload: { n } })),
        )
        latencies.push(performance.now() - at)
        published += due
      }
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  })()
  return async () => {
    running = false
    await done
    const seconds = (performance.now() - started) / 1000
    return {
      rate: Math.round(published / seconds),
      callP99Ms: round(percentile(latencies, 0.99)),
      published,
    }
  }
}

async function queries(bus: Bus, size: number, condition: string): Promise<void> {
  const pick = (sample: number) => Math.floor((((sample * 2654435761) % 2 ** 32) / 2 ** 32) * size)
  const floor = await timed(SAMPLES, async () => fixedWork() & 0)
  const kinds: [string, (sample: number) => AsyncIterable<unknown>][] = [
    ['trace query (whole trace)', (sample) => bus.replay({ traceId: traceRootAt(pick(sample)) })],
    ['session query (whole session)', (sample) => bus.replay({ sessionId: sessionAt(pick(sample)) })],
    // 1 event in 10,000 is of the rare type: the next 10 after a random seq (fewer at 100k, where
    // only 10 exist), so the matches stay about the same from 100k to 10M.
    [
      'rare-type query (next 10 after a random seq)',
      (sample) => bus.replay({ filter: 'approval.requested', from: { seq: pick(sample) }, limit: 10 }),
    ],
    [
      'type-pattern query ui.> (limit 300)',
      (sample) => bus.replay({ filter: 'ui.>', from: { seq: pick(sample) }, limit: 300 }),
    ],
    [
      'time-window query (200 ms of log, chat.*)',
      (sample) => {
        const since = BASE_MS + pick(sample)
        return bus.replay({ since, until: since + 200, filter: 'chat.*' })
      },
    ],
  ]
  for (const [name, query] of kinds) {
    const timing = await timed(SAMPLES, (sample) => count(query(sample)))
    report({
      bench: `log-scale ${name}`,
      condition,
      unit: 'ms p99',
      median: timing.p99,
      ...timing,
      fixedWorkP99: floor.p99,
      size,
    })
  }
}

async function measure(size: number): Promise<void> {
  const dir = makeTempDir('localhub-log-scale-')
  try {
    const hubDir = join(dir.path, 'hub')
    const path = join(hubDir, 'events.sqlite')
    mkdirSync(hubDir, { recursive: true })
    const generated = generateLog(path, size)
    report({
      bench: 'log-scale generate (prepared insert, 100k-row transactions, indexes built after)',
      unit: 's',
      median: round(generated.buildSeconds),
      eventsPerSecond: generated.fromCache ? undefined : Math.round(size / generated.buildSeconds),
      fromCache: generated.fromCache,
      copySeconds: round(generated.copySeconds),
      size,
    })
    const bytes = statSync(path).size
    report({
      bench: 'log-scale bytes per stored event',
      unit: 'bytes',
      median: Math.round(bytes / size),
      size,
      fileBytes: bytes,
    })

    // Hub start (decision 1632): `localhub serve` in its own process each time, with this log and
    // with a new empty data directory taken in turns, so neither pays the other's module loading.
    const withLog: ServeStart[] = []
    const empty: ServeStart[] = []
    for (let turn = 0; turn < HUB_START_TURNS; turn++) {
      withLog.push(await timeServeStart(hubDir))
      empty.push(await timeServeStart(join(dir.path, `empty-hub-${turn}`)))
    }
    report({
      bench: 'log-scale hub start (`localhub serve` until GET /events?limit=1 answers)',
      unit: 'ms',
      median: Math.round(median(withLog.map((start) => start.readyMs))),
      firstWithLogMs: Math.round(withLog[0]!.readyMs),
      withLogMs: withLog.map((start) => Math.round(start.readyMs)),
      emptyDataDirMs: Math.round(median(empty.map((start) => start.readyMs))),
      emptyMs: empty.map((start) => Math.round(start.readyMs)),
      closeWithLogMs: withLog.map((start) => Math.round(start.closeMs)),
      runtime: process.env.LOCALHUB_RUNTIME ?? 'auto',
      size,
    })

    const openStarted = performance.now()
    const bus = await openBus({ transport: 'sqlite', path, registry: testRegistry() })
    await count(bus.replay({ limit: 1 }))
    report({
      bench: 'log-scale open (bus over the log, first replay row)',
      unit: 'ms',
      median: Math.round(performance.now() - openStarted),
      size,
    })

    await queries(bus, size, 'alone')
    const stopLoad = pacedPublisher(bus, LOAD_RATE)
    await queries(bus, size, `publisher in the same process at ${LOAD_RATE} events/s (synchronous FULL)`)
    const load = await stopLoad()
    report({ bench: 'log-scale publisher during the loaded queries', unit: 'events/s', median: load.rate })

    const replayed = Math.min(size, 1_000_000)
    const replayStarted = performance.now()
    await count(bus.replay({ limit: replayed }))
    report({
      bench: 'log-scale replay (everything, seq order)',
      unit: 'events/s',
      median: Math.round(replayed / ((performance.now() - replayStarted) / 1000)),
      replayed,
      size,
    })

    // Retention of the oldest 10% while a publisher aims at 10k events/s.
    const store = openEventStore({ path, dedupeWindowMs: 60_000 })
    const stopPublisher = pacedPublisher(bus, RETENTION_PUBLISH_RATE)
    const cutoff = BASE_MS + Math.floor(size / 10)
    const retained = await compactLog(store.db, { maxAgeMs: 1 }, { now: cutoff + 1, dedupeWindowMs: 60_000 })
    const publisher = await stopPublisher()
    report({
      bench: 'log-scale retention while publishing (oldest 10%)',
      unit: 'deleted events/s',
      median: Math.round(retained.deleted / (retained.durationMs / 1000)),
      size,
      deleted: retained.deleted,
      batches: retained.batches,
      reclaimedBytes: retained.reclaimedBytes,
      publishTarget: RETENTION_PUBLISH_RATE,
      publishedDuring: publisher.published,
      publishRate: publisher.rate,
      publishCallP99Ms: publisher.callP99Ms,
    })
    await store.close()
    await bus.close()
  } finally {
    dir.remove()
  }
}

/** What the four query indexes cost an append: the same events into a log with and without them. */
async function indexCost(): Promise<void> {
  const dir = makeTempDir('localhub-log-scale-')
  try {
    const rates: Record<'with' | 'without', number[]> = { with: [], without: [] }
    for (let round = 0; round < 3; round++) {
      for (const kind of ['with', 'without'] as const) {
        const store = openEventStore({
          path: join(dir.path, `${kind}-${round}.sqlite`),
          dedupeWindowMs: 60_000,
        })
        if (kind === 'without')
          for (const name of ['events_by_type', 'events_by_trace', 'events_by_source', 'events_by_time'])
            store.db.exec(`DROP INDEX ${name}`)
        const started = performance.now()
        for (let at = 0; at < 50_000; at += 1000) {
          const items = []
          for (let index = at; index < at + 1000; index++) {
            const envelope = eventAt(index)
            items.push({ envelope, dedupeKeys: [`id:${envelope.id}`], timeMs: BASE_MS + index })
          }
          await store.append(items)
        }
        rates[kind].push(50_000 / ((performance.now() - started) / 1000))
        await store.close()
      }
    }
    const withIndexes = percentile(rates.with, 0.5)
    const without = percentile(rates.without, 0.5)
    report({
      bench: 'log-scale append with the query indexes vs without (store, synchronous FULL, batches of 1000)',
      unit: 'ratio',
      median: Math.round((withIndexes / without) * 100) / 100,
      withEventsPerSecond: Math.round(withIndexes),
      withoutEventsPerSecond: Math.round(without),
    })
  } finally {
    dir.remove()
  }
}

if (process.env.LOG_SCALE_INDEX_COST !== '0') await indexCost()
for (const size of SIZES) if (size > 0) await measure(size)
