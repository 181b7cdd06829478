// skill.started / skill.failed of transport: stdio skills in a real hub, from the boot on: a host that
// exits at once never reports started and its failures are numbered from 1 with the delays the hub
// really waits; a host that writes what is not a frame on stdout fails with a reason that says so.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, test } from 'node:test'
import type { Envelope } from '../../src/contracts/index.ts'
import { hostPid } from '../kit/child-process.ts'
import { openManifestHub } from '../kit/manifest-hub.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitForAsync, watchEvents } from '../kit/wait-for.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const ECHO = join(ROOT, 'examples/skills/frames-echo/index.ts')

interface TestContextLike {
  after(fn: () => Promise<void> | void): void
}

interface Failed {
  [key: string]: unknown
  skillId: string
  reason: string
  restarts?: number
  willRestart?: boolean
  nextRestartInMs?: number
}

function skillEntry(id: string, command: string, args: readonly string[], timeoutMs: number): string {
  return `  - id: ${id}
    version: "0.1"
    role: "probe"
    transport:
      type: stdio
      command: ${JSON.stringify(command)}
      args: ${JSON.stringify(args)}
      cwd: ${JSON.stringify(ROOT)}
      timeoutMs: ${timeoutMs}
    provides: []
    consumes: []
    latencyClass: background
`
}

/** A hub with these skills; `scripts` are Python programs written to its temp dir and run as skills. */
async function hubWith(t: TestContextLike, scripts: Record<string, string>, extra = '', timeoutMs = 20_000) {
  const temp = makeTempDir()
  let skills = extra
  for (const [id, source] of Object.entries(scripts)) {
    const file = join(temp.path, `${id}.py`)
    writeFileSync(file, source)
    skills += skillEntry(id, 'python3', [file], timeoutMs)
  }
  const manifest = `manifestVersion: "0.2"
system: { id: stdio-lifecycle, name: "stdio lifecycle", mode: local-first }
skills:
${skills}
pipelines:
  - id: pipeline.chat.text
    steps:
      - { emit: "turn.end" }
`
  const { hub } = await openManifestHub(t, manifest, { temp })
  // Everything since the boot, the skill's first start included.
  const events = await watchEvents(hub.bus, 'skill.*', { from: 'first' })
  t.after(() => events.stop())
  return { hub, events }
}

const of = (skillId: string, type: string) => (event: Envelope) =>
  event.type === type && (event.payload as { skillId: string }).skillId === skillId

/** skill.failed of the host itself (numbered from 1); the boot reports no stdio host again. */
const ofHost = (skillId: string) => (event: Envelope) =>
  of(skillId, 'skill.failed')(event) && (event.payload as Failed).restarts !== 0

async function healthOf(hub: { url: string; token: string }, skillId: string) {
  const response = await fetch(`${hub.url}/health`, { headers: { authorization: `Bearer ${hub.token}` } })
  const body = (await response.json()) as {
    data: { skills: { id: string; status: string; reason?: string }[] }
  }
  return body.data.skills.find((skill) => skill.id === skillId)
}

describe('skill.started / skill.failed of stdio skills', () => {
  test('a host that exits at once: no skill.started; skill.failed numbered 1, 2, 3 with the delays waited; a host that came up reports its own pid', async (t) => {
    const { events } = await hubWith(
      t,
      { 'skill.crash': 'import sys\nsys.stderr.write("cannot start: no config\\n")\nraise SystemExit(2)\n' },
      skillEntry(
        'skill.echo',
        process.execPath,
        ['--conditions=localhub-source', '--import', 'tsx', ECHO],
        20_000,
      ),
    )
    const failures = (await events.count(3, 'three failures of skill.crash', ofHost('skill.crash')))
      .slice(0, 3)
      .map((event) => event.payload as Failed)
    assert.deepEqual(
      failures.map((failure) => [failure.restarts, failure.willRestart, failure.nextRestartInMs]),
      [
        [1, true, 250],
        [2, true, 500],
        [3, true, 1000],
      ],
      JSON.stringify(failures),
    )
    for (const failure of failures) {
      assert.match(failure.reason, /exited with code 2/)
      assert.match(failure.reason, /cannot start: no config/, 'the stderr of the host')
      assert.match(failure.reason, new RegExp(`restarting in ${failure.nextRestartInMs} ms`))
    }
    assert.equal(events.events.filter(of('skill.crash', 'skill.started')).length, 0, 'it never came up')
    const started = events.events.filter(of('skill.echo', 'skill.started'))
    assert.equal(started.length, 1, 'one skill.started for the host that came up')
    const pid = (started[0]!.payload as { pid?: number }).pid
    assert.notEqual(pid, process.pid, 'not the hub own pid')
    assert.equal(pid, hostPid('skill.echo'), 'the pid of the host process')
    assert.equal((started[0]!.payload as { transport: string }).transport, 'stdio')
  })

  test('no second skill.failed from the boot for a stdio host that reports its own', async (t) => {
    const { events } = await hubWith(t, { 'skill.crash': 'raise SystemExit(2)\n' })
    await events.count(2, 'two failures of skill.crash', ofHost('skill.crash'))
    const all = events.events
      .filter(of('skill.crash', 'skill.failed'))
      .map((event) => event.payload as Failed)
    assert.deepEqual(
      all.slice(0, 2).map((failure) => [failure.restarts, failure.willRestart]),
      [
        [1, true],
        [2, true],
      ],
      JSON.stringify(all),
    )
  })

  test('a host that writes what is not a frame on stdout: the health and skill.failed say so and quote it', async (t) => {
    const { hub, events } = await hubWith(
      t,
      {
        'skill.noise':
          'import time\nwhile True:\n    print("hello I am not a frame", flush=True)\n    time.sleep(0.02)\n',
      },
      '',
      600,
    )
    const first = (await events.next(ofHost('skill.noise'), 'skill.failed of skill.noise')).payload as Failed
    assert.match(first.reason, /did not send its manifest \(adapter_manifest_sync\) within 600 ms/)
    assert.match(first.reason, /not a frame/)
    assert.match(first.reason, /hello I am not a frame/, 'the first bytes it wrote')
    assert.doesNotMatch(first.reason, /killed by SIGKILL/)
    assert.deepEqual([first.restarts, first.willRestart, first.nextRestartInMs], [1, true, 250])
    // Starting again, the health says why the last one stopped and what this one wrote.
    await waitForAsync(
      async () =>
        /starting its host again.*not a frame/.test((await healthOf(hub, 'skill.noise'))?.reason ?? ''),
      'the health naming the trouble',
      5_000,
    )
    assert.equal(events.events.filter(of('skill.noise', 'skill.started')).length, 0, 'it never came up')
  })

  test('a host that prints non-frames as fast as it can does not come up; the hub stays up and says why', async (t) => {
    const { hub, events } = await hubWith(
      t,
      { 'skill.flood': 'while True:\n    print("hello I am not a frame")\n' },
      '',
      500,
    )
    const first = (await events.next(ofHost('skill.flood'), 'skill.failed of skill.flood')).payload as Failed
    assert.match(first.reason, /within 500 ms/)
    assert.match(first.reason, /hello I am not a frame/)
    assert.equal((await healthOf(hub, 'skill.flood'))?.status, 'degraded')
  })
})
