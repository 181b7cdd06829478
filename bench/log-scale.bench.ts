// The log at scale (issue 22, decisions 1610-1613): a generated log of each size in
// LOG_SCALE_SIZES (default 100000,1000000; 10000000 if you have the minutes and ~6 GB), then
// p99 of a trace, a session, a rare-type, a type-pattern and a time-window query, replay rate,
// bytes per stored event, the time to open the log (what a hub start pays), and retention
// throughput while a publisher writes about 10k events/s.
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { openBus } from '../src/bus-factory/index.ts'
import type { Envelope } from '../src/contracts/index.ts'
import { compactLog, openEventStore } from '../src/store/index.ts'
import { makeTempDir } from '../test/kit/temp-dir.ts'
import { testRegistry } from '../test/kit/test-registry.ts'
import { percentile, report } from './stats.ts'

const SIZES = (process.env.LOG_SCALE_SIZES ?? '100000,1000000').split(',').map(Number)
const EVENTS_PER_TRACE = 20
const EVENTS_PER_SESSION = 200
const RARE_EVERY = 10_000
const SAMPLES = 300
const BASE_MS = Date.parse('2026-01-01T00:00:00Z')
const COMMON_TYPES = [
  'chat.message',
  'chat.query',
  'voice.chunk',
  'llm.done',
  'ui.click',
  'ui.panel.open',
  'tool.call',
]
const SOURCES = [
  'kernel',
  'skill.chat',
  'skill.voice',
  'skill.ui',
  'skill.tools',
  'skill.rag',
  'skill.memory',
  'cli',
]

function eventAt(index: number): Envelope {
  const trace = Math.floor(index / EVENTS_PER_TRACE)
  const id = `e${index.toString(36).padStart(8, '0')}-${(index * 7919).toString(16)}`
  return {
    id,
    type: index % RARE_EVERY === 5 ? 'approval.requested' : COMMON_TYPES[index % COMMON_TYPES.length]!,
    version: 1,
    ts: new Date(BASE_MS + index).toISOString(),
    source: SOURCES[index % SOURCES.length]!,
    severity: 'info',
    // The first event of a trace is its root (traceId = id), as the bus makes it.
    traceId: index % EVENTS_PER_TRACE === 0 ? id : `t${trace}`,
    sessionId: `s${Math.floor(index / EVENTS_PER_SESSION)}`,
    tenant: 'default',
    payload: { n: index, text: `sample text ${index} `.repeat(8) },
  } as Envelope
}

async function generate(path: string, count: number): Promise<number> {
  const store = openEventStore({
    path,
    dedupeWindowMs: 60_000,
    synchronous: 'OFF',
    groupCommitMaxEvents: 5000,
  })
  const started = performance.now()
  const BATCH = 5000
  for (let at = 0; at < count; at += BATCH) {
    const items = []
    for (let index = at; index < Math.min(count, at + BATCH); index++) {
      const envelope = eventAt(index)
      // Roots carry traceId = id; followers name the root's id so traceId queries find both.
      if (index % EVENTS_PER_TRACE !== 0) envelope.traceId = eventAt(index - (index % EVENTS_PER_TRACE)).id
      items.push({ envelope, dedupeKeys: [`id:${envelope.id}`], timeMs: BASE_MS + index })
    }
    await store.append(items)
  }
  await store.close()
  return count / ((performance.now() - started) / 1000)
}

async function timed(samples: number, query: (sample: number) => Promise<number>) {
  const times: number[] = []
  let found = 0
  for (let sample = 0; sample < samples; sample++) {
    const started = performance.now()
    found += await query(sample)
    times.push(performance.now() - started)
  }
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), meanMatches: found / samples }
}

async function count(iterable: AsyncIterable<unknown>): Promise<number> {
  let n = 0
  for await (const _ of iterable) n++
  return n
}

