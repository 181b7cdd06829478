// `localhub timers` against a real hub on loopback: the scheduler's HTTP API behind the verbs.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { runCommand } from '../../../test/kit/cli-io.ts'
import {
  type ManifestHub,
  openManifestHub,
  schedulerSkill,
  type TestContextLike,
} from '../../../test/kit/manifest-hub.ts'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { watchEvents } from '../../../test/kit/wait-for.ts'
import { run as timers } from './timers.ts'

const SCHEDULER = schedulerSkill([
  'timers:',
  '  - { id: nightly, kind: cron, spec: "0 3 * * *", event: cron.triggered, name: backup }',
])

const WATCHER = `  - id: skill.watcher.system
    version: "0.2"
    role: "signals.system"
    transport: { type: inproc, module: watchers }
    provides: [event.system.health]
    consumes: []
    latencyClass: background`

function hubWith(skills: string, t: TestContextLike): Promise<ManifestHub> {
  return openManifestHub(
    t,
    `manifestVersion: "0.2"\nsystem: { id: timers-cli, name: "timers", mode: local-first }\nskills:\n${skills}\npipelines:\n  - id: pipeline.ticks\n    steps:\n      - { recv: "timer.tick" }\n`,
  )
}

async function localhubTimers(args: string[], dataDir: string) {
  const { code, stdout, stderr } = await runCommand(timers, [...args, '--data', dataDir], { cwd: dataDir })
  return { code, out: stdout, err: stderr }
}

describe('localhub timers', { timeout: 60_000 }, () => {
  test('add, list, run and rm go through the hub, and the fired timer ticks on its bus', async (t) => {
    const { hub, dataDir } = await hubWith(SCHEDULER, t)
    const added = await localhubTimers(['add', 'tea', '--every', '1h', '--input', '{"cup":2}'], dataDir)
    assert.equal(added.code, 0, added.err)
    assert.match(added.out, /^added tea; next run \d{4}-\d\d-\d\dT/)

    const listed = await localhubTimers(['list', '--json'], dataDir)
    assert.equal(listed.code, 0, listed.err)
    const rows = listed.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; kind: string; spec: string; source: string })
    assert.deepEqual(
      rows
        .map(({ id, kind, spec, source }) => ({ id, kind, spec, source }))
        .sort((a, b) => a.id.localeCompare(b.id)),
      [
        { id: 'nightly', kind: 'cron', spec: '0 3 * * *', source: 'manifest' },
        { id: 'tea', kind: 'interval', spec: '3600000', source: 'added' },
      ],
    )
    const table = await localhubTimers(['list'], dataDir)
    assert.match(table.out, /^ID\s+KIND\s+SPEC/)
    assert.match(table.out, /\ntea\s+interval\s+3600000ms\s+timer\.tick/)

    const ticks = await watchEvents(hub.bus, 'timer.tick')
    const fired = await localhubTimers(['run', 'tea'], dataDir)
    assert.equal(fired.code, 0, fired.err)
    assert.match(fired.out, /^fired tea at .* \(run 1\)/)
    await ticks.next((event) => (event.payload as { timerId: string }).timerId === 'tea', 'the tea tick')

    const removed = await localhubTimers(['rm', 'tea'], dataDir)
    assert.equal(removed.code, 0, removed.err)
    const after = await localhubTimers(['list', '--json'], dataDir)
    assert.doesNotMatch(after.out, /"tea"/)
  })

  test('the hub refusing a request prints its code and reason and exits 1', async (t) => {
    const { dataDir } = await hubWith(SCHEDULER, t)
    const badCron = await localhubTimers(['add', 'bad', '--cron', 'every day'], dataDir)
    assert.equal(badCron.code, 1)
    assert.match(badCron.err, /E_VALIDATION: the body: /)
    const manifestTimer = await localhubTimers(['rm', 'nightly'], dataDir)
    assert.equal(manifestTimer.code, 1)
    assert.match(manifestTimer.err, /comes from the manifest; remove it there/)
    const unknown = await localhubTimers(['rm', 'nope'], dataDir)
    assert.equal(unknown.code, 1)
    assert.match(unknown.err, /no added timer nope/)
    const notFired = await localhubTimers(['run', 'nope'], dataDir)
    assert.equal(notFired.code, 1)
    assert.match(notFired.err, /no timer nope/)
  })

  test('usage mistakes exit 2 before any request', async (t) => {
    const temp = makeTempDir()
    t.after(() => temp.remove())
    const noKind = await localhubTimers(['add', 'x'], temp.path)
    assert.equal(noKind.code, 2)
    assert.match(noKind.err, /exactly one of --cron, --at or --every/)
    const badDuration = await localhubTimers(['add', 'x', '--every', 'soon'], temp.path)
    assert.equal(badDuration.code, 2)
    assert.match(badDuration.err, /--every takes a duration/)
    const noVerb = await localhubTimers(['wind'], temp.path)
    assert.equal(noVerb.code, 2)
  })

  test('no running hub, or a hub without the scheduler, says what to do', async (t) => {
    const temp = makeTempDir()
    t.after(() => temp.remove())
    const none = await localhubTimers(['list'], temp.path)
    assert.equal(none.code, 1)
    assert.match(none.err, /no running hub found in .*; start one with `localhub serve/)
    const { dataDir } = await hubWith(WATCHER, t)
    const without = await localhubTimers(['list'], dataDir)
    assert.equal(without.code, 1)
    assert.match(without.err, /has no timers: enable skill\.scheduler/)
  })
})
