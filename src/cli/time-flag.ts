import { argumentError } from './args.ts'

// A time given on the command line (--since, --until, --from, --before): RFC 3339 as the docs say
// (docs/log-at-scale.md), seconds and the offset optional, a date alone meaning its midnight UTC.
// Date.parse alone reads "1" as 2001, "-5" as a year and "2030-02-30" as 2 March (decision 2080).
const RFC_3339 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/

const EXAMPLE = 'e.g. 2030-01-01T00:00:00Z'

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** The instant a time flag names, as an ISO string; a usage error naming the flag otherwise. */
export function parseTimeFlag(value: string, flag: string): string {
  const match = RFC_3339.exec(value)
  const ms = match === null ? Number.NaN : Date.parse(value)
  if (match === null || !Number.isFinite(ms))
    throw argumentError(`${flag} must be a time (${EXAMPLE}), got ${JSON.stringify(value)}`)
  const [, year, month, day, hour = '0', minute = '0', second = '0'] = match
  const valid =
    Number(month) >= 1 &&
    Number(month) <= 12 &&
    Number(day) >= 1 &&
    Number(day) <= daysIn(Number(year), Number(month)) &&
    Number(hour) <= 23 &&
    Number(minute) <= 59 &&
    Number(second) <= 59
  if (!valid) throw argumentError(`${flag} names no such time: ${JSON.stringify(value)} (${EXAMPLE})`)
  return new Date(ms).toISOString()
}
