// One build of the hub (BENCH_HUB_RUNTIME: sources through tsx, or dist/ as `localhub serve` runs
// it) through the ingest benchmark's in-process kinds, in a process started by
// bench/log-scale-ingest-runtimes.ts under the served node flags:
//   - publishMany: publishManyUntyped in batches of 1000 on a bare SQLite bus, no consumers;
//   - hubPublishMany: the same on a running hub's bus, a turn of the event loop per batch;
//   - post: POST /events NDJSON (10 000 lines per request), the client on the hub's thread;
//   - postOwnThread: the same with the client in a worker thread (bench/ingest-client-worker.ts).
// Bare bus and hub come from the same build, so the ratio of a hub kind to publishMany reads the
// hub's cost over a bus as that build pays it (decision 2081). A first round, as large as the
// others, is not recorded (a served hub runs warm); the measured rounds go to stdout as one JSON line.
import { join } from 'node:path'
import { makeTempDir } from '../test/kit/temp-dir.ts'
import { allocationMeter } from './allocation-meter.ts'
import { type HubRuntime, hubRuntime, loadHubModules } from './hub-runtime.ts'
import { ingestRound, startIngestClient } from './ingest-client.ts'
import { consumerWait } from './log-scale-ingest-settle.ts'

/** What one child measured, round by round, for bench/log-scale-ingest-runtimes.ts to report. */
export interface RuntimeSamples {
  runtime: HubRuntime
  nodeFlags: string
  events: number
  /** Events/s per kind, one entry per measured round. */
  rates: Record<string, number[]>
  /** Events/s of the hub's kinds, their consumers' catch-up counted. */
  withCatchUp: Record<string, number[]>
  /** Process CPU per event (µs), catch-up included for the hub's kinds. */
  cpuPerEvent: Record<string, number[]>
  /** Bytes this thread allocated per event, catch-up included (a client thread's are not counted). */
  allocatedPerEvent: Record<string, number[]>
  /** Young-generation collections of this thread per 1000 events, catch-up included. */
  scavengesPer1000: Record<string, number[]>
}

const COUNT = Number(process.env.LOG_SCALE_INGEST_EVENTS ?? 40_000)
/** Measured rounds per child; bench/log-scale-ingest-runtimes.ts starts two children per build. */
const ROUNDS = Number(process.env.LOG_SCALE_INGEST_CHILD_ROUNDS ?? 2)
const POST_LINES = 10_000

const runtime = hubRuntime()
const { kernel, busFactory, store } = await loadHubModules(runtime)

const dir = makeTempDir('localhub-ingest-runtime-')
try {
  const hub = await kernel.openHub({ dataDir: join(dir.path, 'hub'), port: 0, logger: false })
  const client = await startIngestClient()
  const consumers = consumerWait(join(dir.path, 'hub', 'events.sqlite'), store.readConsumerLag)
  /** The first round only warms the JIT and the caches. */
  let warm = false
  const rates: Record<string, number[]> = {}
  const withCatchUp: Record<string, number[]> = {}
  const cpuPerEvent: Record<string, number[]> = {}
  const allocatedPerEvent: Record<string, number[]> = {}
  const scavengesPer1000: Record<string, number[]> = {}
  const meter = allocationMeter()
  /** Times one kind; on the hub, its consumers' catch-up counts in withCatchUp and the CPU per event. */
  const measure = async (name: string, onHub: boolean, body: () => Promise<void>) => {
    meter.start()
    const started = performance.now()
    const cpuAtStart = process.cpuUsage()
    await body()
    const elapsedMs = performance.now() - started
    const waitedMs = onHub ? await consumers.settle() : 0
    const cpu = process.cpuUsage(cpuAtStart)
    const allocated = meter.stop()
    if (warm) return
    allocatedPerEvent[name] = [...(allocatedPerEvent[name] ?? []), allocated.bytes / COUNT]
    scavengesPer1000[name] = [...(scavengesPer1000[name] ?? []), (allocated.scavenges * 1000) / COUNT]
    rates[name] = [...(rates[name] ?? []), COUNT / (elapsedMs / 1000)]
    cpuPerEvent[name] = [...(cpuPerEvent[name] ?? []), (cpu.user + cpu.system) / COUNT]
    if (onHub) withCatchUp[name] = [...(withCatchUp[name] ?? []), COUNT / ((elapsedMs + waitedMs) / 1000)]
  }
  try {
    for (let round = -1; round < ROUNDS; round++) {
      warm = round < 0
      const { drafts, lines, file } = ingestRound(dir.path, round, COUNT)

      const bus = await busFactory.openBus({ transport: 'sqlite', dataDir: join(dir.path, `bus-${round}`) })
      await measure('publishMany', false, async () => {
        for (let at = 0; at < COUNT; at += 1000) await bus.publishManyUntyped(drafts.slice(at, at + 1000))
      })
      await bus.close()

      await consumers.settle()
      await measure('hubPublishMany', true, async () => {
        for (let at = 0; at < COUNT; at += 1000) {
          const outcomes = await hub.bus.publishManyUntyped(drafts.slice(at, at + 1000))
          if (!outcomes.every((outcome) => outcome.ok)) throw new Error('hub publishMany refused an event')
          // A turn per batch, as POST /events takes (decision 1647).
          await new Promise((resolve) => setImmediate(resolve))
        }
      })
      await measure('post', true, async () => {
        for (let at = 0; at < COUNT; at += POST_LINES) {
          const response = await fetch(`${hub.url}/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/x-ndjson' },
            body: `${lines.slice(at, at + POST_LINES).join('\n')}\n`,
          })
          const text = await response.text()
          const stored = text.split('\n').filter((line) => line.startsWith('{"ok":true')).length
          if (stored !== Math.min(POST_LINES, COUNT - at))
            throw new Error(`POST /events stored ${stored} of ${Math.min(POST_LINES, COUNT - at)}`)
        }
      })
      await client.ask({ kind: 'prepare', file })
      await measure('postOwnThread', true, async () => {
        const answer = await client.ask({
          kind: 'post',
          url: hub.url,
          token: hub.token,
          query: '',
          linesPerRequest: POST_LINES,
        })
        if (!('stored' in answer) || answer.stored !== COUNT)
          throw new Error(`POST /events from the worker stored ${JSON.stringify(answer)} of ${COUNT}`)
      })
    }
  } finally {
    consumers.close()
    await client.worker.terminate()
    await hub.close()
  }
  const samples: RuntimeSamples = {
    runtime,
    nodeFlags: process.execArgv.join(' '),
    events: COUNT,
    rates,
    withCatchUp,
    cpuPerEvent,
    allocatedPerEvent,
    scavengesPer1000,
  }
  process.stdout.write(`${JSON.stringify(samples)}\n`)
} finally {
  dir.remove()
}
