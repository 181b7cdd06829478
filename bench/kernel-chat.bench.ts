// Time to first token through POST /chat against the same loopback Ollama-protocol server called
// directly, in one run, requests that never overlap (decision 1749); the hub's own share as it
// times itself on each turn (decision 1747); plus the idle RSS of a started hub. The kernel's part includes
// everything a real turn does before the model call (RAG search, memory read, prompt assembly and
// every event up to stream.start, validated and ordered; they are handed to the SQLite log once the
// first token is out, decision 1730, and committed before the turn ends).

import { spawn, spawnSync } from 'node:child_process'
import { subscribe } from 'node:diagnostics_channel'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { constants, PerformanceObserver } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import type { openHub } from '../src/kernel/index.ts'
import type { LlmFirstTokenMessage } from '../src/skills/llm/index.ts'
import { allocationMeter } from './allocation-meter.ts'
import { hubRuntime, loadHubModules } from './hub-runtime.ts'
import { COMPILED_ROW_PREFIX, runCompiledRows } from './kernel-chat-compiled.ts'
import { startMarkingModelServer } from './marking-model-server.ts'
import { median, percentile, report } from './stats.ts'
import { type Answer, kernelTimingOf, timeToFirstLine } from './ttft-client.ts'
import { isServedFlagsChild, runServedFlagsRows, SERVED_FLAGS_ROW_PREFIX } from './ttft-served-flags.ts'

// Rounds of three requests (direct, direct again, through the hub), in rotating order so no path
// always goes first; the second direct one gives the A/A row (the noise floor of a paired difference).
const ROUNDS = process.env.BENCH_QUICK ? 100 : 1000
const WARM_UP = 50
// The same rows from a child under `localhub serve`'s node flags carry their own prefix
// (ttft-served-flags.ts); a child may load the hub compiled to dist/ (kernel-chat-compiled.ts).
const SERVED_CHILD = isServedFlagsChild()
// The parent's own rows are always the sources' (their names carry no runtime).
const RUNTIME = SERVED_CHILD ? hubRuntime() : 'sources'
const ROW = !SERVED_CHILD
  ? 'kernel.ttft.'
  : RUNTIME === 'compiled'
    ? COMPILED_ROW_PREFIX
    : SERVED_FLAGS_ROW_PREFIX
// Loaded, not imported: the compiled child must not load the hub's sources at all.
const { kernel, llm } = await loadHubModules(RUNTIME)

function summary(samples: readonly number[]) {
  return {
    median: +median(samples).toFixed(3),
    p99: +percentile(samples, 0.99).toFixed(3),
    n: samples.length,
  }
}

/**
 * RSS of a real `localhub serve` process, idle 10 s after start (read from /proc): compiled
 * (dist/, what `npm ci` builds) or from the TypeScript sources through tsx.
 */
