// What the transport: nats e2e tests share: a manifest entry for a NATS skill, a hub that meets its
// hosts on a given nats-server, a skill host (the TypeScript example or the Python one) started as
// its own process with --nats, and the few HTTP calls they make.
import { type ChildProcess, spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import type { RunningHub } from '../../src/kernel/index.ts'
import { exited } from './child-process.ts'
import { openManifestHub, type TestContextLike } from './manifest-hub.ts'
import { waitForAsync } from './wait-for.ts'

export const REPO = resolve(import.meta.dirname, '../..')
export const TS_ECHO = join(REPO, 'examples/skills/frames-echo/index.ts')
export const PYTHON_ECHO = join(REPO, 'manifests/examples/python-skill/echo_skill.py')
/** Short heartbeats, so that a dead host is found within a test's patience. */
export const DEFAULT_TEST_HEARTBEAT_MS = '200'

export type HostLanguage = 'typescript' | 'python'

/** One `transport: nats` skill entry of a manifest (YAML text, indented for `skills:`). */
export function natsSkillEntry(id: string, subject: string, extra = ''): string {
  return `  - id: ${id}
    version: "0.1"
    role: "probe"
    transport: { type: nats, subject: ${JSON.stringify(subject)}, timeoutMs: 20000 }
    provides: ["nudge.proposal"]
    consumes: []
    latencyClass: background
${extra}`
}

export interface NatsSkillHubOptions {
  heartbeatMs?: string
  /** More of the hub's environment (NATS credentials, say). */
  env?: Record<string, string>
}

/** A hub whose pipeline.chat.text runs `steps`, meeting NATS skill hosts on `natsUrl`. */
export async function openNatsSkillHub(
  t: TestContextLike,
  natsUrl: string,
  skills: string,
  steps: string,
  options: NatsSkillHubOptions = {},
): Promise<RunningHub> {
  const manifest = `manifestVersion: "0.2"
system: { id: nats-skill-hub, name: "nats skills", mode: local-first }
skills:
${skills}
pipelines:
  - id: pipeline.chat.text
    steps:
${steps}
`
  const { hub } = await openManifestHub(t, manifest, {
    env: {
      ...process.env,
      LOCALHUB_BUS: '',
      LOCALHUB_SKILL_NATS: natsUrl,
      LOCALHUB_HEARTBEAT_MS: options.heartbeatMs ?? DEFAULT_TEST_HEARTBEAT_MS,
      ...options.env,
    },
  })
  return hub
}

export interface StartedHost {
  readonly child: ChildProcess
  stderr(): string
}

export interface HostStart {
  natsUrl: string
  subject: string
  skillId: string
  heartbeatMs?: string
  /** More switches after --nats URL --subject S. */
  args?: readonly string[]
  env?: Record<string, string>
}

/** The example skill of `language` as a process of its own (another machine, as far as the hub knows). */
export function startNatsHost(t: TestContextLike, language: HostLanguage, start: HostStart): StartedHost {
  const nats = ['--nats', start.natsUrl, '--subject', start.subject, ...(start.args ?? [])]
  const [command, args] =
    language === 'typescript'
      ? [process.execPath, ['--conditions=localhub-source', '--import', 'tsx', TS_ECHO, ...nats]]
      : ['python3', [PYTHON_ECHO, ...nats]]
  const child = spawn(command, args, {
    cwd: REPO,
    env: {
      ...process.env,
      LOCALHUB_SKILL_ID: start.skillId,
      LOCALHUB_HEARTBEAT_MS: start.heartbeatMs ?? DEFAULT_TEST_HEARTBEAT_MS,
      ...start.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited(child)
  })
  return { child, stderr: () => stderr }
}

export interface ChatAnswer {
  ok: boolean
  data?: { text: string }
  error?: { code: string; message: string }
}

/** One non-streamed chat turn. */
export async function chatOnce(hub: RunningHub, text: string): Promise<ChatAnswer> {
  const response = await fetch(`${hub.url}/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text, stream: false }),
  })
  return (await response.json()) as ChatAnswer
}

/** The skill's entry of GET /health. */
export async function skillStatus(hub: RunningHub, id: string) {
  const response = await fetch(`${hub.url}/health`, { headers: { authorization: `Bearer ${hub.token}` } })
  const body = (await response.json()) as {
    data: { skills: { id: string; status: string; reason?: string }[] }
  }
  return body.data.skills.find((skill) => skill.id === id)
}

/** Waits until a host attached and synced (the skill is ready); the host's stderr goes in the failure. */
export function waitUntilAttached(hub: RunningHub, id: string, stderr?: () => string): Promise<void> {
  return waitForAsync(
    async () => (await skillStatus(hub, id))?.status === 'ready',
    `${id} attached over NATS${stderr === undefined ? '' : ` (host stderr: ${stderr()})`}`,
    20_000,
  )
}
