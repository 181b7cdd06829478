import type { Envelope } from '../../../src/contracts/index.ts'
import { routeHref } from '../hooks/use-hash-route.ts'
import { eventDetail, isEphemeral } from '../lib/event-render.ts'
import type { TypeHint } from '../lib/ui-hints.ts'

export function EventDetail({
  event,
  hint,
  onFilter,
}: {
  event: Envelope
  hint: TypeHint
  onFilter(field: 'traceId' | 'sessionId', value: string): void
}) {
  return (
    <aside className="event-detail" aria-label="Selected event">
      <h3>
        {event.type}{' '}
        <span className="muted">
          ({hint.render}
          {isEphemeral(event) ? ', ephemeral' : `, seq ${event.seq}`})
        </span>
      </h3>
      {hint.summary ? <p className="muted">{hint.summary}</p> : null}
      <p className="actions">
        <a href={routeHref('timeline', event.traceId)}>Timeline of this trace</a>
        <button type="button" onClick={() => onFilter('traceId', event.traceId)}>
          Only this trace
        </button>
        {event.sessionId ? (
          <button type="button" onClick={() => onFilter('sessionId', event.sessionId!)}>
            Only this session
          </button>
        ) : null}
      </p>
      <pre>{eventDetail(event)}</pre>
    </aside>
  )
}
