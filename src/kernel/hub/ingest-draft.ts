import { detectDialect, toCanonical } from '../../dialects/index.ts'

/**
 * The keys by which detectDialect tells a foreign dialect (src/dialects/detect.ts): an object with
 * none of them is canonical or unknown there, and either goes to the bus as it is. Checked first
 * so a canonical line skips detectDialect's explanation text. ingest-draft.test.ts compares the two
 * on every combination of the keys detectDialect reads; a marker added there belongs here too.
 */
const FOREIGN_MARKERS = [
  'specversion',
  'event_type',
  'occurred_at',
  'event_name',
  'conversation_id',
  'emitter',
]

function hasNoForeignMarker(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return false
  for (const key of FOREIGN_MARKERS) if (Object.hasOwn(value, key)) return false
  return true
}

// Canonical events go to the bus as drafts (the bus fills id, ts, severity...); foreign ones are
// converted first so whatever has no canonical field rides in meta.
export function toDraft(value: unknown, hint: string | undefined): unknown {
  if (hint === undefined && hasNoForeignMarker(value)) return value
  const dialect = hint ?? detectDialect(value).dialect
  if (dialect === 'canonical' || dialect === 'unknown') return value
  return toCanonical(dialect as Parameters<typeof toCanonical>[0], value)
}
