// The file watcher over a generated tree of 100,000 files (10,000 with BENCH_QUICK=1): how long the
// first scan takes, RSS once watching, CPU while nothing changes (goal < 0.5% of a core), and the
// latency from a write to its event.fs.changed (goal ≤ debounce + 50 ms). Then triage decisions
// per second over a mixed signal stream. Prints JSON lines (bench/RESULTS.md).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { systemClock } from '../src/bus/index.ts'
import type { Envelope } from '../src/contracts/index.ts'
import {
  AttentionStore,
  DEFAULT_LADDER,
  DEFAULT_TRIAGE_RULES,
  Ladder,
  Triage,
  TriageRuleBook,
} from '../src/skills/proactive/index.ts'
import { type FileChange, RootWatcher } from '../src/skills/watchers/index.ts'
import { median, percentile, report } from './stats.ts'

const QUICK = process.env.BENCH_QUICK === '1'
const FILES = QUICK ? 10_000 : 100_000
const FILES_PER_DIR = 100
const DEBOUNCE_MS = 300
const IDLE_SECONDS = QUICK ? 5 : 20
const SETTLE_SECONDS = 5
const LATENCY_ROUNDS = QUICK ? 5 : 20
const FILES_PER_ROUND = 10
const TRIAGE_SIGNALS = QUICK ? 5_000 : 20_000
const TRIAGE_ROUNDS = 5

const silent = { debug() {}, info() {}, warn() {}, error() {} }
const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10
const gc = () => (globalThis as { gc?: () => void }).gc?.()
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits

const root = mkdtempSync(join(tmpdir(), 'localhub-watchers-bench-'))
try {
  const tree = join(root, 'tree')
  const dirOf = (n: number) =>
    join(tree, `d${Math.floor(n / (FILES_PER_DIR * 10))}`, `e${Math.floor(n / FILES_PER_DIR) % 10}`)
  for (let n = 0; n < FILES; n++) {
    if (n % FILES_PER_DIR === 0) mkdirSync(dirOf(n), { recursive: true })
    writeFileSync(join(dirOf(n), `f${n}.txt`), `file ${n}\n`)
  }
  gc()
  const rssBefore = process.memoryUsage().rss

  const waiting = new Map<string, (at: number) => void>()
  const watcher = new RootWatcher({
    root: tree,
    clock: systemClock,
    debounceMs: DEBOUNCE_MS,
    maxPendingPaths: 1_000,
    stormSummaryEveryMs: 5_000,
    ignorePatterns: [],
    excludedFolders: [],
    rootCheckEveryMs: 2_000,
    logger: silent,
    emit: (change: FileChange) => waiting.get(change.path)?.(performance.now()),
  })
  const scanStarted = performance.now()
  await watcher.start()
  const scanMs = performance.now() - scanStarted
  gc()
  const rssWatching = process.memoryUsage().rss
  report({
    bench: 'watcher.first_scan',
    unit: 'ms',
    median: Math.round(scanMs),
    files: FILES,
    folders: FILES / FILES_PER_DIR,
  })
  report({
    bench: 'watcher.rss',
    unit: 'MiB',
    median: mib(rssWatching),
    beforeWatchingMiB: mib(rssBefore),
    deltaMiB: mib(rssWatching - rssBefore),
    files: FILES,
  })

  // Idle: nothing changes; the watcher's own work (the root check every 2 s, inotify) is all. The
  // first seconds after the scan (chokidar finishing its stats, the collector) are left out.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000))
  gc()
  const cpuBefore = process.cpuUsage()
  const idleStarted = performance.now()
  await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000))
  const cpu = process.cpuUsage(cpuBefore)
  const idleShare = (cpu.user + cpu.system) / 1000 / (performance.now() - idleStarted)
  report({
    bench: 'watcher.idle_cpu',
    unit: '% of a core',
    median: round(idleShare * 100, 3),
    seconds: IDLE_SECONDS,
    files: FILES,
    goal: '< 0.5',
  })

  // Latency: rounds of writes to different files at once, each waited for by its path.
  const latencies: number[] = []
  for (let turn = 0; turn < LATENCY_ROUNDS; turn++) {
    const pending = Array.from({ length: FILES_PER_ROUND }, (_unused, index) => {
      const n = ((turn * FILES_PER_ROUND + index) * 97) % FILES
      const relativePath = `d${Math.floor(n / (FILES_PER_DIR * 10))}/e${Math.floor(n / FILES_PER_DIR) % 10}/f${n}.txt`
      return new Promise<void>((resolve) => {
        const written = performance.now()
        waiting.set(relativePath, (at) => {
          waiting.delete(relativePath)
          latencies.push(at - written)
          resolve()
        })
        writeFileSync(join(tree, relativePath), `changed ${turn}\n`)
      })
    })
    await Promise.all(pending)
  }
  report({
    bench: 'watcher.change_to_event',
    unit: 'ms',
    median: round(median(latencies), 1),
    p99: round(percentile(latencies, 0.99), 1),
    samples: latencies.length,
    debounceMs: DEBOUNCE_MS,
    goalP99: DEBOUNCE_MS + 50,
  })
  await watcher.close()

  // Triage: a stream of file changes (no nudge), health reports and build failures (nudges), with
  // the clock moving 1 s per signal so rate windows and coalescing do real work.
  const store = new AttentionStore(join(root, 'proactive.sqlite'))
  const triage = new Triage({
    rules: new TriageRuleBook(DEFAULT_TRIAGE_RULES),
    ladder: new Ladder(DEFAULT_LADDER),
    store,
    limits: { maxVoiceNudgesPerHour: 2, maxToastsPerHour: 6 },
    coalesceWindowMs: 600_000,
    defaultMode: 'available',
  })
  const signal = (n: number): Envelope => {
    const kind = n % 10
    const base = { id: `s${n}`, version: 1, ts: new Date(0).toISOString(), source: 'bench', traceId: `t${n}` }
    if (kind < 7)
      return {
        ...base,
        type: 'event.fs.changed',
        severity: 'info',
        payload: { path: `f${n}`, kind: 'modify', ts: 0 },
      } as unknown as Envelope
    if (kind < 9)
      return {
        ...base,
        type: 'event.system.health',
        severity: kind === 7 ? 'warn' : 'error',
        payload: { cpu: 0.95, ram: 0.5, vram: 0, disk: 0.4 },
      } as unknown as Envelope
    return {
      ...base,
      type: 'event.git.build_failed',
      severity: 'info',
      payload: { project: `p${n % 50}`, logPath: '/tmp/b.log', exitCode: 1 },
    } as unknown as Envelope
  }
  const rates: number[] = []
  let clock = Date.UTC(2026, 0, 1)
  let counter = 0
  for (let turn = 0; turn < TRIAGE_ROUNDS; turn++) {
    const started = performance.now()
    for (let index = 0; index < TRIAGE_SIGNALS; index++) {
      clock += 1_000
      triage.decide(signal(counter++), clock)
    }
    rates.push(TRIAGE_SIGNALS / ((performance.now() - started) / 1000))
  }
  store.close()
  report({
    bench: 'triage.decisions',
    unit: 'decisions/s',
    median: Math.round(median(rates)),
    signalsPerRound: TRIAGE_SIGNALS,
    mix: '70% fs.changed, 20% system.health, 10% build_failed',
  })
} finally {
  rmSync(root, { recursive: true, force: true })
}
