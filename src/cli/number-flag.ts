import { argumentError } from './args.ts'

/**
 * A whole-number flag (--port, --limit, --reconnect-ms) in decimal digits only, within [min, max].
 * Number() alone takes "0x10", "1e3", " 80" and "" (0); each would be some other number than
 * the one the person meant, so each is refused, naming the flag, its range and what was given.
 */
export function wholeNumberFlag(value: string, flag: string, range: { min: number; max: number }): number {
  const number = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN
  if (!(Number.isSafeInteger(number) && number >= range.min && number <= range.max))
    throw argumentError(
      `${flag} must be a whole number from ${range.min} to ${range.max}, got ${JSON.stringify(value)}`,
    )
  return number
}
