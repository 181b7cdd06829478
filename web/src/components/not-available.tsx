import type { ApiOutcome } from '../lib/api-client.ts'

/** The shared answer for the states of an API call that are not data. */
export function OutcomeNotice({ outcome, what }: { outcome: ApiOutcome<unknown> | undefined; what: string }) {
  if (outcome === undefined) return <p className="muted">Loading {what}…</p>
  if (outcome.kind === 'unavailable') {
    return (
      <p className="notice" data-testid="not-available">
        {what[0]!.toUpperCase() + what.slice(1)}: not available in this hub yet (<code>{outcome.path}</code>{' '}
        answered 404).
      </p>
    )
  }
  if (outcome.kind === 'unauthorised') return <p className="notice">Not logged in.</p>
  if (outcome.kind === 'error') {
    return (
      <p className="notice error" role="alert">
        {outcome.error.code}: {outcome.error.message}
      </p>
    )
  }
  return null
}
