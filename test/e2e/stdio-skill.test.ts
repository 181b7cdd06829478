// transport: stdio with a real hub: the example skill (SDK) in a chat turn, a host killed -9 in the
// middle of a turn and of a payload, a host that exits 78, and a payload with a wrong checksum.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, test } from 'node:test'
import { openHub, type RunningHub } from '../../src/kernel/index.ts'
import { hostPid } from '../kit/child-process.ts'
import { openManifestHub } from '../kit/manifest-hub.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitForAsync, watchEvents } from '../kit/wait-for.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const ECHO = join(ROOT, 'examples/skills/frames-echo/index.ts')
const FIXTURE = join(ROOT, 'test/fixtures/skills/frames-fixture-host.ts')
const INVALID = join(ROOT, 'test/conformance/frames/fixtures/invalid-manifest-skill.ts')

interface TestContextLike {
  after(fn: () => Promise<void> | void): void
}

function stdioSkill(id: string, file: string, extra = ''): string {
  return `  - id: ${id}
    version: "0.1"
    role: "probe"
    transport:
      type: stdio
      command: ${JSON.stringify(process.execPath)}
      args: ["--conditions=localhub-source", "--import", "tsx", ${JSON.stringify(file)}]
      cwd: ${JSON.stringify(ROOT)}
      timeoutMs: 20000
    provides: ["nudge.proposal"]
    consumes: []
    latencyClass: background
${extra}`
}

async function hubWith(
  t: TestContextLike,
  skills: string,
  steps: string,
  env?: Record<string, string | undefined>,
): Promise<RunningHub> {
  const manifest = `manifestVersion: "0.2"
system: { id: stdio-hub, name: "stdio", mode: local-first }
skills:
${skills}
pipelines:
  - id: pipeline.chat.text
    steps:
${steps}
`
  const { hub } = await openManifestHub(t, manifest, env === undefined ? {} : { env })
  return hub
}

