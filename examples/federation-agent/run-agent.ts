// A member agent for a second machine (docs/federation.md, "Running an agent"): reads an agent
// spec (JSON), announces it to the hub, heartbeats, and runs the steps the hub dispatches to it.
// Each capability's handler here waits `delayMs` and answers `output` plus what it was given, so
// a plan can be tried end to end before real handlers are written with `localhub/agent`.
//
//   LOCALHUB_URL=http://hub:8787 LOCALHUB_TOKEN=… \
//     node --conditions=localhub-source --import tsx examples/federation-agent/run-agent.ts spec.json
//
// LOCALHUB_TOKEN may be the owner's token or a paired device's member token (`localhub pair`);
// a paired device `P` may run `agent://member/P` or `agent://browser/P` only (decision 2014).
// Optional: LOCALHUB_AGENT_KEY (PEM file of an X25519 key kept across restarts),
// LOCALHUB_AGENT_HEARTBEAT_MS, LOCALHUB_AGENT_TTL_MS. One JSON line per step event on stdout.
import { readFileSync } from 'node:fs'
import { type AgentCapability, dispatchKeyPairFromPem, startAgent } from 'localhub/agent'

interface SpecCapability extends Omit<AgentCapability, 'handler' | 'probe'> {
  delayMs?: number
  output?: Record<string, unknown>
}

interface Spec {
  agent: string
  prioBase?: number
  /** Reported instead of this machine's load (several agents on one machine, tests). */
  load?: number
  capabilities: SpecCapability[]
}

function fail(message: string): never {
  process.stderr.write(`run-agent: ${message}\n`)
  process.exit(2)
}

const specPath = process.argv[2] ?? fail('usage: run-agent.ts <spec.json>')
const spec = JSON.parse(readFileSync(specPath, 'utf8')) as Spec
const hubUrl = process.env.LOCALHUB_URL ?? fail('set LOCALHUB_URL to the hub (http://host:port)')
const token = process.env.LOCALHUB_TOKEN ?? fail('set LOCALHUB_TOKEN to a token the hub accepts')
const number = (name: string) => (process.env[name] === undefined ? undefined : Number(process.env[name]))
const line = (record: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(record)}\n`)

const running = await startAgent(
  {
    agent: spec.agent,
    ...(spec.prioBase === undefined ? {} : { prioBase: spec.prioBase }),
    capabilities: spec.capabilities.map(({ delayMs, output, ...capability }) => ({
      ...capability,
      handler: async (step) => {
        await new Promise((resolve) => setTimeout(resolve, delayMs ?? 0))
        return { ...output, by: spec.agent, inputs: step.inputs, slots: step.slots }
      },
    })),
  },
  {
    hubUrl,
    token,
    ...(process.env.LOCALHUB_AGENT_KEY === undefined
      ? {}
      : { keys: dispatchKeyPairFromPem(readFileSync(process.env.LOCALHUB_AGENT_KEY, 'utf8')) }),
    ...(number('LOCALHUB_AGENT_HEARTBEAT_MS') === undefined
      ? {}
      : { heartbeatMs: number('LOCALHUB_AGENT_HEARTBEAT_MS') }),
    ...(number('LOCALHUB_AGENT_TTL_MS') === undefined ? {} : { ttlMs: number('LOCALHUB_AGENT_TTL_MS') }),
    ...(spec.load === undefined ? {} : { load: () => spec.load as number }),
    onStep: (event) => line({ agent: spec.agent, ...event }),
    onError: (error) => process.stderr.write(`run-agent: ${(error as Error).message}\n`),
  },
)
line({ agent: spec.agent, phase: 'announced' })
const stop = () => {
  running.close().then(() => process.exit(0))
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
