import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import type { Envelope } from '../../src/contracts/index.ts'
import { openHub, type RunningHub } from '../../src/kernel/index.ts'
import { schedulerSkill } from '../kit/manifest-hub.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitForAsync, watchEvents } from '../kit/wait-for.ts'

// Signals and attention end to end: real watchers on a temp folder, the scheduler, and triage in
// pipeline.proactive.nudge, each hub on loopback port 0 with its own data directory.

const TRIAGE = `  - id: skill.proactive.triage
    version: "0.2"
    role: "attention-manager"
    transport: { type: inproc, module: proactive }
    provides: [nudge.proposal, nudge.dispatch, ui.nudge]
    consumes: [event.fs.changed, event.system.health, event.git.build_failed, ui.interruptibility, ui.feedback]
    latencyClass: hybrid
    config:
      rateLimits: { maxVoiceNudgesPerHour: 2, maxToastsPerHour: 6 }
    policies:
      ladder:
        - { level: 1, channel: "dashboard_only", when: "low" }
        - { level: 2, channel: "toast", when: "medium" }
        - { level: 3, channel: "voice", when: "high_and_actionable" }`

const NUDGE_PIPELINE = `  - id: pipeline.proactive.nudge
    steps:
      - { recv: "event.>" }
      - { call: "skill.proactive.triage" }
      - { if: "needs_user_attention", then: "emit:nudge.dispatch" }`

function manifest(skills: string): string {
  return `manifestVersion: "0.2"
system: { id: signals-test, name: "signals", mode: local-first }
skills:
${skills}
pipelines:
${NUDGE_PIPELINE}
`
}

type After = { after: (fn: () => Promise<void> | void) => void }

async function startHub(text: string, dataDir: string): Promise<RunningHub> {
  const manifestPath = join(dataDir, '..', 'manifest.yaml')
  writeFileSync(manifestPath, text)
  return openHub({ dataDir, manifestPath, port: 0, transport: 'memory', logger: false })
}

async function hubWith(text: string, t: After) {
  const temp = makeTempDir()
  const dataDir = join(temp.path, 'data')
  let hub: RunningHub | undefined = await startHub(text, dataDir)
  t.after(async () => {
    await hub?.close()
    temp.remove()
  })
  return {
    temp,
    dataDir,
    hub: () => hub!,
    restart: async () => {
      await hub?.close()
      hub = undefined
      hub = await startHub(text, dataDir)
      return hub
    },
  }
}