async function measure(size: number): Promise<void> {
  const dir = makeTempDir('localhub-log-scale-')
  try {
    const path = join(dir.path, 'events.sqlite')
    const generated = await generate(path, size)
    report({
      bench: 'log-scale generate (store append, synchronous OFF)',
      unit: 'events/s',
      median: Math.round(generated),
      size,
    })

    const openStarted = performance.now()
    const bus = await openBus({ transport: 'sqlite', path, registry: testRegistry() })
    await count(bus.replay({ limit: 1 }))
    const openMs = performance.now() - openStarted
    report({
      bench: 'log-scale open (bus over the log, first replay row)',
      unit: 'ms',
      median: Math.round(openMs),
      size,
    })

    const store = openEventStore({ path, dedupeWindowMs: 60_000 })
    store.db.pragma('wal_checkpoint(TRUNCATE)')
    const bytes = statSync(path).size
    report({
      bench: 'log-scale bytes per stored event',
      unit: 'bytes',
      median: Math.round(bytes / size),
      size,
      fileBytes: bytes,
    })

    const pick = (sample: number) => Math.floor((((sample * 2654435761) % 2 ** 32) / 2 ** 32) * size)
    const traces = await timed(SAMPLES, async (sample) => {
      const root = eventAt(pick(sample) - (pick(sample) % EVENTS_PER_TRACE)).id
      return count(bus.replay({ traceId: root }))
    })
    report({
      bench: 'log-scale trace query (whole trace)',
      unit: 'ms p99',
      median: traces.p99,
      p50: traces.p50,
      matches: traces.meanMatches,
      size,
    })
    const sessions = await timed(SAMPLES, (sample) =>
      count(bus.replay({ sessionId: `s${Math.floor(pick(sample) / EVENTS_PER_SESSION)}` })),
    )
    report({
      bench: 'log-scale session query (whole session)',
      unit: 'ms p99',
      median: sessions.p99,
      p50: sessions.p50,
      matches: sessions.meanMatches,
      size,
    })
    const rare = await timed(SAMPLES, (sample) =>
      count(bus.replay({ filter: 'approval.requested', from: { seq: pick(sample) }, limit: 300 })),
    )
    report({
      bench: 'log-scale rare-type query (limit 300, from a random seq)',
      unit: 'ms p99',
      median: rare.p99,
      p50: rare.p50,
      matches: rare.meanMatches,
      size,
    })
    const pattern = await timed(SAMPLES, (sample) =>
      count(bus.replay({ filter: 'ui.>', from: { seq: pick(sample) }, limit: 300 })),
    )
    report({
      bench: 'log-scale type-pattern query ui.> (limit 300)',
      unit: 'ms p99',
      median: pattern.p99,
      p50: pattern.p50,
      matches: pattern.meanMatches,
      size,
    })
    const window = await timed(SAMPLES, (sample) => {
      const since = BASE_MS + pick(sample)
      return count(bus.replay({ since, until: since + 200, filter: 'chat.*' }))
    })
    report({
      bench: 'log-scale time-window query (200 ms of log, chat.*)',
      unit: 'ms p99',
      median: window.p99,
      p50: window.p50,
      matches: window.meanMatches,
      size,
    })

    const replayed = Math.min(size, 300_000)
    const replayStarted = performance.now()
    await count(bus.replay({ limit: replayed }))
    report({
      bench: 'log-scale replay (everything, seq order)',
      unit: 'events/s',
      median: Math.round(replayed / ((performance.now() - replayStarted) / 1000)),
      size,
    })

    // Retention of the oldest 10% while a publisher writes ~10k events/s (100 every 10 ms).
    const latencies: number[] = []
    let published = 0
    let publishing = true
    const publisher = (async () => {
      while (publishing) {
        const started = performance.now()
        await bus.publishManyUntyped(
          Array.from({ length: 100 }, (_, n) => ({ type: 'note.added', payload: { n } })),
        )
        latencies.push(performance.now() - started)
        published += 100
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    })()
    const cutoff = BASE_MS + Math.floor(size / 10)
    const retained = await compactLog(store.db, { maxAgeMs: 1 }, { now: cutoff + 1, dedupeWindowMs: 60_000 })
    publishing = false
    await publisher
    report({
      bench: 'log-scale retention while publishing (oldest 10%)',
      unit: 'deleted events/s',
      median: Math.round(retained.deleted / (retained.durationMs / 1000)),
      size,
      deleted: retained.deleted,
      batches: retained.batches,
      reclaimedBytes: retained.reclaimedBytes,
      publishedDuring: published,
      publishRate: Math.round(published / (retained.durationMs / 1000)),
      publishBatchP99Ms: Math.round(percentile(latencies, 0.99) * 10) / 10,
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
