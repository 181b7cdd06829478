import hints from 'virtual:ui-hints'
import { useCallback, useMemo, useState } from 'react'
import type { Channel, Envelope } from '../../../src/contracts/index.ts'
import type { HubStream } from '../hooks/use-hub-stream.ts'
import { compileTypePattern } from '../lib/event-pattern.ts'
import { filterEvents } from '../lib/event-store.ts'
import { CHANNELS, hintFor } from '../lib/ui-hints.ts'
import { EventDetail } from './event-detail.tsx'
import { EventRow } from './event-row.tsx'
import { VirtualList } from './virtual-list.tsx'

const ROW_HEIGHT_PX = 30

export function EventsPanel({ stream, localHubId }: { stream: HubStream; localHubId?: string | undefined }) {
  const [pattern, setPattern] = useState('')
  const [sessionId, setSessionId] = useState('')
  const [traceId, setTraceId] = useState('')
  const [channel, setChannel] = useState<Channel | 'all'>('all')
  const [follow, setFollow] = useState(true)
  const [selected, setSelected] = useState<Envelope | undefined>(undefined)
  const matcher = useMemo(() => compileTypePattern(pattern), [pattern])
  const paused = stream.status.state === 'paused'

  // biome-ignore lint/correctness/useExhaustiveDependencies: stream.version says the store changed
  const filtered = useMemo(
    () => filterEvents(stream.store, { type: matcher ?? (() => false), sessionId, traceId, channel }, hints),
    [stream.version, stream.store, matcher, sessionId, traceId, channel],
  )
  const onFilter = useCallback((field: 'traceId' | 'sessionId', value: string) => {
    if (field === 'traceId') setTraceId(value)
    else setSessionId(value)
  }, [])
  const total = Object.values(filtered.channelCounts).reduce((sum, count) => sum + (count ?? 0), 0)

  return (
    <section className="panel events" aria-labelledby="events-title">
      <header className="panel-head">
        <h2 id="events-title">Live events</h2>
        <button type="button" onClick={paused ? stream.resume : stream.pause} aria-pressed={paused}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <span className="muted" aria-live="polite" data-testid="stream-status">
          {stream.status.state}
          {stream.status.lastSeq === undefined ? '' : ` · last seq ${stream.status.lastSeq}`} · {stream.rate}
          /s · held {stream.store.size.toLocaleString()} of {stream.store.capacity.toLocaleString()}
        </span>
      </header>
      <div className="filters">
        <label>
          Type pattern
          <input
            value={pattern}
            onChange={(e) => setPattern(e.target.value)}
            placeholder="chat.> or *.start"
            aria-invalid={matcher === undefined}
          />
        </label>
        <label>
          Session
          <input value={sessionId} onChange={(e) => setSessionId(e.target.value)} placeholder="any" />
        </label>
        <label>
          Trace
          <input value={traceId} onChange={(e) => setTraceId(e.target.value)} placeholder="any" />
        </label>
      </div>
      {matcher === undefined ? (
        <p className="error" role="alert">
          Not a type pattern: use tokens, * for one, &gt; for the rest.
        </p>
      ) : null}
      <div className="channel-tabs" role="tablist" aria-label="Channels">
        {(['all', ...CHANNELS] as const).map((name) => {
          const count = name === 'all' ? total : (filtered.channelCounts[name] ?? 0)
          if (name !== 'all' && count === 0) return null
          return (
            <button
              key={name}
              type="button"
              role="tab"
              aria-selected={channel === name}
              className={`chip channel-${name}`}
              onClick={() => setChannel(name)}
            >
              {name} <span className="count">{count}</span>
            </button>
          )
        })}
      </div>
      <div className="events-body">
        <VirtualList
          count={filtered.events.length}
          rowHeight={ROW_HEIGHT_PX}
          follow={follow}
          onFollowChange={setFollow}
          label={`Events, ${filtered.events.length} shown`}
          renderRow={(index) => {
            const event = filtered.events[index]!
            return (
              <EventRow
                event={event}
                hint={hintFor(event.type, hints)}
                hubId={(event as { hubId?: string }).hubId ?? localHubId}
                selected={selected?.id === event.id}
                onSelect={setSelected}
              />
            )
          }}
        />
        {selected ? (
          <EventDetail event={selected} hint={hintFor(selected.type, hints)} onFilter={onFilter} />
        ) : null}
      </div>
    </section>
  )
}
