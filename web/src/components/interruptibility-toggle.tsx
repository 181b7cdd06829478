import { useEffect, useState } from 'react'
import { type ApiClient, publishEvent } from '../lib/api-client.ts'
import type { InterruptibilityMode } from '../lib/live-state.ts'

const MODES: { mode: InterruptibilityMode; label: string }[] = [
  { mode: 'available', label: 'Available' },
  { mode: 'focus', label: 'Focus' },
  { mode: 'dnd', label: 'Do not disturb' },
]

/** Emits ui.interruptibility; the shown mode is the last one seen on the stream (or just sent). */
export function InterruptibilityToggle({
  api,
  current,
}: {
  api: ApiClient
  current: InterruptibilityMode | undefined
}) {
  const [sent, setSent] = useState<InterruptibilityMode | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  // A change seen on the stream (from this page or another client) replaces the local choice.
  useEffect(() => {
    if (current !== undefined) setSent(undefined)
  }, [current])
  const mode = sent ?? current
  const choose = async (next: InterruptibilityMode) => {
    const before = sent
    setSent(next)
    const outcome = await publishEvent(api, 'ui.interruptibility', { mode: next })
    // The switch shows what the hub accepted, not what was clicked.
    if (outcome.kind !== 'ok') setSent(before)
    setError(
      outcome.kind === 'error' ? outcome.error.message : outcome.kind === 'ok' ? undefined : outcome.kind,
    )
  }
  return (
    <fieldset className="segmented" aria-label="Interruptibility">
      <legend className="visually-hidden">Interruptibility</legend>
      {MODES.map(({ mode: option, label }) => (
        <label key={option} className={mode === option ? 'on' : undefined}>
          <input
            type="radio"
            name="interruptibility"
            value={option}
            checked={mode === option}
            onChange={() => choose(option)}
          />
          {label}
        </label>
      ))}
      {error ? (
        <span role="alert" className="error">
          {error}
        </span>
      ) : null}
    </fieldset>
  )
}