async function chat(hub: RunningHub, text: string) {
  const response = await fetch(`${hub.url}/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text, stream: false }),
  })
  return {
    status: response.status,
    body: (await response.json()) as {
      ok: boolean
      data?: { text: string }
      error?: { code: string; message: string }
    },
  }
}

async function skillsOf(hub: RunningHub) {
  const response = await fetch(`${hub.url}/health`, { headers: { authorization: `Bearer ${hub.token}` } })
  const body = (await response.json()) as {
    data: { skills: { id: string; status: string; reason?: string }[] }
  }
  return body.data.skills
}

describe('transport: stdio skills in a real hub', () => {
  test('the example skill answers a chat turn through frames; its status is ready', async (t) => {
    const hub = await hubWith(
      t,
      stdioSkill('skill.echo', ECHO),
      `      - { call: "skill.echo", mode: "echo" }\n      - { emit: "turn.end" }`,
    )
    const first = await chat(hub, 'hello over stdio')
    assert.equal(first.status, 200, JSON.stringify(first.body))
    assert.equal(first.body.data?.text, 'hello over stdio')
    const unicode = await chat(hub, '한국어 and emoji 🎉')
    assert.equal(unicode.body.data?.text, '한국어 and emoji 🎉')
    const skill = (await skillsOf(hub)).find((entry) => entry.id === 'skill.echo')
    assert.equal(skill?.status, 'ready')
  })

  test('a hub started with the NATS attach switches in its environment still runs its stdio hosts over their pipes', async (t) => {
    const hub = await hubWith(
      t,
      stdioSkill('skill.echo', ECHO),
      `      - { call: "skill.echo", mode: "echo" }\n      - { emit: "turn.end" }`,
      { ...process.env, LOCALHUB_SKILL_NATS: 'nats://127.0.0.1:9', LOCALHUB_SKILL_SUBJECT: 'skills.echo' },
    )
    const answer = await chat(hub, 'still over the pipe')
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    assert.equal(answer.body.data?.text, 'still over the pipe')
  })

  test('kill -9 mid-turn: the call fails E_DEPENDENCY_UNAVAILABLE, an optional step is skipped, the host restarts and the next turn works', async (t) => {
    const hub = await hubWith(
      t,
      stdioSkill('skill.echo', ECHO) +
        // The kill follows the step's start within milliseconds (the hub runs in this process), so
        // 1.5 s keeps the call in flight; the second turn waits it out in full.
        stdioSkill('skill.slow', ECHO, '    config: { arguments: { delay_ms: 1500 } }\n'),
      `      - { call: "skill.echo", mode: "echo" }
      - { call: "skill.slow", mode: "slow_echo", optional: true }
      - { emit: "turn.end" }`,
    )
    const statuses = await watchEvents(hub.bus, 'pipeline.status')
    const skipped = await watchEvents(hub.bus, 'pipeline.step.skipped')
    const failures = await watchEvents(hub.bus, 'skill.failed')
    const starts = await watchEvents(hub.bus, 'skill.started')
    const firstPid = hostPid('skill.slow')
    assert.ok(firstPid !== undefined, 'the slow host runs')
    const turn = chat(hub, 'goes on')
    await statuses.next(
      (event) =>
        (event.payload as { step: string; state: string }).step.includes('call:skill.slow') &&
        (event.payload as { state: string }).state === 'start',
      'the slow step starting',
    )
    process.kill(firstPid, 'SIGKILL')
    const answer = await turn
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    assert.equal(answer.body.data?.text, 'goes on', 'the turn went on without the optional skill')
    const error = await statuses.next(
      (event) => (event.payload as { errorCode?: string }).errorCode !== undefined,
      'the failed step',
    )
    assert.equal((error.payload as { errorCode: string }).errorCode, 'E_DEPENDENCY_UNAVAILABLE')
    const skip = await skipped.next(() => true, 'the skipped step')
    assert.equal((skip.payload as { reason: string }).reason, 'unavailable')
    // Restarted with backoff: a new process, ready again.
    await waitForAsync(
      async () => (await skillsOf(hub)).find((entry) => entry.id === 'skill.slow')?.status === 'ready',
      'the slow host back',
      15_000,
    )
    const secondPid = hostPid('skill.slow')
    assert.ok(secondPid !== undefined && secondPid !== firstPid, 'a new host process')
    // The restart is on the timeline: skill.failed (will restart) then skill.started with the new pid.
    const failed = await failures.next(
      (event) => (event.payload as { skillId: string }).skillId === 'skill.slow',
      'skill.failed of the killed host',
    )
    assert.equal(failed.source, 'kernel')
    assert.match((failed.payload as { reason: string }).reason, /killed by SIGKILL/)
    assert.equal((failed.payload as { willRestart: boolean }).willRestart, true)
    assert.equal((failed.payload as { restarts: number }).restarts, 1)
    assert.equal(typeof (failed.payload as { nextRestartInMs?: number }).nextRestartInMs, 'number')
    const started = await starts.next(
      (event) => (event.payload as { skillId: string }).skillId === 'skill.slow',
      'skill.started of the restarted host',
    )
    assert.equal((started.payload as { pid: number }).pid, secondPid)
    assert.equal((started.payload as { transport: string }).transport, 'stdio')
    assert.equal(
      starts.events.filter((event) => (event.payload as { skillId: string }).skillId === 'skill.echo').length,
      0,
      'the host that did not crash is not reported again',
    )
    // Both calls answered: the echo, then the slow echo on the restarted host.
    assert.equal((await chat(hub, 'second turn')).body.data?.text, 'second turnsecond turn')
  })

  test('kill -9 mid-payload: the call fails E_DEPENDENCY_UNAVAILABLE; after the restart the same call returns the whole checked payload', async (t) => {
    const temp = makeTempDir()
    t.after(() => temp.remove())
    const marker = join(temp.path, 'stalled')
    const hub = await hubWith(
      t,
      stdioSkill('skill.fixture', FIXTURE, `    config: { arguments: { bytes: 300000 } }\n`).replace(
        '      timeoutMs: 20000',
        `      timeoutMs: 20000\n      env: { FRAMES_FIXTURE_MARKER: ${JSON.stringify(marker)} }`,
      ),
      `      - { call: "skill.fixture", mode: "big_stall" }\n      - { emit: "turn.end" }`,
    )
    const pid = hostPid('skill.fixture')
    assert.ok(pid !== undefined)
    const turn = chat(hub, 'big')
    await waitForAsync(async () => existsSync(marker), 'the host stalled inside its payload', 10_000)
    process.kill(pid, 'SIGKILL')
    const failed = await turn
    assert.equal(failed.body.ok, false)
    assert.equal(failed.body.error?.code, 'E_DEPENDENCY_UNAVAILABLE', JSON.stringify(failed.body))
    await waitForAsync(
      async () => (await skillsOf(hub)).find((entry) => entry.id === 'skill.fixture')?.status === 'ready',
      'the host back',
      15_000,
    )
    const second = await chat(hub, 'big again')
    assert.equal(second.status, 200, JSON.stringify(second.body).slice(0, 300))
    assert.equal(second.body.data?.text, 'x'.repeat(300000), 'the payload arrived whole (checksum checked)')
  })

  test('a wrong payload checksum fails the call (E_IO, checksum_mismatch); the host stays up', async (t) => {
    const hub = await hubWith(
      t,
      stdioSkill('skill.fixture', FIXTURE),
      `      - { call: "skill.fixture", mode: "bad_checksum" }\n      - { emit: "turn.end" }`,
    )
    const failed = await chat(hub, 'tampered')
    assert.equal(failed.body.error?.code, 'E_IO', JSON.stringify(failed.body))
    assert.match(failed.body.error?.message ?? '', /broken payload/)
    assert.equal((await skillsOf(hub)).find((entry) => entry.id === 'skill.fixture')?.status, 'ready')
  })

  test('a host that exits 78 (invalid manifest) is unavailable with the reason and not restarted; an optional step is skipped', async (t) => {
    const hub = await hubWith(
      t,
      stdioSkill('skill.echo', ECHO) + stdioSkill('skill.invalid', INVALID),
      `      - { call: "skill.echo", mode: "echo" }
      - { call: "skill.invalid", optional: true }
      - { emit: "turn.end" }`,
    )
    const entry = (await skillsOf(hub)).find((skill) => skill.id === 'skill.invalid')
    assert.equal(entry?.status, 'unavailable')
    assert.match(entry?.reason ?? '', /invalid_manifest/)
    assert.equal(hostPid('skill.invalid'), undefined, 'not restarted')
    assert.equal((await chat(hub, 'still answers')).body.data?.text, 'still answers')
    await new Promise((done) => setTimeout(done, 600))
    assert.equal(hostPid('skill.invalid'), undefined, 'still not restarted')
  })
})

describe('heartbeats', () => {
  test('LOCALHUB_HEARTBEAT_MS of the hub: a frozen host (SIGSTOP) misses 3 intervals, is killed and restarted', async (t) => {
    const hub = await hubWith(
      t,
      stdioSkill('skill.echo', ECHO),
      `      - { call: "skill.echo", mode: "echo" }\n      - { emit: "turn.end" }`,
      {
        ...process.env,
        LOCALHUB_HEARTBEAT_MS: '200',
      },
    )
    const frozen = hostPid('skill.echo')
    assert.ok(frozen !== undefined)
    process.kill(frozen, 'SIGSTOP')
    await waitForAsync(
      async () => {
        const pid = hostPid('skill.echo')
        return (
          pid !== undefined &&
          pid !== frozen &&
          (await skillsOf(hub)).find((entry) => entry.id === 'skill.echo')?.status === 'ready'
        )
      },
      'a new host after the frozen one',
      20_000,
    )
    assert.equal((await chat(hub, 'alive again')).body.data?.text, 'alive again')
  })
})

describe('the example manifest of docs/writing-a-stdio-skill.md', () => {
  test('examples/skills/frames-echo/manifest.yaml runs as written: POST /chat answers through the skill', async (t) => {
    const temp = makeTempDir()
    let hub: RunningHub | undefined
    t.after(async () => {
      await hub?.close()
      temp.remove()
    })
    hub = await openHub({
      dataDir: join(temp.path, 'data'),
      manifestPath: join(ROOT, 'examples/skills/frames-echo/manifest.yaml'),
      port: 0,
      transport: 'memory',
      logger: false,
    })
    assert.equal((await chat(hub, 'as written')).body.data?.text, 'as written')
  })
})

describe('backpressure from a stdio host', () => {
  test('a host that asks to pause: the hub holds its next call until the host says resume', async (t) => {
    const hub = await hubWith(
      t,
      stdioSkill('skill.fixture', FIXTURE, '    config: { arguments: { ms: 600 } }\n'),
      `      - { call: "skill.fixture", mode: "pause" }
      - { call: "skill.fixture", mode: "echo" }
      - { call: "skill.fixture", mode: "received" }
      - { emit: "turn.end" }`,
    )
    const answer = await chat(hub, 'held')
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    const [paused, echoed, received] = String(answer.body.data?.text).split('\n')
    const { until } = JSON.parse(paused!) as { until: number }
    assert.equal(echoed, 'held')
    const calls = JSON.parse(received!) as { name: string; at: number }[]
    const echo = calls.find((call) => call.name === 'echo')!
    // The host kept reading while paused: the call arrived only once it had said resume.
    assert.ok(echo.at >= until, `the echo call arrived ${until - echo.at} ms before the pause ended`)
  })
})
