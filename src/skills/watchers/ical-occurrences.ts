import ICAL from 'ical.js'
import { isTimeZone, wallTimeToUtc } from './time-zones.ts'

export { wallTimeToUtc }

/** One occurrence of a calendar item, times in epoch milliseconds. */
export interface CalendarOccurrence {
  /** The item's UID and the occurrence's original start: stable across edits of a single occurrence. */
  readonly eventId: string
  readonly title: string
  readonly startsAt: number
  readonly endsAt: number
  readonly location?: string
}

/** Occurrences looked at per recurring item, so an endless rule far in the past stays cheap. */
export const MAX_OCCURRENCES_SCANNED = 5_000

/**
 * Reads an .ics text and lists the occurrences that overlap [fromMs, toMs): recurring items are
 * expanded by ical.js (RRULE, RDATE, EXDATE, moved occurrences); cancelled ones are left out.
 * Times with a TZID are read in that zone (an IANA name, or the file's own VTIMEZONE), floating
 * times and all-day items in `defaultZone`.
 */
export function occurrencesIn(
  text: string,
  fromMs: number,
  toMs: number,
  defaultZone: string,
): CalendarOccurrence[] {
  const calendar = new ICAL.Component(ICAL.parse(text))
  const zones = new Map<string, ICAL.Timezone>()
  for (const component of calendar.getAllSubcomponents('vtimezone')) {
    const zone = new ICAL.Timezone(component)
    zones.set(zone.tzid, zone)
  }
  // Occurrence times made by the iterator do not keep their TZID: it is read from the item's property.
  const toMsOf = (time: ICAL.Time, tzid: string | undefined): number => {
    if (time.zone?.tzid === 'UTC') return time.toJSDate().getTime()
    if (tzid !== undefined && isTimeZone(tzid)) return wallTimeToUtc(time, tzid)
    const own = tzid === undefined ? undefined : zones.get(tzid)
    if (own !== undefined) {
      const zoned = ICAL.Time.fromData(
        {
          year: time.year,
          month: time.month,
          day: time.day,
          hour: time.hour,
          minute: time.minute,
          second: time.second,
        },
        own,
      )
      return zoned.toUnixTime() * 1000
    }
    return wallTimeToUtc(time, defaultZone)
  }
  const tzidOf = (item: ICAL.Event, name: 'dtstart' | 'dtend' | 'recurrence-id'): string | undefined => {
    const property =
      item.component.getFirstProperty(name) ??
      (name === 'dtend' ? item.component.getFirstProperty('dtstart') : null)
    const tzid = property?.getParameter('tzid')
    return typeof tzid === 'string' ? tzid : undefined
  }
  const byUid = new Map<string, ICAL.Event[]>()
  for (const component of calendar.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(component)
    const list = byUid.get(event.uid) ?? []
    list.push(event)
    byUid.set(event.uid, list)
  }
  const occurrences: CalendarOccurrence[] = []
  const cancelled = (event: ICAL.Event) =>
    String(event.component.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED'
  for (const [uid, events] of byUid) {
    const master = events.find((event) => !event.isRecurrenceException()) ?? events[0]!
    for (const exception of events)
      if (exception !== master && exception.isRecurrenceException()) master.relateException(exception)
    const add = (item: ICAL.Event, start: ICAL.Time, end: ICAL.Time, recurrenceId: ICAL.Time) => {
      const startsAt = toMsOf(start, tzidOf(item, 'dtstart'))
      const endsAt = Math.max(startsAt, toMsOf(end, tzidOf(item, 'dtend')))
      if (cancelled(item) || endsAt < fromMs || startsAt >= toMs) return
      const location = item.location
      occurrences.push({
        // The original start names an occurrence, even one that was moved.
        eventId: `${uid}@${new Date(toMsOf(recurrenceId, tzidOf(master, 'dtstart'))).toISOString()}`.slice(
          0,
          200,
        ),
        title: item.summary ?? '',
        startsAt,
        endsAt,
        ...(location ? { location } : {}),
      })
    }
    if (!master.isRecurring()) {
      add(master, master.startDate, master.endDate, master.startDate)
      continue
    }
    const iterator = master.iterator()
    for (let scanned = 0; scanned < MAX_OCCURRENCES_SCANNED; scanned++) {
      const next = iterator.next()
      if (next === undefined || next === null) break
      const details = master.getOccurrenceDetails(next)
      if (toMsOf(next, tzidOf(master, 'dtstart')) >= toMs) break
      add(details.item, details.startDate, details.endDate, details.recurrenceId)
    }
  }
  return occurrences.sort((a, b) => a.startsAt - b.startsAt)
}
