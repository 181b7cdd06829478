// Time zone arithmetic with Intl only, apart from ical-occurrences.ts: reading the manifest's
// timezone must not load ical.js, which loads with the first calendar pass (decision 1711).

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterOf(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formatters.set(zone, formatter)
  }
  return formatter
}

/** How far `zone`'s wall clock is ahead of UTC at the instant `utcMs`. */
function offsetMs(utcMs: number, zone: string): number {
  const parts = formatterOf(zone).formatToParts(new Date(utcMs))
  const part = (type: string) => Number(parts.find((entry) => entry.type === type)?.value)
  const wall = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  )
  return wall - utcMs
}

/** A wall-clock time in an IANA zone as an instant (two passes settle the offset across DST). */
export function wallTimeToUtc(
  time: { year: number; month: number; day: number; hour: number; minute: number; second: number },
  zone: string,
): number {
  const wall = Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second)
  const first = wall - offsetMs(wall, zone)
  return wall - offsetMs(first, zone)
}

export function isTimeZone(zone: string): boolean {
  try {
    formatterOf(zone)
    return true
  } catch {
    return false
  }
}
