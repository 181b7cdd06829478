import { useState } from 'react'
import { type ApiClient, publishEvent } from '../lib/api-client.ts'
import type { InterruptibilityMode, NudgeView } from '../lib/live-state.ts'

function NudgeCard({ api, nudge }: { api: ApiClient; nudge: NudgeView }) {
  const [sent, setSent] = useState<string | undefined>(undefined)
  const { payload } = nudge
  const feedback = async (helpful: boolean) => {
    const outcome = await publishEvent(api, 'ui.feedback', { target: payload.proposalId, helpful })
    setSent(
      outcome.kind === 'ok'
        ? helpful
          ? 'Thanks: marked helpful'
          : 'Thanks: marked not helpful'
        : `Could not send: ${outcome.kind === 'error' ? outcome.error.message : outcome.kind}`,
    )
  }
  const act = async (
    command: string | undefined,
    args: Record<string, unknown> | undefined,
    label: string,
  ) => {
    if (!command) return
    const outcome = await publishEvent(api, 'ui.command', { command, ...(args ? { args } : {}) })
    setSent(
      outcome.kind === 'ok'
        ? `Sent: ${label}`
        : `Could not send: ${outcome.kind === 'error' ? outcome.error.message : outcome.kind}`,
    )
  }
  return (
    <li className={`card nudge severity-${payload.severity}`} data-testid="nudge">
      <h3>
        {payload.title} <span className="tag">{payload.severity}</span>{' '}
        <span className="tag">{payload.channel}</span>
      </h3>
      {payload.body ? <p>{payload.body}</p> : null}
      <p className="muted">{new Date(nudge.ts).toLocaleString()}</p>
      <div className="decide">
        {(payload.actions ?? []).map((action) => (
          <button
            key={action.id}
            type="button"
            onClick={() => act(action.command, action.args, action.label)}
            disabled={!action.command}
          >
            {action.label}
          </button>
        ))}
        <button type="button" onClick={() => feedback(true)} aria-label={`Helpful: ${payload.title}`}>
          Helpful
        </button>
        <button type="button" onClick={() => feedback(false)} aria-label={`Not helpful: ${payload.title}`}>
          Not helpful
        </button>
      </div>
      {sent ? <p role="status">{sent}</p> : null}
    </li>
  )
}

export function NudgesPanel({
  api,
  nudges,
  mode,
}: {
  api: ApiClient
  nudges: readonly NudgeView[]
  mode: InterruptibilityMode | undefined
}) {
  return (
    <section className="panel nudges" aria-labelledby="nudges-title">
      <header className="panel-head">
        <h2 id="nudges-title">Nudges</h2>
        <span className="muted">you are: {mode ?? 'available (not set)'}</span>
      </header>
      <p className="muted">
        How interruptible you are (the switch at the top) decides whether a nudge stays here, becomes a toast
        or is spoken. Nudges arrive as <code>ui.nudge</code> events; your feedback goes back as{' '}
        <code>ui.feedback</code>.
      </p>
      {nudges.length === 0 ? <p className="muted">No nudges since this page was opened.</p> : null}
      <ul className="cards">
        {nudges.map((nudge) => (
          <NudgeCard key={nudge.eventId} api={api} nudge={nudge} />
        ))}
      </ul>
    </section>
  )
}
