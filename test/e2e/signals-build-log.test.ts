import assert from 'node:assert/strict'
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Envelope } from '../../src/contracts/index.ts'
import { openHub, type RunningHub } from '../../src/kernel/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { watchEvents } from '../kit/wait-for.ts'

// The build log watcher on real files: text appended to a watched log (found by a glob) becomes one
// event.git.build_failed per failure, and a restart reports neither old content nor a failure twice.

function manifest(glob: string): string {
  return `manifestVersion: "0.2"
system: { id: build-log-test, name: "build logs", mode: local-first }
skills:
  - id: skill.watcher.build
    version: "0.2"
    role: "signals.build"
    transport: { type: inproc, module: watchers }
    provides: [event.git.build_failed]
    consumes: []
    latencyClass: background
    config: { buildLogs: [${JSON.stringify(glob)}], settleMs: 200 }
  - id: skill.proactive.triage
    version: "0.2"
    role: "attention-manager"
    transport: { type: inproc, module: proactive }
    provides: [nudge.proposal, nudge.dispatch]
    consumes: [event.git.build_failed]
    latencyClass: hybrid
    policies:
      ladder:
        - { level: 1, channel: "dashboard_only", when: "low" }
        - { level: 2, channel: "toast", when: "medium" }
        - { level: 3, channel: "voice", when: "high_and_actionable" }
pipelines:
  - id: pipeline.proactive.nudge
    steps:
      - { recv: "event.>" }
      - { call: "skill.proactive.triage" }
      - { if: "needs_user_attention", then: "emit:nudge.dispatch" }
`
}

const failureOf = (event: Envelope) => event.payload as { project: string; logPath: string; exitCode: number }

test('a watched build log reports each failure once, and nothing old after a restart', async (t) => {
  const temp = makeTempDir()
  const dataDir = join(temp.path, 'data')
  const projects = join(temp.path, 'projects')
  const log = join(projects, 'app', 'build.log')
  mkdirSync(join(projects, 'app'), { recursive: true })
  mkdirSync(join(projects, 'api'), { recursive: true })
  // A failure that happened before the hub watched: old content, never reported.
  writeFileSync(log, 'npm ERR! code ELIFECYCLE\nnpm ERR! errno 9\n')
  const manifestPath = join(temp.path, 'manifest.yaml')
  writeFileSync(manifestPath, manifest(join(projects, '*', 'build.log')))
  const open = () => openHub({ dataDir, manifestPath, port: 0, transport: 'memory', logger: false })
  let hub: RunningHub | undefined = await open()
  t.after(async () => {
    await hub?.close()
    temp.remove()
  })
  let failures = await watchEvents(hub.bus, 'event.git.build_failed')
  const dispatches = await watchEvents(hub.bus, 'nudge.dispatch')

  // One build's several error lines, in two appends: one failure, with the code npm named.
  appendFileSync(log, '> app@1.0.0 build\n> tsc\nsrc/a.ts(1,1): error TS2304\nnpm ERR! code ELIFECYCLE\n')
  appendFileSync(log, 'npm ERR! errno 2\nnpm ERR! app@1.0.0 build: `tsc`\n')
  const first = await failures.next(() => true, 'the npm failure')
  assert.deepEqual(failureOf(first), { project: 'app', logPath: log, exitCode: 2 })
  const dispatch = await dispatches.next(() => true, 'the nudge for the failure')
  assert.equal((dispatch.payload as { channel: string }).channel, 'voice')

  // A good build makes nothing: the next event is the following failure, in a log the glob finds
  // after the hub started (all of a new log is new).
  appendFileSync(log, '> app@1.0.0 build\n> tsc\nexited with code 0\n')
  const apiLog = join(projects, 'api', 'build.log')
  writeFileSync(apiLog, 'Compiling api\nmake: *** [Makefile:3: all] Error 4')
  const second = await failures.next((event) => event.id !== first.id, 'the make failure')
  assert.deepEqual(failureOf(second), { project: 'api', logPath: apiLog, exitCode: 4 })
  assert.equal(failures.events.length, 2)

  // Down for a while: the failure appended meanwhile is read on start; nothing before it again.
  await hub.close()
  hub = undefined
  appendFileSync(log, 'Gradle\nBUILD FAILED in 3s\n')
  hub = await open()
  failures = await watchEvents(hub.bus, 'event.git.build_failed', { from: 'first' })
  appendFileSync(apiLog, '\nCommand failed with exit code 7.\n')
  const bothSides = await failures.count(2, 'the failure from downtime and a new one', undefined, 10_000)
  const seen = bothSides.map((event) => `${failureOf(event).project}:${failureOf(event).exitCode}`).sort()
  // Stored events from before the restart (from: 'first') are the two seen already, plus these two.
  assert.deepEqual(
    seen.filter((entry) => !['app:2', 'api:4'].includes(entry)),
    ['api:7', 'app:1'],
    `events after the restart: ${seen.join(', ')}`,
  )
  assert.equal(seen.filter((entry) => entry === 'app:9').length, 0, 'old content is never reported')
})
