import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { ManualClock } from '../../../test/kit/manual-clock.ts'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { settle } from '../../../test/kit/wait-for.ts'
import { type Firing, Scheduler } from './scheduler.ts'
import { SchedulerState } from './scheduler-state.ts'
import { firingEvent } from './timer-events.ts'
import { parseTimer, type TimerDefinition } from './timer-spec.ts'

const quiet = { warn: () => undefined, info: () => undefined, error: () => undefined }
const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS

function open(path: string, clock: ManualClock, timers: TimerDefinition[], fired: Firing[]) {
  const scheduler = new Scheduler({
    clock,
    state: new SchedulerState(path),
    timers,
    maxCatchUp: 3,
    lateGraceMs: MINUTE_MS,
    logger: quiet,
    fire: async (firing) => {
      fired.push(firing)
    },
  })
  scheduler.start()
  return scheduler
}

async function advance(clock: ManualClock, ms: number, stepMs = MINUTE_MS) {
  for (let done = 0; done < ms; done += stepMs) {
    clock.advance(Math.min(stepMs, ms - done))
    await settle(2)
  }
}

function withState(t: { after: (fn: () => void) => void }) {
  const temp = makeTempDir()
  t.after(() => temp.remove())
  return join(temp.path, 'scheduler.json')
}

const iso = (at: number) => new Date(at).toISOString()

