import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { waitFor } from './wait-for.ts'

// A federation agent as its own process: examples/federation-agent/run-agent.ts (the localhub/agent
// runtime) with a JSON spec, its stdout lines (one JSON object per phase) collected.

const RUN_AGENT = fileURLToPath(new URL('../../examples/federation-agent/run-agent.ts', import.meta.url))

/** How long an agent may take to start and announce (tsx compiles the runtime on first run). */
export const AGENT_START_TIMEOUT_MS = 30_000

// The agent's lines are arbitrary JSON read field by field.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = any

export interface AgentProcess {
  child: ChildProcess
  /** Each line the agent printed (phase: announced, started, reported, …). */
  lines: Json[]
  output(): string
}

export interface AgentProcessOptions {
  hubUrl: string
  token: string
  /** Where the spec file is written. */
  folder: string
  heartbeatMs: number
  ttlMs: number
  env?: Record<string, string>
}

/** Starts an agent from `spec` and waits until it announced; fails the test if it exits first. */
export async function startAgentProcess(spec: Json, options: AgentProcessOptions): Promise<AgentProcess> {
  const specPath = join(options.folder, `${spec.agent.replace(/\W+/g, '-')}.json`)
  writeFileSync(specPath, JSON.stringify(spec))
  const child = spawn(
    process.execPath,
    ['--conditions=localhub-source', '--import', 'tsx', RUN_AGENT, specPath],
    {
      env: {
        ...process.env,
        LOCALHUB_URL: options.hubUrl,
        LOCALHUB_TOKEN: options.token,
        LOCALHUB_AGENT_HEARTBEAT_MS: String(options.heartbeatMs),
        LOCALHUB_AGENT_TTL_MS: String(options.ttlMs),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  const agent: AgentProcess = { child, lines: [], output: () => output }
  let pending = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
    pending += chunk
    const parts = pending.split('\n')
    pending = parts.pop() ?? ''
    for (const part of parts) if (part.trim() !== '') agent.lines.push(JSON.parse(part))
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  try {
    await waitFor(
      () => agent.lines.some((line) => line.phase === 'announced') || child.exitCode !== null,
      `${spec.agent} to announce`,
      AGENT_START_TIMEOUT_MS,
    )
    assert.equal(child.exitCode, null, `${spec.agent} exited:\n${output}`)
  } catch (error) {
    if (child.exitCode === null) child.kill('SIGKILL')
    throw error
  }
  return agent
}
