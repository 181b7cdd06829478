// transport: nats with the Python skill host: a real nats-server (random port), a real hub, and the
// example Python skill (manifests/examples/python-skill/echo_skill.py) started by the test with
// `--nats`, speaking NATS through localhub_skill's own stdlib client. It serves a tool call in a hub
// turn; killed -9 mid-call, the call fails with E_DEPENDENCY_UNAVAILABLE; a new host re-attaches.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, test } from 'node:test'
import { openHub, type RunningHub } from '../../src/kernel/index.ts'
import { exited } from '../kit/child-process.ts'
import { startNatsServer } from '../kit/nats-server.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitForAsync, watchEvents } from '../kit/wait-for.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const PYTHON_ECHO = join(ROOT, 'manifests/examples/python-skill/echo_skill.py')
const HEARTBEAT_MS = '200'

interface TestContextLike {
  after(fn: () => Promise<void> | void): void
}

async function hubWith(
  t: TestContextLike,
  natsUrl: string,
  skill: string,
  steps: string,
): Promise<RunningHub> {
  const temp = makeTempDir()
  const manifestPath = join(temp.path, 'manifest.yaml')
  writeFileSync(
    manifestPath,
    `manifestVersion: "0.2"
system: { id: python-nats-skill-hub, name: "python nats skills", mode: local-first }
skills:
${skill}
pipelines:
  - id: pipeline.chat.text
    steps:
${steps}
`,
  )
  let hub: RunningHub | undefined
  t.after(async () => {
    await hub?.close()
    temp.remove()
  })
  hub = await openHub({
    dataDir: join(temp.path, 'data'),
    manifestPath,
    port: 0,
    transport: 'memory',
    logger: false,
    env: {
      ...process.env,
      LOCALHUB_BUS: '',
      LOCALHUB_SKILL_NATS: natsUrl,
      LOCALHUB_HEARTBEAT_MS: HEARTBEAT_MS,
    },
  })
  return hub
}

function natsSkill(id: string, subject: string, extra = ''): string {
  return `  - id: ${id}
    version: "0.1"
    role: "probe"
    transport: { type: nats, subject: ${JSON.stringify(subject)}, timeoutMs: 20000 }
    provides: ["nudge.proposal"]
    consumes: []
    latencyClass: background
${extra}`
}

/** The Python example skill as a process of its own; stderr is kept for failure messages. */
function startPythonHost(t: TestContextLike, natsUrl: string, subject: string, skillId: string) {
  const child: ChildProcess = spawn('python3', [PYTHON_ECHO, '--nats', natsUrl, '--subject', subject], {
    cwd: ROOT,
    env: { ...process.env, LOCALHUB_SKILL_ID: skillId, LOCALHUB_HEARTBEAT_MS: HEARTBEAT_MS },
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

async function chat(hub: RunningHub, text: string) {
  const response = await fetch(`${hub.url}/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text, stream: false }),
  })
  return (await response.json()) as {
    ok: boolean
    data?: { text: string }
    error?: { code: string; message: string }
  }
}

async function skillStatus(hub: RunningHub, id: string) {
  const response = await fetch(`${hub.url}/health`, { headers: { authorization: `Bearer ${hub.token}` } })
  const body = (await response.json()) as {
    data: { skills: { id: string; status: string; reason?: string }[] }
  }
  return body.data.skills.find((skill) => skill.id === id)
}

const ready = (hub: RunningHub, id: string, stderr: () => string) =>
  waitForAsync(
    async () => (await skillStatus(hub, id))?.status === 'ready',
    `${id} attached over NATS (python host stderr: ${stderr()})`,
    20_000,
  )

describe('transport: nats with the Python skill host', () => {
  test('the Python host attached over NATS serves a tool call in a hub turn', async (t) => {
    const nats = await startNatsServer({ name: 'python-skills' })
    t.after(() => nats.dispose())
    const subject = 'localhub.test.frames.python_echo'
    const hub = await hubWith(
      t,
      nats.url,
      natsSkill('skill.python.remote', subject),
      `      - { call: "skill.python.remote", mode: "echo" }\n      - { emit: "turn.end" }`,
    )
    assert.equal((await skillStatus(hub, 'skill.python.remote'))?.status, 'degraded', 'no host yet')
    const host = startPythonHost(t, nats.url, subject, 'skill.python.remote')
    await ready(hub, 'skill.python.remote', host.stderr)
    const answer = await chat(hub, 'hello from Python over NATS 🐍 한국어')
    assert.equal(answer.ok, true, JSON.stringify(answer))
    assert.equal(answer.data?.text, 'hello from Python over NATS 🐍 한국어')
    assert.match(host.stderr(), /attached over NATS on localhub\.test\.frames\.python_echo\.\{in,out\}\./)
  })

  test('kill -9 mid-call fails the call with E_DEPENDENCY_UNAVAILABLE; a new Python host re-attaches and serves', async (t) => {
    const nats = await startNatsServer({ name: 'python-skills-kill' })
    t.after(() => nats.dispose())
    const subject = 'localhub.test.frames.python_slow'
    const hub = await hubWith(
      t,
      nats.url,
      natsSkill('skill.python.slow', subject, '    config: { arguments: { delay_ms: 2500 } }\n'),
      `      - { call: "skill.python.slow", mode: "slow_echo" }\n      - { emit: "turn.end" }`,
    )
    const statuses = await watchEvents(hub.bus, 'pipeline.status')
    const first = startPythonHost(t, nats.url, subject, 'skill.python.slow')
    await ready(hub, 'skill.python.slow', first.stderr)
    const turn = chat(hub, 'interrupted')
    await statuses.next(
      (event) =>
        (event.payload as { step: string; state: string }).step.includes('call:skill.python.slow') &&
        (event.payload as { state: string }).state === 'start',
      'the slow step starting',
    )
    const killedAt = performance.now()
    first.child.kill('SIGKILL')
    const failed = await turn
    const detectedMs = performance.now() - killedAt
    assert.equal(failed.ok, false)
    assert.equal(failed.error?.code, 'E_DEPENDENCY_UNAVAILABLE', JSON.stringify(failed))
    assert.match(failed.error?.message ?? '', /missed its heartbeats/)
    assert.ok(detectedMs < 2500, `found dead before the call would have ended (${Math.round(detectedMs)} ms)`)

    const second = startPythonHost(t, nats.url, subject, 'skill.python.slow')
    await ready(hub, 'skill.python.slow', second.stderr)
    const again = await chat(hub, 'back again')
    assert.equal(again.ok, true, JSON.stringify(again))
    assert.equal(again.data?.text, 'back again')
  })

  test('the newest session wins: the replaced Python host is told its stream ended and exits 0', async (t) => {
    const nats = await startNatsServer({ name: 'python-skills-twice' })
    t.after(() => nats.dispose())
    const subject = 'localhub.test.frames.python_twice'
    const hub = await hubWith(
      t,
      nats.url,
      natsSkill('skill.python.twice', subject),
      `      - { call: "skill.python.twice", mode: "echo" }\n      - { emit: "turn.end" }`,
    )
    const first = startPythonHost(t, nats.url, subject, 'skill.python.twice')
    await ready(hub, 'skill.python.twice', first.stderr)
    const firstExit = exited(first.child)
    const second = startPythonHost(t, nats.url, subject, 'skill.python.twice')
    assert.equal(await firstExit, 0, `the replaced host ended cleanly: ${first.stderr()}`)
    await ready(hub, 'skill.python.twice', second.stderr)
    const answer = await chat(hub, 'served by the second')
    assert.equal(answer.data?.text, 'served by the second', JSON.stringify(answer))
  })
})
