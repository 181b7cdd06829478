import createFvad from '@echogarden/fvad-wasm'
import { HubError } from '../../contracts/index.ts'
import { VOICE_RUN_SAMPLE_RATE_HZ } from './voice-audio.ts'

/** libfvad's aggressiveness, 0 (least) to 3 (most likely to call a frame silence). */
export const DEFAULT_VOICE_VAD_MODE = 2
/** Silence windows a client may ask for with `?endOfSpeechMs=`. */
export const MIN_END_OF_SPEECH_MS = 200
export const MAX_END_OF_SPEECH_MS = 5_000
const FRAME_MS = 20
const FRAME_SAMPLES = (VOICE_RUN_SAMPLE_RATE_HZ * FRAME_MS) / 1000

/** Finds the end of speech in 16 kHz mono pcm16: speech, then `silenceMs` without it. */
export interface Endpointer {
  /** Feeds audio; true once the person has spoken and then been silent for the window. */
  push(pcm: Buffer): boolean
  close(): void
}

/** The `?endOfSpeechMs=` of a voice connection: undefined when absent, an error when out of range. */
export function parseEndOfSpeechMs(value: unknown): number | undefined {
  if (value === undefined) return undefined
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (!(number >= MIN_END_OF_SPEECH_MS && number <= MAX_END_OF_SPEECH_MS))
    throw new HubError(
      'E_VALIDATION',
      `endOfSpeechMs must be an integer from ${MIN_END_OF_SPEECH_MS} to ${MAX_END_OF_SPEECH_MS}, got ${JSON.stringify(value)}`,
    )
  return number
}

/** WebRTC's voice activity detector (libfvad in WASM), one instance per utterance. */
export async function createEndpointer(
  silenceMs: number,
  mode = DEFAULT_VOICE_VAD_MODE,
): Promise<Endpointer> {
  const vad = await createFvad()
  const handle = vad._fvad_new()
  if (handle === 0) throw new HubError('E_RESOURCE_LIMIT', 'the voice activity detector could not be created')
  vad._fvad_set_mode(handle, mode)
  vad._fvad_set_sample_rate(handle, VOICE_RUN_SAMPLE_RATE_HZ)
  const frame = vad._malloc(FRAME_SAMPLES * 2)
  let pending: Buffer = Buffer.alloc(0)
  let spoke = false
  let silentMs = 0
  let closed = false
  return {
    push(pcm) {
      pending = pending.length === 0 ? pcm : Buffer.concat([pending, pcm])
      let ended = false
      while (pending.length >= FRAME_SAMPLES * 2) {
        for (let index = 0; index < FRAME_SAMPLES; index++)
          vad.HEAP16[(frame >> 1) + index] = pending.readInt16LE(index * 2)
        if (vad._fvad_process(handle, frame, FRAME_SAMPLES) === 1) {
          spoke = true
          silentMs = 0
        } else if (spoke) silentMs += FRAME_MS
        pending = pending.subarray(FRAME_SAMPLES * 2)
        if (spoke && silentMs >= silenceMs) ended = true
      }
      return ended
    },
    close() {
      if (closed) return
      closed = true
      vad._free(frame)
      vad._fvad_free(handle)
    },
  }
}
