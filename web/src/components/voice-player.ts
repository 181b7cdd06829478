// Plays the hub's tts.audio (pcm16 mono) gaplessly through an AudioContext and reports when the
// last chunk has actually finished playing, which the panel shows (and tests read).

export type PlaybackState = 'none' | 'playing' | 'played' | 'stopped'

/** Scheduling a chunk this far ahead of "now" keeps a late chunk from starting in the past. */
const SCHEDULE_AHEAD_S = 0.05

/** Where a chunk of the answer sits: its start on the AudioContext's clock and on the answer's audio clock. */
interface ScheduledChunk {
  contextStart: number
  audioStartMs: number
  durationMs: number
}

export class AnswerPlayer {
  #sampleRate = 16_000
  #nextTime = 0
  #sources = new Set<AudioBufferSourceNode>()
  #ended = false
  #playedMs = 0
  // The answer's audio clock (ms of audio from its start) against the context's clock, for the face.
  #schedule: ScheduledChunk[] = []
  #scheduledMs = 0

  constructor(
    private readonly context: AudioContext,
    private readonly onChange: (state: PlaybackState, playedMs: number) => void,
  ) {}

  begin(sampleRate: number): void {
    this.stop('none')
    this.#sampleRate = sampleRate
    this.#ended = false
    this.#playedMs = 0
    this.#nextTime = 0
    this.#schedule = []
    this.#scheduledMs = 0
  }

  push(bytesB64: string): void {
    const bytes = Uint8Array.from(atob(bytesB64), (character) => character.charCodeAt(0))
    const view = new DataView(bytes.buffer)
    const count = Math.floor(bytes.length / 2)
    if (count === 0) return
    const buffer = this.context.createBuffer(1, count, this.#sampleRate)
    const channel = buffer.getChannelData(0)
    for (let index = 0; index < count; index++) channel[index] = view.getInt16(index * 2, true) / 32768
    const source = this.context.createBufferSource()
    source.buffer = buffer
    source.connect(this.context.destination)
    const at = Math.max(this.#nextTime, this.context.currentTime + SCHEDULE_AHEAD_S)
    source.start(at)
    this.#nextTime = at + buffer.duration
    this.#schedule.push({
      contextStart: at,
      audioStartMs: this.#scheduledMs,
      durationMs: buffer.duration * 1000,
    })
    this.#scheduledMs += buffer.duration * 1000
    this.#sources.add(source)
    source.onended = () => {
      if (!this.#sources.delete(source)) return
      this.#playedMs += buffer.duration * 1000
      this.#report()
    }
    this.onChange('playing', this.#playedMs)
  }

  /** No more audio for this answer: `played` once what is scheduled has finished. */
  end(): void {
    this.#ended = true
    this.#report()
  }

  /** Barge-in or a new turn: silence at once. */
  stop(state: PlaybackState = 'stopped'): void {
    const wasPlaying = this.#sources.size > 0
    const sources = [...this.#sources]
    this.#sources.clear()
    this.#schedule = []
    for (const source of sources) {
      source.onended = null
      source.stop()
    }
    if (wasPlaying || state === 'none') this.onChange(state, this.#playedMs)
  }

  /**
   * The position in the answer's audio (ms from its start) that is being heard now, or undefined
   * when nothing plays. Between two chunks that arrived late it holds the end of the first.
   */
  positionMs(): number | undefined {
    if (this.#sources.size === 0 || this.#schedule.length === 0) return undefined
    const now = this.context.currentTime - (this.context.outputLatency || 0)
    let position: number | undefined
    for (const chunk of this.#schedule) {
      if (chunk.contextStart > now) break
      position = Math.min(
        chunk.audioStartMs + (now - chunk.contextStart) * 1000,
        chunk.audioStartMs + chunk.durationMs,
      )
    }
    return position
  }

  get busy(): boolean {
    return this.#sources.size > 0
  }

  #report(): void {
    if (this.#ended && this.#sources.size === 0) this.onChange('played', Math.round(this.#playedMs))
  }
}
