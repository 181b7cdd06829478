// What a Wyoming satellite hears of one voice turn, and the answer's audio as Wyoming events
// (audio-start, audio-chunk with the running timestamp, audio-stop), for WyomingConnection.

/** Where a turn ends, from `run-pipeline`'s end_stage (intent counts as handle). */
export type WyomingEndStage = 'asr' | 'handle' | 'tts'

/** What the satellite hears of one turn. */
export interface TurnView {
  readonly endStage: WyomingEndStage
  /**
   * Nothing more of this turn goes to the satellite: its end stage (asr) was reached, or the
   * satellite started another pipeline (its cancellation is not reported as an error).
   */
  finished: boolean
  answer: string | undefined
  /** The answer's audio stream, once audio-start went out. */
  audio: { rate: number; sentMs: number; stopped: boolean } | undefined
  /** The turn was opened by a wake on the satellite's stream. */
  fromWake: boolean
  /** Another pipeline or wake interrupted the turn (barge-in): its end does not end the wake stream. */
  superseded: boolean
}

/** Sends one Wyoming event to the satellite. */
export type WyomingSend = (type: string, data: Record<string, unknown>, payload?: Buffer) => void

/** tts.start of a turn that ends at tts: the answer's audio-start (once). */
export function startAnswerAudio(view: TurnView, payload: Record<string, unknown>, send: WyomingSend): void {
  if (view.endStage !== 'tts' || view.audio !== undefined) return
  const rate = Number(payload.sampleRate)
  view.audio = { rate, sentMs: 0, stopped: false }
  send('audio-start', { rate, width: 2, channels: 1, timestamp: 0 })
}

/** tts.audio: one audio-chunk, stamped with the ms of answer sent before it. */
export function sendAnswerAudio(view: TurnView, payload: Record<string, unknown>, send: WyomingSend): void {
  const audio = view.audio
  if (audio === undefined || audio.stopped) return
  const pcm = Buffer.from(String(payload.bytesB64 ?? ''), 'base64')
  send('audio-chunk', { rate: audio.rate, width: 2, channels: 1, timestamp: Math.round(audio.sentMs) }, pcm)
  audio.sentMs += (pcm.length / 2 / audio.rate) * 1000
}

/** The answer ends (tts.end, an error, or a barge-in): audio-stop, once. */
export function stopAnswerAudio(view: TurnView, send: WyomingSend): void {
  if (view.audio === undefined || view.audio.stopped) return
  view.audio.stopped = true
  send('audio-stop', { timestamp: Math.round(view.audio.sentMs) })
}
