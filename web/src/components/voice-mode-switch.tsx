import { useEffect, useState } from 'react'
import type { ApiClient } from '../lib/api-client.ts'
import { HandsFreeListen } from './hands-free-listen.tsx'

type VoiceMode = 'off' | 'push_to_talk' | 'wake_word' | 'talk'

const MODES: { mode: VoiceMode; label: string }[] = [
  { mode: 'off', label: 'Voice off' },
  { mode: 'push_to_talk', label: 'Push to talk' },
  { mode: 'wake_word', label: 'Wake word' },
  { mode: 'talk', label: 'Talk' },
]

interface ModeView {
  mode: VoiceMode
  dnd: boolean
  phrases: { phrase: string; threshold: number }[]
}

/**
 * The hub's voice mode in the header (GET/PUT /voice/mode, docs/voice.md "Hands-free"): shows it,
 * switches it at once. Hidden when the hub has no wake skill (the route answers 404).
 */
export function VoiceModeSwitch({ api }: { api: ApiClient }) {
  const [view, setView] = useState<ModeView | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  useEffect(() => {
    let live = true
    api.get<ModeView>('/voice/mode').then((outcome) => {
      if (live && outcome.kind === 'ok') setView(outcome.data)
    })
    return () => {
      live = false
    }
  }, [api])
  if (view === undefined) return null
  const choose = async (mode: VoiceMode) => {
    const outcome = await api.put<ModeView>('/voice/mode', { mode })
    // The select shows what the hub accepted, not what was picked.
    if (outcome.kind === 'ok') setView(outcome.data)
    setError(outcome.kind === 'error' ? outcome.error.message : undefined)
  }
  const title = `Wake phrase: ${view.phrases.map((entry) => entry.phrase).join(', ')}`
  return (
    <span className="voice-mode" data-testid="voice-mode" data-mode={view.mode} title={title}>
      <select
        aria-label="Voice mode"
        value={view.mode}
        onChange={(event) => choose(event.target.value as VoiceMode)}
      >
        {MODES.map(({ mode, label }) => (
          <option key={mode} value={mode}>
            {label}
          </option>
        ))}
      </select>
      {view.dnd ? <span className="muted"> (muted: do not disturb)</span> : null}
      <HandsFreeListen mode={view.mode} />
      {error ? (
        <span role="alert" className="error">
          {error}
        </span>
      ) : null}
    </span>
  )
}
