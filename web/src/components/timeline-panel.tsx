import { type FormEvent, useEffect, useMemo, useState } from 'react'
import type { Envelope } from '../../../src/contracts/index.ts'
import { routeHref } from '../hooks/use-hash-route.ts'
import type { HubStream } from '../hooks/use-hub-stream.ts'
import type { ApiClient } from '../lib/api-client.ts'
import { buildTimeline, type Timeline } from '../lib/timeline.ts'
import { Waterfall } from './waterfall.tsx'

const PAGE_EVENTS = 10_000
const MAX_PAGES = 5
const RECENT_TURNS = 15

/** Stored events of the trace, at any age: GET /events?traceId= reads the trace index. */
async function loadTrace(api: ApiClient, traceId: string): Promise<{ events: Envelope[]; error?: string }> {
  const found: Envelope[] = []
  let from = 1
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = `traceId=${encodeURIComponent(traceId)}&from=${from}&limit=${PAGE_EVENTS}`
    const outcome = await api.get<Envelope[]>(`/events?${query}`)
    if (outcome.kind !== 'ok')
      return { events: found, error: outcome.kind === 'error' ? outcome.error.message : outcome.kind }
    const events = Array.isArray(outcome.data) ? outcome.data : []
    found.push(...events)
    if (events.length < PAGE_EVENTS) break
    from = (events.at(-1)?.seq ?? from) + 1
  }
  return { events: found }
}

function recentTurns(stream: HubStream): Envelope[] {
  const turns: Envelope[] = []
  for (let index = stream.store.size - 1; index >= 0 && turns.length < RECENT_TURNS; index--) {
    const event = stream.store.at(index)!
    if (event.type === 'turn.start') turns.push(event)
  }
  return turns
}

export function TimelinePanel({
  api,
  stream,
  traceId,
}: {
  api: ApiClient
  stream: HubStream
  traceId: string | undefined
}) {
  const [input, setInput] = useState(traceId ?? '')
  const [timeline, setTimeline] = useState<Timeline | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  // biome-ignore lint/correctness/useExhaustiveDependencies: stream.version says the store changed
  const turns = useMemo(() => recentTurns(stream), [stream.version])

  // biome-ignore lint/correctness/useExhaustiveDependencies: loads once per trace; live events are merged at load time
  useEffect(() => {
    setInput(traceId ?? '')
    setTimeline(undefined)
    setError(undefined)
    if (!traceId) return
    const live = stream.store.toArray().filter((event) => event.traceId === traceId)
    let cancelled = false
    loadTrace(api, traceId).then(({ events, error: failure }) => {
      if (cancelled) return
      setTimeline(buildTimeline([...events, ...live], traceId))
      setError(failure)
    })
    return () => {
      cancelled = true
    }
  }, [api, traceId])

  const open = (event: FormEvent) => {
    event.preventDefault()
    if (input.trim()) window.location.hash = routeHref('timeline', input.trim())
  }

  return (
    <section className="panel timeline" aria-labelledby="timeline-title">
      <header className="panel-head">
        <h2 id="timeline-title">Turn timeline</h2>
        <form onSubmit={open} className="inline">
          <label>
            Trace id <input value={input} onChange={(e) => setInput(e.target.value)} size={38} />
          </label>
          <button type="submit">Show</button>
        </form>
      </header>
      {turns.length > 0 ? (
        <nav aria-label="Recent turns" className="recent">
          Recent turns:{' '}
          {turns.map((turn) => (
            <a
              key={turn.id}
              href={routeHref('timeline', turn.traceId)}
              aria-current={turn.traceId === traceId ? 'true' : undefined}
            >
              {(turn as { hubId?: string }).hubId === undefined
                ? ''
                : `${(turn as { hubId?: string }).hubId} · `}
              {turn.sessionId ?? 'turn'} · {new Date(turn.ts).toLocaleTimeString()}
            </a>
          ))}
        </nav>
      ) : null}
      {error ? (
        <p className="notice error" role="alert">
          Could not read the whole log: {error}
        </p>
      ) : null}
      {!traceId ? (
        <p className="muted">Pick a turn, or paste a trace id (every event of a turn carries it).</p>
      ) : null}
      {traceId && timeline === undefined ? <p className="muted">Loading…</p> : null}
      {timeline && timeline.events.length === 0 ? (
        <p className="notice">
          No events of trace <code>{traceId}</code> found.
        </p>
      ) : null}
      {timeline && timeline.events.length > 0 ? <Waterfall timeline={timeline} /> : null}
    </section>
  )
}
