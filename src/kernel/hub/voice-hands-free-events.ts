import type { Bus } from '../../bus/index.ts'
import type { HandsFreeService } from '../../wake-word/index.ts'

/** An event the kernel publishes for a hands-free source (the bus fills id, time and seq). */
export interface HandsFreeDraft {
  type: string
  source: 'kernel'
  traceId?: string
  sessionId: string
  payload: Record<string, unknown>
}

/** What a keyword spotter reported. */
export interface WakeHeard {
  phrase: string
  score: number
}

/** voice.wake.detected for a wake heard on `source`, with the phrase's threshold at the time. */
export function wakeDetectedDraft(
  handsFree: HandsFreeService,
  heard: WakeHeard,
  context: { source: string; sessionId: string; traceId: string | undefined; preRollMs: number },
): HandsFreeDraft {
  const state = handsFree.control.state()
  return {
    type: 'voice.wake.detected',
    source: 'kernel',
    ...(context.traceId === undefined ? {} : { traceId: context.traceId }),
    sessionId: context.sessionId,
    payload: {
      phrase: heard.phrase,
      score: Math.round(heard.score * 1000) / 1000,
      threshold: state.phrases.find((entry) => entry.phrase === heard.phrase)?.threshold ?? 0,
      preRollMs: context.preRollMs,
      mode: state.mode === 'talk' ? 'talk' : 'wake_word',
      source: context.source,
    },
  }
}

// The WakeListener's reasons (wake-listener.ts), as the catalog's enums spell them.
const TALK_REASONS: Readonly<Record<string, string>> = {
  wake: 'wake',
  mode: 'mode',
  dnd: 'dnd',
  'stop phrase': 'stop_phrase',
  silence: 'silence',
  reset: 'source_closed',
}

/** voice.talk.started / voice.talk.ended for a Talk conversation of `source`. */
export function talkDraft(
  active: boolean,
  reason: string,
  context: { source: string; sessionId: string },
): HandsFreeDraft {
  return {
    type: active ? 'voice.talk.started' : 'voice.talk.ended',
    source: 'kernel',
    sessionId: context.sessionId,
    payload: { reason: TALK_REASONS[reason] ?? (active ? 'mode' : 'source_closed'), source: context.source },
  }
}

/**
 * Publishes voice.mode.changed whenever the hands-free mode or the dnd mute changes (API, CLI,
 * dashboard, ui.interruptibility). Answers the unsubscribe function.
 */
export function publishVoiceModeChanges(
  bus: Bus,
  handsFree: HandsFreeService,
  onError: (error: unknown) => void,
): () => void {
  return handsFree.control.subscribe((state, previous) => {
    if (state.mode === previous.mode && state.dnd === previous.dnd) return
    void bus
      .publishUntyped({
        type: 'voice.mode.changed',
        source: 'kernel',
        payload: { mode: state.mode, previousMode: previous.mode, dnd: state.dnd },
      })
      .catch(onError)
  })
}
