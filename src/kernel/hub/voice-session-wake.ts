import {
  type HandsFreeService,
  KeywordSpotter,
  type UtteranceSink,
  WAKE_SAMPLE_RATE_HZ,
  WakeListener,
} from '../../wake-word/index.ts'
import {
  type HandsFreeDraft,
  talkDraft,
  type WakeHeard,
  wakeDetectedDraft,
} from './voice-hands-free-events.ts'
import type { VoiceSession } from './voice-session.ts'

/** What a hands-free audio source (WebSocket listen route or Wyoming satellite) hands the wake listener. */
export interface SessionWakeOptions {
  handsFree: HandsFreeService
  session: VoiceSession
  /** The source's name in voice.wake.detected and voice.talk.* (`source`). */
  source: string
  /** Sends voice.wake.detected / voice.talk.* on (to the source and the bus). */
  publish(draft: HandsFreeDraft): void
  onError(error: unknown): void
  /** Runs before a turn's utterance starts (the Wyoming stream clears its answer state). */
  beforeTurn?(): void
  /** Runs on a wake before voice.wake.detected is published (the satellite hears of it first). */
  beforeWake?(detection: WakeHeard): void
}

/** The spotter, listener and phrase subscription of one source; `close` releases all three. */
export interface SessionWake {
  readonly spotter: KeywordSpotter
  readonly listener: WakeListener
  close(): void
}

/**
 * Wires a keyword spotter and wake listener to a voice session, the same way for every
 * hands-free source, so the two sources cannot drift apart in how a wake starts a turn.
 */
export function openSessionWake(options: SessionWakeOptions): SessionWake {
  const { handsFree, session, source } = options
  const spotter = KeywordSpotter.open(handsFree.control.state().phrases)
  const sink: UtteranceSink = {
    start: () => {
      options.beforeTurn?.()
      return session.start({ sampleRate: WAKE_SAMPLE_RATE_HZ, format: 'pcm16', channels: 1 })
    },
    push: (pcm) => session.push(pcm),
    cancel: (reason) => session.cancel(reason),
    get listening() {
      return session.listening
    },
    get busy() {
      return session.traceId !== undefined
    },
  }
  const listener = new WakeListener({
    spotter,
    sink,
    preRollMs: handsFree.preRollMs,
    talkSilenceMs: handsFree.talkSilenceMs,
    settings: {
      mode: () => handsFree.control.state().mode,
      muted: () => handsFree.control.state().dnd,
    },
    onWake: (detection, traceId, preRollMs) => {
      options.beforeWake?.(detection)
      options.publish(
        wakeDetectedDraft(handsFree, detection, { source, sessionId: session.sessionId, traceId, preRollMs }),
      )
    },
    onTalk: (active, reason) =>
      options.publish(talkDraft(active, reason, { source, sessionId: session.sessionId })),
    onError: (error) => options.onError(error),
  })
  // New phrases apply to the next audio; the mode and dnd are read on every chunk.
  const unsubscribe = handsFree.control.subscribe((state, previous) => {
    if (JSON.stringify(state.phrases) !== JSON.stringify(previous.phrases)) spotter.setPhrases(state.phrases)
  })
  return {
    spotter,
    listener,
    close() {
      unsubscribe()
      listener.reset()
      spotter.close()
    },
  }
}
