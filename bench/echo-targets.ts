// Targets shared by the stdio skill benches (frames, python-skill): a raw JSON-lines echo child
// (the floor of a pipe round trip) and a skill host behind the hub's stdio supervisor, each
// answering one small `echo` call; plus the two measurements both benches take of them.
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { createFrameValidator } from '../src/frames/index.ts'
import { startStdioSupervisor } from '../src/kernel/skill-host/index.ts'
import { median, percentile, report } from './stats.ts'

const ROOT = resolve(import.meta.dirname, '..')
/** The TypeScript example skill host (examples/skills/frames-echo) as node arguments. */
export const TS_EXAMPLE_HOST_ARGS: readonly string[] = Object.freeze([
  '--conditions=localhub-source',
  '--import',
  'tsx',
  'examples/skills/frames-echo/index.ts',
])

export interface EchoTarget {
  call(): Promise<void>
  close(): Promise<void>
}

/** A child that echoes JSON lines: each call writes one line and waits for it to come back. */
export function rawEchoChild(command: string, args: string[]): EchoTarget {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  const waiting: (() => void)[] = []
  createInterface({ input: child.stdout }).on('line', (line) => {
    JSON.parse(line)
    waiting.shift()?.()
  })
  let id = 0
  return {
    call: () =>
      new Promise<void>((done) => {
        waiting.push(done)
        child.stdin.write(`${JSON.stringify({ id: ++id, name: 'echo', arguments: { text: 'hi' } })}\n`)
      }),
    close: async () => {
      child.stdin.end()
      await new Promise((done) => child.once('exit', done))
    },
  }
}

/** A skill host started by the hub's stdio supervisor; resolves once it synced its manifest. */
export async function stdioSkill(command: string, args: string[]): Promise<EchoTarget> {
  const logger = { info: () => undefined, warn: () => undefined, error: () => undefined }
  const supervisor = startStdioSupervisor({
    skillId: 'skill.bench',
    command,
    args,
    cwd: ROOT,
    env: process.env,
    subscriptions: [],
    validator: createFrameValidator(),
    logger,
    ports: {
      publish: async () => undefined,
      permission: async () => ({ decision: 'denied', receiptId: null }),
      revokeConsent: async () => ({ ok: false, revokedAt: null, recordHash: null, error: 'not_found' }),
    },
    startTimeoutMs: 60_000,
  })
  await supervisor.started
  if (supervisor.status().state !== 'ready')
    throw new Error(`skill host not ready: ${supervisor.status().reason}`)
  return {
    call: async () => {
      await supervisor.call('echo', { text: 'hi' })
    },
    close: () => supervisor.close(),
  }
}

/** Milliseconds of each of `sequential` calls made one after another, after `warmup` calls. */
export async function roundTrips(target: EchoTarget, warmup: number, sequential: number): Promise<number[]> {
  for (let index = 0; index < warmup; index++) await target.call()
  const samples: number[] = []
  for (let index = 0; index < sequential; index++) {
    const start = process.hrtime.bigint()
    await target.call()
    samples.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  return samples
}

/** Calls per second of `total` calls with `window` in flight at once. */
export async function callsPerSecond(target: EchoTarget, total: number, window: number): Promise<number> {
  let started = 0
  const start = process.hrtime.bigint()
  const lane = async () => {
    while (started < total) {
      started++
      await target.call()
    }
  }
  await Promise.all(Array.from({ length: window }, lane))
  return total / (Number(process.hrtime.bigint() - start) / 1e9)
}

export interface EchoRounds {
  rounds: number
  warmup: number
  sequential: number
  pipelined: number
  window: number
}

/**
 * Round trips (ms) and calls per second of every target, the targets alternated in each round so
 * load on the machine colours them all alike.
 */
export async function measureAlternating(
  targets: Record<string, EchoTarget>,
  plan: EchoRounds,
): Promise<{ latency: Record<string, number[]>; rates: Record<string, number[]> }> {
  const latency: Record<string, number[]> = Object.fromEntries(Object.keys(targets).map((name) => [name, []]))
  const rates: Record<string, number[]> = Object.fromEntries(Object.keys(targets).map((name) => [name, []]))
  for (let round = 0; round < plan.rounds; round++) {
    for (const [name, target] of Object.entries(targets)) {
      latency[name]!.push(...(await roundTrips(target, plan.warmup, plan.sequential)))
      rates[name]!.push(await callsPerSecond(target, plan.pipelined, plan.window))
    }
  }
  return { latency, rates }
}

/**
 * Measures every target (measureAlternating), reports `<prefix>.round_trip.<target>` and
 * `<prefix>.calls_per_second.<target>` lines, closes the targets, and returns the samples for the
 * bench's own ratios. `framesPerCall` adds frames_per_second to the rate lines.
 */
export async function measureAndReport(
  prefix: string,
  targets: Record<string, EchoTarget>,
  plan: EchoRounds & { framesPerCall?: number },
): Promise<{ latency: Record<string, number[]>; rates: Record<string, number[]> }> {
  const samples = await measureAlternating(targets, plan)
  const { latency, rates } = samples
  for (const name of Object.keys(targets)) {
    report({
      bench: `${prefix}.round_trip.${name}`,
      unit: 'ms',
      median: median(latency[name]!),
      p99: percentile(latency[name]!, 0.99),
      samples: latency[name]!.length,
    })
    report({
      bench: `${prefix}.calls_per_second.${name}`,
      unit: 'calls/s',
      median: median(rates[name]!),
      ...(plan.framesPerCall === undefined
        ? {}
        : { frames_per_second: median(rates[name]!) * plan.framesPerCall }),
      window: plan.window,
      rounds: rates[name]!.map(Math.round),
    })
  }
  await Promise.all(Object.values(targets).map((target) => target.close()))
  return samples
}
