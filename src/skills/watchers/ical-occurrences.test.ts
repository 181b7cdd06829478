import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { occurrencesIn, wallTimeToUtc } from './ical-occurrences.ts'

function calendar(...items: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//localhub test//EN', ...items, 'END:VCALENDAR'].join(
    '\r\n',
  )
}

const iso = (ms: number) => new Date(ms).toISOString()

const STANDUP = [
  'BEGIN:VEVENT',
  'UID:standup@example',
  'DTSTART;TZID=Europe/Berlin:20260325T090000',
  'DTEND;TZID=Europe/Berlin:20260325T091500',
  'RRULE:FREQ=DAILY;COUNT=8',
  'EXDATE;TZID=Europe/Berlin:20260327T090000',
  'SUMMARY:Standup',
  'LOCATION:Room 1',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:standup@example',
  'RECURRENCE-ID;TZID=Europe/Berlin:20260328T090000',
  'DTSTART;TZID=Europe/Berlin:20260328T100000',
  'DTEND;TZID=Europe/Berlin:20260328T101500',
  'SUMMARY:Standup (moved)',
  'END:VEVENT',
].join('\r\n')

describe('ics occurrences', () => {
  test('a daily item keeps 09:00 Berlin across the DST change, with an exclusion and a moved occurrence', () => {
    const occurrences = occurrencesIn(calendar(STANDUP), Date.UTC(2026, 2, 25), Date.UTC(2026, 3, 1), 'UTC')
    assert.deepEqual(
      occurrences.map((entry) => `${iso(entry.startsAt)} ${entry.title}`),
      [
        '2026-03-25T08:00:00.000Z Standup',
        '2026-03-26T08:00:00.000Z Standup',
        '2026-03-28T09:00:00.000Z Standup (moved)',
        '2026-03-29T07:00:00.000Z Standup',
        '2026-03-30T07:00:00.000Z Standup',
        '2026-03-31T07:00:00.000Z Standup',
      ],
    )
    assert.equal(occurrences[2]!.eventId, 'standup@example@2026-03-28T08:00:00.000Z')
    assert.equal(occurrences[0]!.endsAt - occurrences[0]!.startsAt, 15 * 60_000)
    assert.equal(occurrences[0]!.location, 'Room 1')
  })

  test('UTC, floating and cancelled items; a VTIMEZONE with a non-IANA name', () => {
    const text = calendar(
      'BEGIN:VTIMEZONE',
      'TZID:Custom Plus Two',
      'BEGIN:STANDARD',
      'DTSTART:19700101T000000',
      'TZOFFSETFROM:+0200',
      'TZOFFSETTO:+0200',
      'END:STANDARD',
      'END:VTIMEZONE',
      'BEGIN:VEVENT',
      'UID:utc',
      'DTSTART:20261205T120000Z',
      'DTEND:20261205T130000Z',
      'SUMMARY:In UTC',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:floating',
      'DTSTART:20261205T120000',
      'DTEND:20261205T123000',
      'SUMMARY:Floating',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:custom',
      'DTSTART;TZID=Custom Plus Two:20261205T120000',
      'DTEND;TZID=Custom Plus Two:20261205T123000',
      'SUMMARY:Custom zone',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:off',
      'DTSTART:20261205T140000Z',
      'STATUS:CANCELLED',
      'SUMMARY:Called off',
      'END:VEVENT',
    )
    const occurrences = occurrencesIn(text, Date.UTC(2026, 11, 5), Date.UTC(2026, 11, 6), 'America/New_York')
    assert.deepEqual(
      occurrences.map((entry) => `${iso(entry.startsAt)} ${entry.title}`),
      [
        '2026-12-05T10:00:00.000Z Custom zone',
        '2026-12-05T12:00:00.000Z In UTC',
        '2026-12-05T17:00:00.000Z Floating',
      ],
    )
  })

  test('wall time to UTC across both DST edges', () => {
    const at = (day: number, hour: number) => ({ year: 2026, month: 3, day, hour, minute: 30, second: 0 })
    assert.equal(iso(wallTimeToUtc(at(28, 9), 'Europe/Berlin')), '2026-03-28T08:30:00.000Z')
    assert.equal(iso(wallTimeToUtc(at(29, 9), 'Europe/Berlin')), '2026-03-29T07:30:00.000Z')
    assert.equal(
      iso(wallTimeToUtc({ year: 2026, month: 10, day: 25, hour: 12, minute: 0, second: 0 }, 'Europe/Berlin')),
      '2026-10-25T11:00:00.000Z',
    )
  })
})