async function idleServeRss(runtime: 'compiled' | 'sources') {
  if (runtime === 'compiled') {
    const build = spawnSync(process.execPath, ['scripts/build-server.mjs'], { stdio: 'ignore' })
    if (build.status !== 0) throw new Error('scripts/build-server.mjs failed')
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'localhub-rss-'))
  const bin = fileURLToPath(new URL('../bin/localhub.js', import.meta.url))
  // Run as a person runs it (`npx localhub`, the systemd unit): through the shebang's node flags.
  const child = spawn(bin, ['serve', '--port', '0', '--data', dataDir, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOCALHUB_RUNTIME: runtime },
  })
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('running at')) resolve()
      })
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)))
    })
    const samples: number[] = []
    for (let second = 0; second < 10; second++) {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
      samples.push(Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024)
    }
    return {
      bench: `kernel.rss.idle-serve.${runtime}`,
      unit: 'MB',
      median: +(median(samples) / 1e6).toFixed(1),
      max: +(Math.max(...samples) / 1e6).toFixed(1),
      target: '< 120 MB',
    }
  } finally {
    child.kill('SIGTERM')
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** One hub's rows; the baseline's carry `baseline.` after `kernel.ttft.`. */
function reportHub(samples: HubSamples, direct: readonly number[]): void {
  const row = (name: string) => `${ROW}${samples.label}${name}`
  const { viaHub, beforeModel, afterFirstToken, strictTotal, cpuTotal } = samples
  const paired = viaHub.map((value, index) => value - direct[index]!)
  report({
    bench: row('via-post-chat'),
    unit: 'ms',
    ...summary(viaHub),
    addedMedianMs: +(median(viaHub) - median(direct)).toFixed(3),
    addedP99Ms: +(percentile(viaHub, 0.99) - percentile(direct, 0.99)).toFixed(3),
    // Each request through the hub is paired with a direct one of the same round: their difference
    // is the kernel's part of that moment (less coloured by the machine's load than two separate p99s).
    pairedAddedMedianMs: +median(paired).toFixed(3),
    pairedAddedP99Ms: +percentile(paired, 0.99).toFixed(3),
    target: 'added p99 <= 2 ms',
  })
  // The hub's own share, timed inside the process on every request (hrtime marks, decision 1747).
  report({
    bench: row('own.before-model'),
    unit: 'ms',
    ...summary(beforeModel),
    note: 'request taken by Fastify -> model request handed to the socket',
  })
  report({
    bench: row('own.after-first-token'),
    unit: 'ms',
    ...summary(afterFirstToken),
    note: "first token's bytes read from the model -> its SSE frame handed to the client's socket",
  })
  report({
    bench: row('own.total'),
    unit: 'ms',
    ...summary(beforeModel.map((value, index) => value + afterFirstToken[index]!)),
    target: 'p99 <= 2 ms',
  })
  // The process's CPU time over the two phases: the hub's work without the waits that the other
  // processes of a loaded machine add (a lower bound of the wall time on an idle one).
  report({
    bench: row('own.cpu-total'),
    unit: 'ms',
    ...summary(cpuTotal),
    note: "process CPU time (user + system) over both phases, from the chat route's first hook",
  })
  // Strict: also charges the hub with both loopback hops to and from the model (request handed to
  // the socket -> the model has its body; model wrote the first token -> the hub read it), so any
  // event-loop time the hub held while the model's bytes waited counts as the hub's.
  report({
    bench: row('own.total-strict'),
    unit: 'ms',
    ...summary(strictTotal),
    target: 'p99 <= 2 ms',
  })
  report({
    bench: row('cpu-per-request'),
    unit: 'ms',
    ...summary(samples.cpuPerRequest),
    note: 'process CPU over the whole request to its end: client, hub (turn end and commits included) and model server',
  })
  // What a turn leaves for the collector, and how often one ran inside this hub's requests.
  report({
    bench: row('allocated-per-request'),
    unit: 'KB',
    median: +(median(samples.allocatedBytes) / 1024).toFixed(1),
    p99: +(percentile(samples.allocatedBytes, 0.99) / 1024).toFixed(1),
    n: samples.allocatedBytes.length,
    note: 'heap bytes the process allocated over the whole request (client and model server included)',
  })
  report({
    bench: row('gc-per-1000-requests'),
    unit: 'count',
    median: +((samples.scavenges * 1000) / samples.viaHub.length).toFixed(1),
    otherCollectionsPer1000: +((samples.otherCollections * 1000) / samples.viaHub.length).toFixed(1),
    pauseMsPer1000: +((samples.gcMs * 1000) / samples.viaHub.length).toFixed(1),
    note: "young-generation collections (scavenges) that ran during this hub's requests; other kinds apart",
  })
  report({
    bench: row('first-token-windows-with-scavenge-per-1000'),
    unit: 'count',
    median: windowsWithScavengePer1000(samples.firstTokenWindows),
    n: samples.firstTokenWindows.length,
    note: "requests with a scavenge between the request's start and its first token, per 1,000",
  })
}

const ollama = await startMarkingModelServer('tiny', ['one', ' two', ' three', ' four'])
// The hub's model marks of the last turn (when its model request left, when the first token was read).
let lastHubMarks: LlmFirstTokenMessage | undefined
subscribe(llm.LLM_FIRST_TOKEN_CHANNEL, (message) => {
  lastHubMarks = message as LlmFirstTokenMessage
})

interface OpenedHub {
  url: string
  token: string
  close(): Promise<void>
}

/** What one hub's turns measured, request by request. */
interface HubSamples {
  label: string
  hub: OpenedHub
  dataDir: string
  viaHub: number[]
  beforeModel: number[]
  afterFirstToken: number[]
  strictTotal: number[]
  cpuTotal: number[]
  /** Process CPU over the whole request (client, hub and model server: the last two alike for every hub). */
  cpuPerRequest: number[]
  /** Bytes the process allocated over the whole request (client and model server alike for every hub). */
  allocatedBytes: number[]
  /** Collections that ran during this hub's requests (young-generation ones, others), and their pause time. */
  scavenges: number
  otherCollections: number
  gcMs: number
  /** Each measured request's arrival-to-first-token window, in performance.now() time. */
  firstTokenWindows: [number, number][]
}

const meter = allocationMeter()
// When each young-generation collection ran: counted against the first-token windows (decision 2090).
const scavengeSpans: [number, number][] = []
new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR)
      scavengeSpans.push([entry.startTime, entry.startTime + entry.duration])
}).observe({ entryTypes: ['gc'] })

