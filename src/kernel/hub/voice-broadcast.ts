import type { WebSocket } from 'ws'
import type { Bus, Subscription } from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'
// pipeline-triggers.ts imports voice-entry.ts, which imports this file: only functions are used.
import { send } from './pipeline-triggers.ts'

/** Speech published with this `meta.broadcast` (a spoken nudge) is played to idle voice sessions. */
export const VOICE_BROADCAST = 'voice'

/** What the broadcast needs of a voice session: its id and whether a turn or utterance runs. */
export interface BroadcastListener {
  readonly sessionId: string
  /** The running turn's trace id, if any. */
  readonly traceId: string | undefined
  readonly listening: boolean
}

/**
 * Speech that belongs to no turn (a voice nudge: docs/signals.md) goes to every open voice
 * connection that is idle when it starts: tts.start … tts.end of one trace, all of it or none of it
 * (a connection in a turn or an utterance hears none), with the connection's session id.
 */
export class VoiceBroadcast {
  readonly #listeners = new Map<WebSocket, { session: BroadcastListener; playing: Set<string> }>()
  readonly #subscription: Promise<Subscription>

  constructor(bus: Bus) {
    // Trusted and live: stored (tts.start, tts.end) and ephemeral (tts.audio) events arrive in the
    // order they were published, as a turn's do.
    this.#subscription = bus.subscribe(
      'tts.*',
      (event) => {
        if (event.meta?.broadcast === VOICE_BROADCAST) this.#play(event)
      },
      { trusted: true },
    )
  }

  add(socket: WebSocket, session: BroadcastListener): void {
    this.#listeners.set(socket, { session, playing: new Set() })
  }

  remove(socket: WebSocket): void {
    this.#listeners.delete(socket)
  }

  async close(): Promise<void> {
    this.#listeners.clear()
    await (await this.#subscription).unsubscribe().catch(() => undefined)
  }

  #play(event: Envelope): void {
    for (const [socket, { session, playing }] of this.#listeners) {
      if (event.type === 'tts.start') {
        if (session.traceId !== undefined || session.listening) continue
        playing.add(event.traceId)
      }
      if (!playing.has(event.traceId)) continue
      if (event.type === 'tts.end') playing.delete(event.traceId)
      send(socket, { ...event, sessionId: session.sessionId })
    }
  }
}