describe('scheduler', () => {
  test('an interval fires on its phase and a tick carries its id, kind and count', async (t) => {
    const clock = new ManualClock(Date.UTC(2026, 11, 5, 9))
    const start = clock.now()
    const fired: Firing[] = []
    const timer = parseTimer({ id: 'water', kind: 'interval', spec: 10 * MINUTE_MS }, 'test')
    const scheduler = open(withState(t), clock, [timer], fired)
    t.after(() => scheduler.close())
    await advance(clock, 35 * MINUTE_MS)
    assert.deepEqual(
      fired.map((firing) => firing.scheduledFor - start),
      [10, 20, 30].map((minutes) => minutes * MINUTE_MS),
    )
    const event = firingEvent(fired[2]!)
    assert.equal(event.type, 'timer.tick')
    assert.deepEqual(event.payload, {
      tickId: `water@${iso(start + 30 * MINUTE_MS)}`,
      timerId: 'water',
      kind: 'interval',
      spec: String(10 * MINUTE_MS),
      scheduledFor: iso(start + 30 * MINUTE_MS),
      firedAt: iso(fired[2]!.firedAt),
      count: 3,
    })
    assert.equal(scheduler.list()[0]!.nextAt, start + 40 * MINUTE_MS)
  })

  test('runs missed while the hub was down follow the policy: skip, once, catch_up (bounded)', async (t) => {
    const path = withState(t)
    const clock = new ManualClock(Date.UTC(2026, 11, 5, 9))
    const timers = ['skip', 'once', 'catch_up'].map((missed) =>
      parseTimer({ id: missed, kind: 'cron', spec: '0 * * * *', missed, timezone: 'UTC' }, 'test'),
    )
    const before: Firing[] = []
    const first = open(path, clock, timers, before)
    await advance(clock, HOUR_MS + MINUTE_MS)
    await first.close()
    assert.equal(before.length, 3, 'each fired at 10:00 while running')
    // Down for ten hours, restarted 30 minutes after the last missed run (not on time for any).
    clock.advance(10 * HOUR_MS - 31 * MINUTE_MS)
    const after: Firing[] = []
    const second = open(path, clock, timers, after)
    t.after(() => second.close())
    clock.advance(0)
    await settle(4)
    const byTimer = (id: string) =>
      after.filter((firing) => firing.timer.id === id).map((f) => iso(f.scheduledFor))
    assert.deepEqual(byTimer('skip'), [])
    assert.deepEqual(byTimer('once'), ['2026-12-05T19:00:00.000Z'])
    assert.deepEqual(byTimer('catch_up'), [
      '2026-12-05T17:00:00.000Z',
      '2026-12-05T18:00:00.000Z',
      '2026-12-05T19:00:00.000Z',
    ])
    assert.equal(after.find((firing) => firing.timer.id === 'catch_up')!.count, 2)
    // All three go on at 20:00 as usual.
    await advance(clock, 31 * MINUTE_MS)
    assert.deepEqual(
      after
        .filter((firing) => firing.scheduledFor === Date.UTC(2026, 11, 5, 20))
        .map((f) => f.timer.id)
        .sort(),
      ['catch_up', 'once', 'skip'],
    )
  })

  test('a daily cron job keeps its local time across a DST change', async (t) => {
    const clock = new ManualClock(Date.UTC(2026, 2, 27, 12))
    const fired: Firing[] = []
    const timer = parseTimer(
      {
        id: 'standup',
        kind: 'cron',
        spec: '0 9 * * *',
        timezone: 'Europe/Berlin',
        event: 'cron.triggered',
        name: 'Standup',
      },
      'test',
    )
    const scheduler = open(withState(t), clock, [timer], fired)
    t.after(() => scheduler.close())
    await advance(clock, 3 * 24 * HOUR_MS, 30 * MINUTE_MS)
    // 09:00 in Berlin is 08:00Z before 29 March 2026 and 07:00Z after.
    assert.deepEqual(
      fired.map((firing) => iso(firing.scheduledFor)),
      ['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z'],
    )
    const event = firingEvent(fired[0]!)
    assert.equal(event.type, 'cron.triggered')
    assert.equal((event.payload as { job_name: string }).job_name, 'Standup')
    assert.equal((event.payload as { reason: string }).reason, 'scheduled_task')
  })

  test('a once timer fires once; added timers survive a restart; manifest timers cannot be removed', async (t) => {
    const path = withState(t)
    const clock = new ManualClock(Date.UTC(2026, 11, 5, 9))
    const fired: Firing[] = []
    const manifestTimer = parseTimer(
      { id: 'hb', kind: 'interval', spec: 5000, event: 'heartbeat.tick' },
      'test',
    )
    const first = open(path, clock, [manifestTimer], fired)
    const at = clock.now() + 90_000
    assert.equal(first.add(parseTimer({ id: 'tea', kind: 'once', spec: iso(at) }, 'test')), at)
    assert.throws(() => first.remove('hb'), /comes from the manifest/)
    await first.close()
    const second = open(path, clock, [manifestTimer], fired)
    t.after(() => second.close())
    await advance(clock, 3 * MINUTE_MS, 5000)
    assert.equal(fired.filter((firing) => firing.timer.id === 'tea').length, 1)
    const beats = fired.filter((firing) => firing.timer.id === 'hb')
    assert.equal(beats.length, 36)
    assert.deepEqual(firingEvent(beats[1]!).payload, {
      seq: 1,
      interval_ms: 5000,
      scheduled_for: iso(beats[1]!.scheduledFor),
    })
    assert.deepEqual(
      second.list().map((listing) => [listing.timer.id, listing.source]),
      [
        ['hb', 'manifest'],
        ['tea', 'added'],
      ],
    )
  })

  test('a run that cannot be published is tried again later, then fires once', async (t) => {
    const clock = new ManualClock(Date.UTC(2026, 11, 5, 9))
    const attempts: number[] = []
    let failing = true
    const scheduler = new Scheduler({
      clock,
      state: new SchedulerState(withState(t)),
      timers: [parseTimer({ id: 'tick', kind: 'interval', spec: 60_000 }, 'test')],
      maxCatchUp: 3,
      lateGraceMs: MINUTE_MS,
      logger: quiet,
      fire: async (firing) => {
        attempts.push(clock.now())
        if (failing) throw new Error('the bus is away')
        assert.equal(firing.count, 1)
      },
    })
    t.after(() => scheduler.close())
    scheduler.start()
    await advance(clock, 60_000, 1000)
    assert.equal(attempts.length, 1, 'one try at the due time, no tight loop')
    failing = false
    await advance(clock, 5_000, 1000)
    assert.equal(attempts.length, 2)
    assert.equal(scheduler.list()[0]!.count, 1)
  })

  test('bad timers are refused with what to fix', () => {
    assert.throws(() => parseTimer({ id: 'x', kind: 'cron', spec: 'not cron' }, 'timers[0]'), /timers\[0\]/)
    assert.throws(() => parseTimer({ id: 'x', kind: 'interval', spec: 10 }, 'timers[0]'), /≥ 1000/)
    assert.throws(
      () => parseTimer({ id: 'x', kind: 'cron', spec: '* * * * *', timezone: 'Mars/Base' }, 't'),
      /t:/,
    )
    assert.throws(
      () => parseTimer({ id: 'x', kind: 'once', spec: '2026-01-01T00:00:00Z', missed: 'never' }, 't'),
      /missed/,
    )
  })
})