async function getJson<T>(hub: RunningHub, path: string): Promise<T> {
  const response = await fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${hub.token}` } })
  return ((await response.json()) as { data: T }).data
}

function buildFailed(project: string) {
  return {
    type: 'event.git.build_failed' as const,
    payload: { project, logPath: `/tmp/${project}/build.log`, exitCode: 1 },
  }
}

const channelOf = (event: Envelope) => (event.payload as { channel: string }).channel

describe('signals and attention', () => {
  test('a file written under a watched folder becomes event.fs.changed within the debounce', async (t) => {
    const temp = makeTempDir()
    t.after(() => temp.remove())
    const watched = join(temp.path, 'watched')
    mkdirSync(join(watched, 'notes'), { recursive: true })
    const { hub } = await hubWith(
      manifest(`  - id: skill.watcher.filesystem
    version: "0.2"
    role: "signals.fs"
    transport: { type: inproc, module: watchers }
    provides: [event.fs.changed]
    consumes: []
    latencyClass: background
    config: { watchPaths: [${JSON.stringify(watched)}], debounceMs: 150 }
${TRIAGE}`),
      t,
    )
    const changes = await watchEvents(hub().bus, 'event.fs.changed')
    const written = Date.now()
    writeFileSync(join(watched, 'notes', 'plan.md'), '# plan')
    const change = await changes.next(() => true, 'the file change')
    const latencyMs = Date.now() - written
    assert.deepEqual(
      { path: (change.payload as { path: string }).path, kind: (change.payload as { kind: string }).kind },
      { path: 'notes/plan.md', kind: 'create' },
    )
    // Goal: debounce + 50 ms; a shared CI machine gets a wider margin.
    assert.ok(latencyMs < 150 + 1000, `event.fs.changed took ${latencyMs} ms`)
    const health = await getJson<{ status: string }>(hub(), '/health')
    assert.equal(health.status, 'ok')
  })

  test('system health over the manifest thresholds is reported with a severity and becomes a nudge', async (t) => {
    const { hub } = await hubWith(
      manifest(`  - id: skill.watcher.system
    version: "0.2"
    role: "signals.system"
    transport: { type: inproc, module: watchers }
    provides: [event.system.health]
    consumes: []
    latencyClass: background
    # Thresholds every machine is over: ram and disk are never 0.1% in use.
    config: { sampleEverySec: 1, thresholds: { ram: 0.001, disk: 0.001 } }
${TRIAGE}`),
      t,
    )
    const health = await watchEvents(hub().bus, 'event.system.health', { from: 'first' })
    const proposals = await watchEvents(hub().bus, 'nudge.proposal', { from: 'first' })
    const report = await health.next(() => true, 'a health report')
    assert.ok(['warn', 'error'].includes(report.severity), `severity ${report.severity}`)
    const payload = report.payload as Record<string, number>
    for (const metric of ['cpu', 'ram', 'disk', 'vram'])
      assert.ok(payload[metric]! >= 0 && payload[metric]! <= 1)
    const proposal = await proposals.next(() => true, 'a nudge for the health report')
    assert.match((proposal.payload as { title: string }).title, /resources/)
  })

  test('health at 0.99 and a failed build nudge by voice; a burst of 50 never exceeds the hourly limits', async (t) => {
    const { hub } = await hubWith(manifest(TRIAGE), t)
    const nudges = await watchEvents(hub().bus, 'nudge.>')
    const ends = await watchEvents(hub().bus, 'turn.end')
    await hub().bus.publish({
      type: 'event.system.health',
      payload: { cpu: 0.99, ram: 0.99, vram: 0, disk: 0.99 },
      severity: 'error',
    })
    await hub().bus.publish(buildFailed('app'))
    const dispatches = await nudges.count(2, 'two dispatches', (event) => event.type === 'nudge.dispatch')
    assert.deepEqual(dispatches.map(channelOf), ['voice', 'voice'])
    for (let index = 0; index < 50; index++) await hub().bus.publish(buildFailed(`burst-${index}`))
    await ends.count(52, 'every signal’s run to end', undefined, 30_000)
    const all = nudges.events.filter((event) => event.type === 'nudge.dispatch')
    const count = (channel: string) => all.filter((event) => channelOf(event) === channel).length
    assert.equal(count('voice'), 2, 'no voice nudge beyond the two of the hour')
    assert.equal(count('toast'), 6)
    assert.equal(all.length, 52, 'a limited nudge degrades, it does not disappear')
    assert.ok(all.slice(2).every((event) => (event.payload as { rateLimited: boolean }).rateLimited))
    // Every proposal is there for the dashboard list, each dispatch names its proposal.
    const proposals = nudges.events.filter((event) => event.type === 'nudge.proposal')
    assert.equal(proposals.length, 52)
    const ids = new Set(proposals.map((event) => event.id))
    assert.ok(all.every((event) => ids.has((event.payload as { proposalId: string }).proposalId)))
    // The dashboard's list: a ui.nudge per proposal, on the channel it was delivered on.
    const shown = await watchEvents(hub().bus, 'ui.nudge', { from: 'first' })
    await shown.count(52, 'a ui.nudge per proposal')
    assert.deepEqual(
      shown.events.map((event) => (event.payload as { proposalId: string }).proposalId).sort(),
      [...ids].sort(),
    )
    assert.equal(shown.events.filter((event) => channelOf(event) === 'voice').length, 2)
    const attention = await getJson<{ used: { voice: number; toast: number } }>(hub(), '/attention')
    assert.deepEqual(attention.used, { voice: 2, toast: 6 })
  })

  test('dnd mutes voice nudges, and the rate window survives a restart', async (t) => {
    const opened = await hubWith(manifest(TRIAGE), t)
    let hub = opened.hub()
    await hub.bus.publish({ type: 'ui.interruptibility', payload: { mode: 'dnd' } })
    await waitForAsync(
      async () => (await getJson<{ mode: string }>(hub, '/attention')).mode === 'dnd',
      'triage to hear dnd',
    )
    let nudges = await watchEvents(hub.bus, 'nudge.dispatch')
    await hub.bus.publish(buildFailed('quiet'))
    const muted = await nudges.next(() => true, 'the muted dispatch')
    assert.equal(channelOf(muted), 'dashboard_only')
    await hub.bus.publish({ type: 'ui.interruptibility', payload: { mode: 'available' } })
    await waitForAsync(
      async () => (await getJson<{ mode: string }>(hub, '/attention')).mode === 'available',
      'triage to hear available',
    )
    await hub.bus.publish(buildFailed('one'))
    await hub.bus.publish(buildFailed('two'))
    await nudges.count(3, 'two voice dispatches')
    assert.deepEqual(nudges.events.slice(1).map(channelOf), ['voice', 'voice'])
    hub = await opened.restart()
    assert.equal((await getJson<{ mode: string }>(hub, '/attention')).mode, 'available')
    nudges = await watchEvents(hub.bus, 'nudge.dispatch')
    await hub.bus.publish(buildFailed('three'))
    const afterRestart = await nudges.next(() => true, 'a dispatch after the restart')
    assert.equal(channelOf(afterRestart), 'toast')
    assert.equal((afterRestart.payload as { rateLimited: boolean }).rateLimited, true)
  })

  test('an .ics item starting soon becomes calendar.event upcoming and, through its own pipeline, a toast', async (t) => {
    const temp = makeTempDir()
    t.after(() => temp.remove())
    const stamp = (ms: number) =>
      new Date(ms)
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z')
    const startsAt = Date.now() + 5 * 60_000
    writeFileSync(
      join(temp.path, 'work.ics'),
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'BEGIN:VEVENT',
        'UID:review',
        `DTSTART:${stamp(startsAt)}`,
        `DTEND:${stamp(startsAt + 30 * 60_000)}`,
        'SUMMARY:Design review',
        'END:VEVENT',
        'END:VCALENDAR',
      ].join('\r\n'),
    )
    const text = manifest(`  - id: skill.watcher.calendar
    version: "0.2"
    role: "signals.calendar"
    transport: { type: inproc, module: watchers }
    provides: [calendar.event]
    consumes: []
    latencyClass: background
    config: { calendarPaths: [${JSON.stringify(temp.path)}], leadMinutes: 10 }
${TRIAGE.replace('consumes: [', 'consumes: [calendar.event, ')}`).concat(`  - id: pipeline.proactive.calendar
    steps:
      - { recv: "calendar.event" }
      - { call: "skill.proactive.triage" }
      - { if: "needs_user_attention", then: "emit:nudge.dispatch" }
`)
    const { hub } = await hubWith(text, t)
    const items = await watchEvents(hub().bus, 'calendar.event', { from: 'first' })
    const dispatches = await watchEvents(hub().bus, 'nudge.dispatch', { from: 'first' })
    const item = await items.next(() => true, 'the upcoming item')
    assert.equal((item.payload as { change: string }).change, 'upcoming')
    assert.equal((item.payload as { calendar: string }).calendar, 'work')
    const dispatch = await dispatches.next(() => true, 'a dispatch for the item')
    assert.equal(channelOf(dispatch), 'toast')
  })

  test('the scheduler publishes heartbeat.tick and timer.tick, and lists its timers with their next run', async (t) => {
    const { hub } = await hubWith(
      manifest(`${schedulerSkill(['heartbeatEverySec: 1', 'timers:', '  - { id: every-second, kind: interval, spec: 1000 }'])}
${TRIAGE}`),
      t,
    )
    const ticks = await watchEvents(hub().bus, 'timer.tick')
    const beats = await watchEvents(hub().bus, 'heartbeat.tick')
    const tick = await ticks.next(() => true, 'a timer.tick')
    assert.equal((tick.payload as { timerId: string }).timerId, 'every-second')
    await beats.next(() => true, 'a heartbeat.tick')
    const timers = await getJson<{ id: string; nextAt: string | null }[]>(hub(), '/timers')
    assert.deepEqual(timers.map((timer) => timer.id).sort(), ['every-second', 'heartbeat'])
    assert.ok(timers.every((timer) => timer.nextAt !== null))
    const result = await hub().bus.request('timer.schedule', {
      kind: 'cron',
      cron: '0 9 * * 1',
      timezone: 'Europe/Berlin',
    })
    const data = (result.payload as { ok: boolean; data: { timerId: string; nextFireAt: string } }).data
    assert.match(data.nextFireAt, /T0[78]:00:00/)
    const listed = await getJson<{ id: string }[]>(hub(), '/timers')
    assert.ok(listed.some((timer) => timer.id === data.timerId))
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${hub().url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${hub().token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    const refused = await call('POST', '/timers', { id: 'bad', kind: 'cron', spec: 'every day' })
    assert.equal(refused.status, 422)
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'E_VALIDATION')
    const added = await call('POST', '/timers', { id: 'tea', kind: 'interval', spec: 3_600_000 })
    assert.equal(added.status, 200)
    const fired = await call('POST', '/timers/tea/run')
    assert.equal(((await fired.json()) as { data: { count: number } }).data.count, 1)
    await ticks.next((event) => (event.payload as { timerId: string }).timerId === 'tea', 'the manual tick')
    assert.equal((await call('DELETE', '/timers/tea')).status, 200)
    assert.equal((await call('DELETE', '/timers/heartbeat')).status, 400, 'manifest timers stay')
  })
})