/** Windows during which a scavenge ran, per 1,000 windows. */
function windowsWithScavengePer1000(windows: readonly [number, number][]): number {
  let hit = 0
  for (const [from, to] of windows) if (scavengeSpans.some(([start, end]) => end > from && start < to)) hit++
  return +((hit * 1000) / Math.max(1, windows.length)).toFixed(1)
}

async function startHub(label: string, open: typeof openHub): Promise<HubSamples> {
  const dataDir = mkdtempSync(join(tmpdir(), 'localhub-bench-'))
  const hub = await open({
    dataDir,
    port: 0,
    logger: false,
    llmFlags: { baseUrl: ollama.url, model: 'tiny' },
  })
  return {
    label,
    hub,
    dataDir,
    viaHub: [],
    beforeModel: [],
    afterFirstToken: [],
    strictTotal: [],
    cpuTotal: [],
    cpuPerRequest: [],
    allocatedBytes: [],
    scavenges: 0,
    otherCollections: 0,
    gcMs: 0,
    firstTokenWindows: [],
  }
}

// BENCH_BASELINE=<checkout> also opens the hub of another checkout (e.g. `git archive HEAD` unpacked
// beside a node_modules link) in this process: its turns join each round, so before and after are
// read interleaved on the same machine state (the rows `kernel.ttft.baseline.*`).
// The compiled child opens the baseline's dist/ (built there with its own scripts/build-server.mjs),
// so both hubs are the code `localhub serve` runs (decision 2099).
const baselineRoot = process.env.BENCH_BASELINE
const hubs: HubSamples[] = [await startHub('', kernel.openHub)]
if (baselineRoot !== undefined) {
  const entry = RUNTIME === 'compiled' ? 'dist/kernel/index.js' : 'src/kernel/index.ts'
  const baseline = (await import(join(baselineRoot, entry))) as { openHub: typeof openHub }
  hubs.push(await startHub('baseline.', baseline.openHub))
}
try {
  const direct: number[] = []
  const directAgain: number[] = []
  const askDirect = () =>
    timeToFirstLine(
      ollama.url,
      '/api/chat',
      { model: 'tiny', stream: true, messages: [{ role: 'user', content: 'hi' }] },
      {},
      '"content"',
    )
  for (let round = 0; round < ROUNDS + WARM_UP; round++) {
    let first: Answer | undefined
    let second: Answer | undefined
    const warm = round < WARM_UP
    const viaHub = (samples: HubSamples) => async () => {
      lastHubMarks = undefined
      meter.start()
      const cpuBefore = process.cpuUsage()
      const sentAt = performance.now()
      const answer = await timeToFirstLine(
        samples.hub.url,
        '/chat',
        { text: 'hi', sessionId: `bench-${round % 10}` },
        { authorization: `Bearer ${samples.hub.token}` },
        'event: stream.chunk',
      )
      const cpu = process.cpuUsage(cpuBefore)
      const allocated = meter.stop()
      const model = ollama.last()
      const marks = lastHubMarks as LlmFirstTokenMessage | undefined
      if (marks === undefined || model === undefined) throw new Error('no marks for the hub turn')
      // The first rounds warm the JIT and the SQLite page cache.
      if (warm) return
      const strictGaps = model.receivedAt - marks.sentAt + (marks.firstTokenAt - model.firstWrittenAt)
      const own = kernelTimingOf(answer.text)
      samples.viaHub.push(answer.firstMs)
      samples.beforeModel.push(own.beforeModelMs)
      samples.afterFirstToken.push(own.afterFirstTokenMs)
      samples.cpuTotal.push(own.cpuMs)
      samples.strictTotal.push(own.beforeModelMs + own.afterFirstTokenMs + strictGaps)
      samples.cpuPerRequest.push((cpu.user + cpu.system) / 1000)
      samples.allocatedBytes.push(allocated.bytes)
      samples.scavenges += allocated.scavenges
      samples.otherCollections += allocated.otherCollections
      samples.gcMs += allocated.pauseMs
      samples.firstTokenWindows.push([sentAt, sentAt + answer.firstMs])
    }
    const directPath = async () => {
      const answer = await askDirect()
      if (first === undefined) first = answer
      else second = answer
    }
    const paths = [directPath, directPath, ...hubs.map(viaHub)]
    // Rotate which path goes first, second, third… and walk the rotation backwards every other
    // cycle, so each path follows each other one equally often: with a baseline hub, a hub that
    // always came right after the other would pay for the other's turn-end work (decision 2099).
    const backwards = Math.floor(round / paths.length) % 2 === 1
    for (let step = 0; step < paths.length; step++) {
      const at = (round + step) % paths.length
      await paths[backwards ? paths.length - 1 - at : at]!()
    }
    if (warm) continue
    direct.push(first!.firstMs)
    directAgain.push(second!.firstMs)
  }
  const pairedAgain = directAgain.map((value, index) => value - direct[index]!)
  // The gc observer hears of the last collections a moment later.
  await new Promise((resolve) => setTimeout(resolve, 50))
  report({
    bench: `${ROW}direct`,
    unit: 'ms',
    ...summary(direct),
    nodeFlags: process.execArgv.join(' '),
    hub: RUNTIME === 'compiled' ? 'dist/ (scripts/build-server.mjs)' : 'src/ through tsx',
  })
  for (const samples of hubs) reportHub(samples, direct)
  // A/A: the same direct request twice in a round. Its paired difference is what the pairing reads
  // when nothing is added, the floor under pairedAddedP99Ms.
  report({
    bench: `${ROW}direct-again`,
    unit: 'ms',
    ...summary(directAgain),
    addedMedianMs: +(median(directAgain) - median(direct)).toFixed(3),
    addedP99Ms: +(percentile(directAgain, 0.99) - percentile(direct, 0.99)).toFixed(3),
    pairedAddedMedianMs: +median(pairedAgain).toFixed(3),
    pairedAddedP99Ms: +percentile(pairedAgain, 0.99).toFixed(3),
    note: 'A/A: direct vs direct, the noise floor of the paired difference',
  })
  const [current, baseline] = hubs
  if (baseline !== undefined) {
    // This checkout against the baseline in the same round: below zero is time this checkout saved.
    const pairedHubs = current!.viaHub.map((value, index) => value - baseline.viaHub[index]!)
    report({
      bench: `${ROW}via-post-chat.minus-baseline`,
      unit: 'ms',
      ...summary(pairedHubs),
      note: 'paired per round: this checkout minus the baseline checkout',
    })
  }
  // BENCH_TTFT_ONLY=1 skips the RSS rows (a build and two 10 s idle hubs) while iterating on the turn path.
  if (!process.env.BENCH_TTFT_ONLY && !SERVED_CHILD) {
    globalThis.gc?.()
    await new Promise((resolve) => setTimeout(resolve, 1000))
    report({
      bench: 'kernel.rss.in-process-after-chat',
      unit: 'MB',
      median: +(process.memoryUsage().rss / 1e6).toFixed(1),
      note: 'hub + loopback LLM server + client in one process, after the TTFT runs',
    })
    report(await idleServeRss('compiled'))
    report(await idleServeRss('sources'))
  }
} finally {
  for (const { hub, dataDir } of hubs) {
    await hub.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
  await ollama.close()
}

// The same turns with the model server and the client in worker threads of their own, so this
// thread's heap holds only the hub's garbage, as in a deployment (rows `kernel.ttft.isolated.*`).
if (!SERVED_CHILD) {
  const { runIsolatedTtft } = await import('./ttft-isolated.ts')
  await runIsolatedTtft({ rounds: ROUNDS, warmUp: WARM_UP })
  // The in-process rows again under the served hub's node flags (decision 2063), then once more
  // with the hub compiled as `localhub serve` runs it (decision 2081).
  runServedFlagsRows(fileURLToPath(import.meta.url))
  runCompiledRows(fileURLToPath(import.meta.url))
}
