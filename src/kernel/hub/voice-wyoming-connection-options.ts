import type { Bus } from '../../bus/index.ts'
import { HubError } from '../../contracts/index.ts'
import type { HandsFreeService } from '../../wake-word/index.ts'
import type { VoiceSessionOptions } from './voice-session.ts'
import type { WyomingEndStage } from './voice-wyoming-answer-audio.ts'
import type { WakeStreamBudget } from './voice-wyoming-wake.ts'

// The limits and options of one Wyoming connection (voice-wyoming-connection.ts), and the names it
// accepts: a satellite's end stage, the events it may send.

/** Largest Wyoming payload a satellite may send: one second of 48 kHz 16-bit stereo is 188 KiB. */
export const DEFAULT_WYOMING_SERVER_MAX_PAYLOAD_BYTES = 256 * 1024
/** Largest header line or data block a satellite may send, in bytes. */
export const DEFAULT_WYOMING_SERVER_MAX_HEADER_BYTES = 16 * 1024
/** Events read but not yet handled before the connection stops reading (back-pressure). */
export const MAX_QUEUED_EVENTS = 64
/** A started event whose bytes stop coming for this long closes the connection (payload_length lied). */
export const DEFAULT_WYOMING_PARTIAL_EVENT_MS = 5_000
/** Bounds of HubOptions.wyomingPartialEventMs: under 100 ms a busy event loop alone would close satellites. */
export const MIN_WYOMING_PARTIAL_EVENT_MS = 100
export const MAX_WYOMING_PARTIAL_EVENT_MS = 60_000
/** After a broken stream, how long the satellite has to read the error before the socket is destroyed. */
export const CLOSE_GRACE_MS = 1_000

/** run-pipeline's end_stage as this hub runs it (intent is handled as handle). */
export const END_STAGES: Readonly<Record<string, WyomingEndStage>> = {
  asr: 'asr',
  intent: 'handle',
  handle: 'handle',
  tts: 'tts',
}

export const ACCEPTED =
  'describe, ping, run-pipeline, transcribe, detect, audio-start, audio-chunk, audio-stop, played, info and pong'

export interface WyomingConnectionOptions
  extends Pick<VoiceSessionOptions, 'runner' | 'pipeline' | 'route' | 'limits' | 'endOfSpeechMs'> {
  /** The data of the `info` event (a function: read on each describe). */
  info: Record<string, unknown> | (() => Record<string, unknown>)
  /** The hands-free settings (the wake skill): without them start_stage wake is refused. */
  handsFree?: HandsFreeService
  /** Where voice.wake.detected and voice.talk.* are published. */
  bus?: Bus
  /** The satellite's name as a hands-free source (default `wyoming`). */
  sourceName?: string
  /** Shared by the hub's satellites: wake streams (decoders) at once. */
  wakeBudget?: WakeStreamBudget
  /** How long an event may stay incomplete (default DEFAULT_WYOMING_PARTIAL_EVENT_MS). */
  partialEventMs?: number
}

/** The partial-event limit a hub was given (HubOptions.wyomingPartialEventMs), checked before it opens. */
export function checkWyomingPartialEventMs(value: unknown): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < MIN_WYOMING_PARTIAL_EVENT_MS ||
    value > MAX_WYOMING_PARTIAL_EVENT_MS
  )
    throw new HubError(
      'E_VALIDATION',
      `wyomingPartialEventMs must be an integer from ${MIN_WYOMING_PARTIAL_EVENT_MS} to ${MAX_WYOMING_PARTIAL_EVENT_MS}, got ${JSON.stringify(value)}`,
    )
  return value
}
