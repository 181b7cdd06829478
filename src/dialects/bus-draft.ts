import { toCanonical } from './default-converter.ts'
import { detectDialect } from './detect.ts'
import { isPlainObject } from './json-guard.ts'

/**
 * The keys by which detectDialect (detect.ts) tells a foreign dialect: a plain object with none of
 * them is canonical or unknown there, and either goes to the bus as it is. Checked first so a
 * canonical line skips detectDialect's explanation text (0.06 vs 0.21 µs per line, decision 1794).
 * bus-draft.test.ts compares the two on every combination of the keys detectDialect reads and on
 * lines of every dialect: a marker added to detectDialect belongs here too.
 */
const FOREIGN_MARKERS = [
  'specversion',
  'event_type',
  'occurred_at',
  'event_name',
  'conversation_id',
  'emitter',
] as const

/** True when `value` is a plain object with no foreign dialect's marker key: it needs no conversion. */
export function hasNoDialectMarker(value: unknown): boolean {
  if (!isPlainObject(value)) return false
  for (const key of FOREIGN_MARKERS) if (Object.hasOwn(value, key)) return false
  return true
}

/**
 * A parsed line as the bus's draft: canonical (and unknown) objects as they are, since the bus
 * fills id, ts, severity...; foreign ones converted, so whatever has no canonical field rides in
 * meta. Shared by POST /events and `localhub events publish`.
 */
export function toBusDraft(value: unknown): unknown {
  if (hasNoDialectMarker(value)) return value
  const { dialect } = detectDialect(value)
  return dialect === 'canonical' || dialect === 'unknown' ? value : toCanonical(dialect, value)
}
