import { memo } from 'react'
import type { Envelope } from '../../../src/contracts/index.ts'
import { eventSummary, formatTime, isEphemeral } from '../lib/event-render.ts'
import type { TypeHint } from '../lib/ui-hints.ts'
import { Icon } from './icon.tsx'

export interface EventRowProps {
  event: Envelope
  hint: TypeHint
  /** The hub that recorded the event (the federation view names it on every event). */
  hubId?: string | undefined
  selected: boolean
  onSelect(event: Envelope): void
}

/** One line of the live list, laid out from the catalog's hint (channel colour, icon, summary). */
export const EventRow = memo(function EventRow({ event, hint, hubId, selected, onSelect }: EventRowProps) {
  const ephemeral = isEphemeral(event)
  return (
    <button
      type="button"
      className={`event-row channel-${hint.channel} severity-${event.severity}${selected ? ' selected' : ''}${ephemeral ? ' ephemeral' : ''}`}
      aria-pressed={selected}
      onClick={() => onSelect(event)}
      data-type={event.type}
      data-hub={hubId}
    >
      <span className="time">{formatTime(event.ts)}</span>
      <span className="channel" title={`channel ${hint.channel}`}>
        <Icon name={hint.icon} />
        <span className="channel-name">{hint.channel}</span>
      </span>
      {hubId === undefined ? null : (
        <span className="hub" data-testid="event-hub" title={`recorded on hub ${hubId}`}>
          {hubId}
        </span>
      )}
      <span className="type">{event.type}</span>
      <span className="seq">
        {ephemeral ? (
          <abbr title="ephemeral: live only, never stored or replayed">eph</abbr>
        ) : (
          `#${event.seq}`
        )}
      </span>
      <span className="summary">{eventSummary(event, hint)}</span>
    </button>
  )
})
