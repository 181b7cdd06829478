// Skills over stdio frames (docs/frame-protocol.md). (1) Round trip of one small call through the
// hub's stdio host (frame connection + session, JSON-lines over pipes) to the example skill
// (examples/skills/frames-echo, the localhub/skill SDK): p50/p99 of sequential calls. (2) Calls per
// second (2 frames each) with 64 in flight. Both against a raw JSON-lines echo child process in the
// same run (no schema, no numbering: the floor of a pipe round trip). Prints one JSON line per result.
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { createFrameValidator } from '../src/frames/index.ts'
import { startStdioSupervisor } from '../src/kernel/skill-host/index.ts'
import { median, percentile, report } from './stats.ts'

const ROOT = resolve(import.meta.dirname, '..')
const WARMUP = 300
const SEQUENTIAL = 3_000
const PIPELINED = 20_000
const WINDOW = 64
const ROUNDS = 3

// The baseline child: reads a line, writes it back. Nothing else.
const ECHO_CHILD = `const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => process.stdout.write(line + '\\n'));`

interface Target {
  call(): Promise<void>
  close(): Promise<void>
}

async function rawEcho(): Promise<Target> {
  const child = spawn(process.execPath, ['-e', ECHO_CHILD], { stdio: ['pipe', 'pipe', 'inherit'] })
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

async function stdioSkill(): Promise<Target> {
  const logger = { info: () => undefined, warn: () => undefined, error: () => undefined }
  const supervisor = startStdioSupervisor({
    skillId: 'skill.bench',
    command: process.execPath,
    args: ['--conditions=localhub-source', '--import', 'tsx', 'examples/skills/frames-echo/index.ts'],
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
  const targets = { raw_jsonl_echo: await rawEcho(), stdio_skill: await stdioSkill() }
  const latency: Record<string, number[]> = { raw_jsonl_echo: [], stdio_skill: [] }
  const rates: Record<string, number[]> = { raw_jsonl_echo: [], stdio_skill: [] }
  // Alternate the two in each round so load on the machine colours both alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, target] of Object.entries(targets)) {
      latency[name]!.push(...(await roundTrips(target)))
      rates[name]!.push(await callsPerSecond(target))
    }
  }
  for (const name of Object.keys(targets)) {
    report({
      bench: `frames.round_trip.${name}`,
      unit: 'ms',
      median: median(latency[name]!),
      p99: percentile(latency[name]!, 0.99),
      samples: latency[name]!.length,
    })
    report({
      bench: `frames.calls_per_second.${name}`,
      unit: 'calls/s',
      median: median(rates[name]!),
      frames_per_second: median(rates[name]!) * 2,
      window: WINDOW,
      rounds: rates[name]!.map(Math.round),
    })
  }
  report({
    bench: 'frames.ratio',
    unit: 'x',
    median: median(latency.stdio_skill!) / median(latency.raw_jsonl_echo!),
    p99_ratio: percentile(latency.stdio_skill!, 0.99) / percentile(latency.raw_jsonl_echo!, 0.99),
    throughput_ratio: median(rates.stdio_skill!) / median(rates.raw_jsonl_echo!),
  })
  await Promise.all(Object.values(targets).map((target) => target.close()))
}

await main()
