import { useMemo } from 'react'
import type { DisplayAgentControl } from '../hooks/use-display-agent.ts'
import type { DisplayItem, DisplayMedia } from '../lib/display-agent.ts'

// The switch that offers this tab as a display agent (Registry page) and the Display card that
// shows each display step it ran: the links the member's output carried, a player for what this
// browser plays natively, and the raw inputs. docs/dashboard.md, decision 2050.

export function DisplaySwitch({ control }: { control: DisplayAgentControl }) {
  const { state } = control
  return (
    <section className="panel display-switch" aria-label="Display agent">
      <label>
        <input
          type="checkbox"
          role="switch"
          aria-checked={control.enabled}
          data-testid="display-switch"
          checked={control.enabled}
          onChange={(event) => control.setEnabled(event.currentTarget.checked)}
        />{' '}
        Offer this browser as a display
      </label>{' '}
      <span className="muted" data-testid="display-state" data-state={state.kind}>
        {state.kind === 'off' ? 'off' : null}
        {state.kind === 'starting' ? 'announcing…' : null}
        {state.kind === 'on' ? (
          <>
            announced as <code>{state.agent}</code> (ui.render.video: hls, dash, mp4)
          </>
        ) : null}
        {state.kind === 'failed' ? <span className="status-fail">not offered: {state.message}</span> : null}
      </span>
    </section>
  )
}

function playable(media: DisplayMedia, probe: HTMLVideoElement | undefined): boolean {
  if (media.format === 'mp4') return true
  // Native HLS (Safari, recent Chromium); DASH needs a player library the page does not ship.
  return (
    media.format === 'hls' && probe !== undefined && probe.canPlayType('application/vnd.apple.mpegurl') !== ''
  )
}

function Shown({ item, probe }: { item: DisplayItem; probe: HTMLVideoElement | undefined }) {
  const player = item.media.find((media) => playable(media, probe))
  return (
    <li className="card" data-testid="display-item" data-plan={item.planId} data-step={item.stepId}>
      <div>
        <strong>{item.planId}</strong> · step <code>{item.stepId}</code>
        {item.attempt > 1 ? ` (attempt ${item.attempt})` : ''} <span className="muted">{item.shownAt}</span>
      </div>
      {item.media.length === 0 ? (
        <p className="muted">No hls, dash or mp4 link in the step’s inputs.</p>
      ) : (
        <ul>
          {item.media.map((media) => (
            <li key={`${media.from}-${media.format}`} data-testid="display-media">
              {media.format} from <code>{media.from}</code>:{' '}
              <a href={media.url} target="_blank" rel="noreferrer noopener">
                {media.url}
              </a>
            </li>
          ))}
        </ul>
      )}
      {player === undefined ? null : (
        <video src={player.url} controls muted preload="none" width={480}>
          <track kind="captions" />
        </video>
      )}
      <details>
        <summary>Inputs</summary>
        <pre data-testid="display-inputs">{JSON.stringify(item.inputs, null, 2)}</pre>
      </details>
    </li>
  )
}

export function DisplayCard({ control }: { control: DisplayAgentControl }) {
  const probe = useMemo(
    () => (typeof document === 'undefined' ? undefined : document.createElement('video')),
    [],
  )
  if (control.items.length === 0) return null
  return (
    <section className="panel display" aria-labelledby="display-title" data-testid="display-panel">
      <header className="panel-head">
        <h2 id="display-title">Display</h2>
        <span className="tag">{control.state.kind === 'on' ? control.state.agent : 'not offered now'}</span>
      </header>
      <ul className="cards">
        {control.items.map((item) => (
          <Shown key={item.leaseId} item={item} probe={probe} />
        ))}
      </ul>
    </section>
  )
}
