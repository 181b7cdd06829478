import { toBusDraft, toCanonical } from '../../dialects/index.ts'

// Canonical events go to the bus as drafts (the bus fills id, ts, severity...); foreign ones are
// converted first so whatever has no canonical field rides in meta. Without a hint, the shared
// path of src/dialects (its canonical shortcut, decision 1794), as `localhub events publish` does.
export function toDraft(value: unknown, hint: string | undefined): unknown {
  if (hint === undefined) return toBusDraft(value)
  if (hint === 'canonical' || hint === 'unknown') return value
  return toCanonical(hint as Parameters<typeof toCanonical>[0], value)
}
