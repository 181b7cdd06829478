import { type KeyboardEvent, useEffect, useRef, useState } from 'react'
import { AvatarFace } from './avatar-face.tsx'
import { INITIAL_VOICE_VIEW, VoiceController, type VoiceView } from './voice-controller.ts'

const PHASE_TEXT: Readonly<Record<VoiceView['phase'], string>> = {
  off: 'microphone off',
  starting: 'opening the microphone…',
  listening: 'listening',
  answering: 'answering',
  ready: 'ready',
}

/** Push-to-talk or hands-free speech with the hub over /ws/voice (docs/voice.md, "The dashboard"). */
export function VoicePanel() {
  const [view, setView] = useState<VoiceView>(INITIAL_VOICE_VIEW)
  const controllerRef = useRef<VoiceController | undefined>(undefined)
  if (controllerRef.current === undefined) controllerRef.current = new VoiceController(setView)
  const controller = controllerRef.current
  useEffect(() => () => controller.close(), [controller])

  const handsFree = view.mode === 'hands-free'
  const onKey = (event: KeyboardEvent, down: boolean) => {
    if (event.key !== ' ' && event.key !== 'Enter') return
    event.preventDefault()
    if (down && !event.repeat) void controller.startUtterance()
    else if (!down) controller.endUtterance()
  }

  return (
    <section
      className="panel voice"
      aria-labelledby="voice-title"
      data-testid="voice-panel"
      data-capture={view.capture}
      data-turn={view.turn}
      data-finished-turn={view.finishedTurn}
    >
      <header className="panel-head">
        <h2 id="voice-title">Voice</h2>
        <label className="inline">
          <input
            type="checkbox"
            checked={handsFree}
            data-testid="voice-hands-free-mode"
            onChange={(event) => controller.setMode(event.target.checked ? 'hands-free' : 'push-to-talk')}
          />{' '}
          Hands-free
        </label>
        <span className="state" data-testid="voice-phase" data-phase={view.phase} aria-live="polite">
          {PHASE_TEXT[view.phase]}
          {view.sessionState !== 'idle' ? ` · ${view.sessionState}` : ''}
        </span>
      </header>
      {handsFree ? (
        <button
          type="button"
          data-testid="voice-hands-free"
          aria-pressed={view.handsFreeActive}
          onClick={() =>
            view.handsFreeActive ? controller.stopHandsFree() : void controller.startHandsFree()
          }
        >
          {view.handsFreeActive ? 'Stop listening' : 'Start listening'}
        </button>
      ) : (
        <button
          type="button"
          data-testid="voice-talk"
          aria-pressed={view.phase === 'listening'}
          onPointerDown={() => void controller.startUtterance()}
          onPointerUp={() => controller.endUtterance()}
          onPointerLeave={() => controller.endUtterance()}
          onKeyDown={(event) => onKey(event, true)}
          onKeyUp={(event) => onKey(event, false)}
        >
          {view.phase === 'listening' ? 'Listening… release to send' : 'Hold to talk'}
        </button>
      )}
      <AvatarFace
        sessionId={view.sessionId}
        traceId={view.answerTraceId}
        clock={() => controller.audioPositionMs()}
      />
      <dl className="voice-turn">
        <dt>Heard</dt>
        <dd
          data-testid="voice-heard"
          data-turn={view.resultTurn}
          data-partials={view.partials}
          data-final={view.final === '' ? 'no' : 'yes'}
        >
          {view.final || view.partial || '—'}
        </dd>
        <dt>Answer</dt>
        <dd data-testid="voice-answer">{view.answer || '—'}</dd>
        <dt>Audio</dt>
        <dd
          data-testid="voice-playback"
          data-state={view.playback}
          data-played-ms={view.playedMs}
          data-turn={view.playbackTurn}
        >
          {view.playback === 'none' ? '—' : `${view.playback} (${(view.playedMs / 1000).toFixed(1)} s)`}
        </dd>
      </dl>
      {view.error !== '' ? (
        <p className="error" role="alert" data-testid="voice-error">
          {view.error}
        </p>
      ) : null}
    </section>
  )
}
