import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { ManualClock } from '../../../test/kit/manual-clock.ts'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { settle } from '../../../test/kit/wait-for.ts'
import { CalendarWatcher } from './calendar-watcher.ts'

const quiet = { warn: () => undefined, info: () => undefined, error: () => undefined }

describe('calendar watcher', () => {
  test('announces an item as upcoming at its lead time and as started at its start, each once', async (t) => {
    const temp = makeTempDir()
    t.after(() => temp.remove())
    writeFileSync(
      join(temp.path, 'work.ics'),
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'BEGIN:VEVENT',
        'UID:review',
        'DTSTART:20261205T100000Z',
        'DTEND:20261205T103000Z',
        'SUMMARY:Review',
        'END:VEVENT',
        'END:VCALENDAR',
      ].join('\r\n'),
    )
    writeFileSync(join(temp.path, 'notes.txt'), 'not a calendar')
    const clock = new ManualClock(Date.UTC(2026, 11, 5, 9, 40))
    const seen: string[] = []
    const watcher = new CalendarWatcher({
      clock,
      paths: [temp.path],
      leadMs: 10 * 60_000,
      checkEveryMs: 30_000,
      defaultZone: 'UTC',
      logger: quiet,
      publish: async (occurrence, change, calendar) => {
        seen.push(
          `${new Date(clock.now()).toISOString().slice(11, 19)} ${change} ${occurrence.eventId} ${calendar}`,
        )
      },
    })
    t.after(() => watcher.close())
    watcher.start()
    for (let step = 0; step < 80; step++) {
      clock.advance(30_000)
      await settle(1)
    }
    assert.deepEqual(seen, [
      '09:50:00 upcoming review@2026-12-05T10:00:00.000Z work',
      '10:00:00 started review@2026-12-05T10:00:00.000Z work',
    ])
  })
})
