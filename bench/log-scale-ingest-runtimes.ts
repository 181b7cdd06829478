// The ingest benchmark's in-process kinds (bare publishMany, hubPublishMany, POST /events) per build
// of the hub, in children under `localhub serve`'s node flags: the sources through tsx, and dist/ as
// scripts/build-server.mjs compiles it, which is what users run (decision 2081). The children run
// in the order sources, compiled, compiled, sources, so a load that rises or falls over the run
// weighs on both builds alike; each build's rounds are pooled into its rows.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ensureCompiledHub, HUB_RUNTIME_ENV, type HubRuntime } from './hub-runtime.ts'
import type { RuntimeSamples } from './log-scale-ingest-runtime-child.ts'
import { median, report } from './stats.ts'
import { servedNodeFlags } from './ttft-served-flags.ts'

const CHILD = fileURLToPath(new URL('./log-scale-ingest-runtime-child.ts', import.meta.url))
const ORDER: readonly HubRuntime[] = ['sources', 'compiled', 'compiled', 'sources']

function runChild(runtime: HubRuntime, flags: readonly string[]): RuntimeSamples {
  process.stderr.write(`# log-scale ingest (${runtime}) under node ${flags.join(' ')}\n`)
  const child = spawnSync(process.execPath, [...flags, '--import', 'tsx', CHILD], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    env: { ...process.env, [HUB_RUNTIME_ENV]: runtime },
  })
  if (child.status !== 0) throw new Error(`the ${runtime} ingest child failed with exit code ${child.status}`)
  const lines = child.stdout.trim().split('\n')
  return JSON.parse(lines[lines.length - 1]!) as RuntimeSamples
}

/** Appends `from`'s rounds to `into`'s, kind by kind. */
function pool(into: Record<string, number[]>, from: Record<string, number[]>): void {
  for (const [kind, values] of Object.entries(from)) into[kind] = [...(into[kind] ?? []), ...values]
}

const ratio = (value: number, to: number) => Math.round((value / to) * 100) / 100

function reportRuntime(runtime: HubRuntime, runs: readonly RuntimeSamples[]): void {
  const rates: Record<string, number[]> = {}
  const withCatchUp: Record<string, number[]> = {}
  const cpuPerEvent: Record<string, number[]> = {}
  const allocatedPerEvent: Record<string, number[]> = {}
  const scavengesPer1000: Record<string, number[]> = {}
  for (const run of runs) {
    pool(rates, run.rates)
    pool(withCatchUp, run.withCatchUp)
    pool(cpuPerEvent, run.cpuPerEvent)
    pool(allocatedPerEvent, run.allocatedPerEvent)
    pool(scavengesPer1000, run.scavengesPer1000)
  }
  const bare = rates.publishMany!
  const bareCpu = cpuPerEvent.publishMany!
  const hubWithCatchUp = withCatchUp.hubPublishMany!
  for (const [kind, samples] of Object.entries(rates)) {
    const counted = withCatchUp[kind]
    // A round's kinds run seconds apart in one process: their ratio, round by round, is less
    // coloured by the machine's load than a ratio of medians over rounds minutes apart.
    const perRound = samples.map((rate, round) => rate / bare[round]!)
    report({
      bench: `log-scale ingest (${runtime}, served flags): ${kind}`,
      unit: 'events/s',
      median: Math.round(median(samples)),
      ratioToPublishMany: ratio(median(perRound), 1),
      ratioToPublishManyRounds: perRound.map((value) => ratio(value, 1)),
      // The bare bus's CPU per event over this kind's (catch-up included): what the ratio would be
      // were both bound by this process's CPU alone.
      cpuRatioToPublishMany: ratio(median(cpuPerEvent[kind]!.map((cpu, round) => bareCpu[round]! / cpu)), 1),
      cpuMicrosecondsPerEvent: cpuPerEvent[kind]!.map((value) => Math.round(value * 10) / 10),
      // The hub's thread only (POST's client thread apart): deterministic enough to compare builds.
      allocatedBytesPerEvent: Math.round(median(allocatedPerEvent[kind]!)),
      allocatedBytesPerEventRounds: allocatedPerEvent[kind]!.map(Math.round),
      scavengesPer1000Events: Math.round(median(scavengesPer1000[kind]!) * 10) / 10,
      rounds: samples.map(Math.round),
      withCatchUp: counted === undefined ? undefined : Math.round(median(counted)),
      ratioToHubPublishManyWithCatchUp:
        counted === undefined
          ? undefined
          : ratio(median(counted.map((rate, round) => rate / hubWithCatchUp[round]!)), 1),
      events: runs[0]!.events,
      nodeFlags: runs[0]!.nodeFlags,
      hub: runtime === 'compiled' ? 'dist/ (scripts/build-server.mjs)' : 'src/ through tsx',
    })
  }
}

export function runIngestRuntimeRows(): void {
  ensureCompiledHub()
  const flags = servedNodeFlags()
  const runs = ORDER.map((runtime) => runChild(runtime, flags))
  for (const runtime of ['sources', 'compiled'] as const)
    reportRuntime(
      runtime,
      runs.filter((run) => run.runtime === runtime),
    )
}
