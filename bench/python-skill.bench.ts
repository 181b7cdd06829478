// The Python skill host (python/localhub_skill) through the hub's stdio skill host: round trip of
// one small call (p50/p99, sequential) and calls per second with 64 in flight, against a raw
// JSON-lines echo child in Python (the floor of a pipe round trip to a Python process) and the
// TypeScript example host, alternated in each round. One JSON line per result.
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { createFrameValidator } from '../src/frames/index.ts'
import { startStdioSupervisor } from '../src/kernel/skill-host/index.ts'
import { median, percentile, report } from './stats.ts'

const ROOT = resolve(import.meta.dirname, '..')
const WARMUP = 200
const SEQUENTIAL = 2_000
const PIPELINED = 10_000
const WINDOW = 64
const ROUNDS = 3

// The baseline: a Python process that reads a line and writes it back, nothing else.
const PYTHON_ECHO = 'import sys\nfor line in sys.stdin:\n    sys.stdout.write(line)\n    sys.stdout.flush()\n'

interface Target {
  call(): Promise<void>
  close(): Promise<void>
}

async function rawPythonEcho(): Promise<Target> {
  const child = spawn('python3', ['-u', '-c', PYTHON_ECHO], { stdio: ['pipe', 'pipe', 'inherit'] })
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

async function stdioSkill(command: string, args: string[]): Promise<Target> {
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

async function roundTrips(target: Target): Promise<number[]> {
  for (let index = 0; index < WARMUP; index++) await target.call()
  const samples: number[] = []
  for (let index = 0; index < SEQUENTIAL; index++) {
    const start = process.hrtime.bigint()
    await target.call()
    samples.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  return samples
}

async function callsPerSecond(target: Target): Promise<number> {
  let started = 0
  const start = process.hrtime.bigint()
  const lane = async () => {
    while (started < PIPELINED) {
      started++
      await target.call()
    }
  }
  await Promise.all(Array.from({ length: WINDOW }, lane))
  return PIPELINED / (Number(process.hrtime.bigint() - start) / 1e9)
}

async function main(): Promise<void> {
  const targets: Record<string, Target> = {
    raw_python_echo: await rawPythonEcho(),
    python_skill: await stdioSkill('python3', ['manifests/examples/python-skill/echo_skill.py']),
    typescript_skill: await stdioSkill(process.execPath, [
      '--conditions=localhub-source',
      '--import',
      'tsx',
      'examples/skills/frames-echo/index.ts',
    ]),
  }
  const latency: Record<string, number[]> = Object.fromEntries(Object.keys(targets).map((name) => [name, []]))
  const rates: Record<string, number[]> = Object.fromEntries(Object.keys(targets).map((name) => [name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, target] of Object.entries(targets)) {
      latency[name]!.push(...(await roundTrips(target)))
      rates[name]!.push(await callsPerSecond(target))
    }
  }
  for (const name of Object.keys(targets)) {
    report({
      bench: `python_skill.round_trip.${name}`,
      unit: 'ms',
      median: median(latency[name]!),
      p99: percentile(latency[name]!, 0.99),
      samples: latency[name]!.length,
    })
    report({
      bench: `python_skill.calls_per_second.${name}`,
      unit: 'calls/s',
      median: median(rates[name]!),
      window: WINDOW,
      rounds: rates[name]!.map(Math.round),
    })
  }
  report({
    bench: 'python_skill.ratio_to_raw_python_echo',
    unit: 'x',
    median: median(latency.python_skill!) / median(latency.raw_python_echo!),
    p99_ratio: percentile(latency.python_skill!, 0.99) / percentile(latency.raw_python_echo!, 0.99),
    throughput_ratio: median(rates.python_skill!) / median(rates.raw_python_echo!),
    python_vs_typescript_median: median(latency.python_skill!) / median(latency.typescript_skill!),
  })
  await Promise.all(Object.values(targets).map((target) => target.close()))
}

await main()
