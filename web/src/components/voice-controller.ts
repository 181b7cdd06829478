// The dashboard's side of /ws/voice (docs/voice.md): one WebSocket is one session, authenticated
// by the page's login cookie like /ws/events. Push-to-talk sends voice.start on press and voice.end
// on release; hands-free connects with ?endOfSpeechMs so the hub finds the end of speech, and
// listens again once the answer has finished playing.
import { type Microphone, openMicrophone, Pcm16Batcher } from './voice-capture.ts'
import { AnswerPlayer, type PlaybackState } from './voice-player.ts'

export type VoiceMode = 'push-to-talk' | 'hands-free'

/** Silence after speech that ends a hands-free utterance (the hub accepts 200–5000). */
export const DEFAULT_HANDS_FREE_END_OF_SPEECH_MS = 700

export interface VoiceView {
  mode: VoiceMode
  /** off: nothing open yet; listening: the microphone streams; answering: a turn runs. */
  phase: 'off' | 'starting' | 'listening' | 'answering' | 'ready'
  handsFreeActive: boolean
  partial: string
  partials: number
  final: string
  answer: string
  error: string
  sessionState: string
  playback: PlaybackState
  playedMs: number
  /** Runs started on this connection (counted at turn.start) and the last one that ended. */
  turn: number
  finishedTurn: number
  /** The turns the shown transcript and answer, and `playback`, are about. */
  resultTurn: number
  playbackTurn: number
  capture: Microphone['kind'] | ''
  /** The connection's session (the face follows it on /ws/avatar) and the answer now playing. */
  sessionId: string
  answerTraceId: string
}

export const INITIAL_VOICE_VIEW: VoiceView = Object.freeze({
  mode: 'push-to-talk',
  phase: 'off',
  handsFreeActive: false,
  partial: '',
  partials: 0,
  final: '',
  answer: '',
  error: '',
  sessionState: 'idle',
  playback: 'none',
  playedMs: 0,
  turn: 0,
  finishedTurn: 0,
  resultTurn: 0,
  playbackTurn: 0,
  capture: '',
  sessionId: '',
  answerTraceId: '',
})

interface Frame {
  type: string
  payload: Record<string, unknown>
  sessionId?: string
  traceId?: string
}

function socketUrl(mode: VoiceMode): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws'
  const query = mode === 'hands-free' ? `?endOfSpeechMs=${DEFAULT_HANDS_FREE_END_OF_SPEECH_MS}` : ''
  return `${scheme}://${window.location.host}/ws/voice${query}`
}

export class VoiceController {
  #view: VoiceView = { ...INITIAL_VOICE_VIEW }
  #context: AudioContext | undefined
  #microphone: Microphone | undefined
  #player: AnswerPlayer | undefined
  #batcher: Pcm16Batcher | undefined
  #socket: WebSocket | undefined
  #socketMode: VoiceMode | undefined
  #listening = false
  #sentSamples = 0
  // After our voice.start, frames of the run it interrupted (its error and turn.end) still arrive:
  // they are skipped until the new run's turn.start.
  #awaitingTurnStart = false
  // The last turn stays on screen until the next one has something to show.
  #clearOnFirstResult = false
  // A press released while the microphone or connection was still opening (the first press waits
  // for the permission prompt): the utterance ends as soon as it has started.
  #starting = false
  #releasedWhileStarting = false

  constructor(private readonly onView: (view: VoiceView) => void) {}

  setMode(mode: VoiceMode): void {
    if (mode === this.#view.mode) return
    this.stopHandsFree()
    this.#closeSocket()
    this.#update({ mode })
  }

  /** Push-to-talk pressed (or hands-free started): stop any answer playing and open an utterance. */
  async startUtterance(): Promise<void> {
    if (this.#listening || this.#starting) return
    this.#starting = true
    this.#releasedWhileStarting = false
    try {
      if (this.#view.phase === 'off') this.#update({ phase: 'starting' })
      await this.#ensureAudio()
      await this.#ensureSocket()
    } catch (error) {
      this.#starting = false
      this.#update({
        phase: 'off',
        handsFreeActive: false,
        error: `microphone or hub: ${(error as Error).message}`,
      })
      return
    }
    this.#player?.stop()
    this.#batcher?.reset()
    this.#sentSamples = 0
    this.#awaitingTurnStart = true
    this.#send({
      type: 'voice.start',
      payload: { sampleRate: this.#microphone!.sampleRate, format: 'pcm16', channels: 1 },
    })
    this.#listening = true
    this.#starting = false
    this.#update({ phase: 'listening' })
    if (this.#releasedWhileStarting) this.endUtterance()
  }

  /** Push-to-talk released: the rest of the audio, then voice.end. */
  endUtterance(): void {
    if (this.#starting) this.#releasedWhileStarting = true
    if (!this.#listening) return
    const rest = this.#batcher?.flush()
    if (rest !== undefined) this.#sendAudio(rest)
    this.#listening = false
    const totalMs = Math.round((this.#sentSamples / (this.#microphone?.sampleRate ?? 16_000)) * 1000)
    this.#send({ type: 'voice.end', payload: { totalMs } })
    this.#update({ phase: 'answering' })
  }

  async startHandsFree(): Promise<void> {
    this.#update({ handsFreeActive: true })
    await this.startUtterance()
  }

  stopHandsFree(): void {
    if (!this.#view.handsFreeActive) return
    // An open utterance is dropped with its connection rather than sent as a (silent) question.
    if (this.#listening) {
      this.#listening = false
      this.#closeSocket()
    }
    this.#update({
      handsFreeActive: false,
      phase: this.#view.phase === 'listening' ? 'ready' : this.#view.phase,
    })
  }

  close(): void {
    this.#listening = false
    this.#closeSocket()
    this.#player?.stop()
    this.#microphone?.close()
    void this.#context?.close()
  }

  async #ensureAudio(): Promise<void> {
    if (this.#context === undefined) this.#context = new AudioContext()
    // Created and resumed inside the press or click, so autoplay rules let the answer play.
    await this.#context.resume()
    this.#player ??= new AnswerPlayer(this.#context, (playback, playedMs) =>
      this.#onPlayback(playback, playedMs),
    )
    if (this.#microphone === undefined) {
      this.#microphone = await openMicrophone(this.#context, (samples) => this.#onSamples(samples))
      this.#batcher = new Pcm16Batcher(this.#microphone.sampleRate)
      this.#update({ capture: this.#microphone.kind })
    }
  }

  #ensureSocket(): Promise<void> {
    const mode = this.#view.mode
    if (this.#socket?.readyState === WebSocket.OPEN && this.#socketMode === mode) return Promise.resolve()
    this.#closeSocket()
    const socket = new WebSocket(socketUrl(mode))
    socket.binaryType = 'arraybuffer'
    this.#socket = socket
    this.#socketMode = mode
    socket.onmessage = (event) => {
      if (typeof event.data === 'string') this.#onFrame(JSON.parse(event.data) as Frame)
    }
    return new Promise((resolve, reject) => {
      socket.onopen = () => {
        socket.onerror = null
        resolve()
      }
      socket.onerror = () =>
        reject(new Error('cannot open /ws/voice (is the hub running, are you logged in?)'))
      socket.onclose = (event) => {
        if (this.#socket !== socket) return
        this.#socket = undefined
        const wasListening = this.#listening
        this.#listening = false
        if (wasListening || this.#view.phase === 'answering')
          this.#update({
            phase: 'ready',
            handsFreeActive: false,
            error: `the hub closed the voice connection (${event.code})`,
          })
      }
    })
  }

  #closeSocket(): void {
    const socket = this.#socket
    this.#socket = undefined
    this.#socketMode = undefined
    if (socket === undefined) return
    // Frames still in flight on a connection we left belong to no turn we show.
    socket.onmessage = null
    socket.close()
  }

  #send(frame: Frame): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(frame))
  }

  #sendAudio(chunk: ArrayBuffer): void {
    if (this.#socket?.readyState !== WebSocket.OPEN) return
    this.#socket.send(chunk)
    this.#sentSamples += chunk.byteLength / 2
  }

  #onSamples(samples: Float32Array): void {
    if (!this.#listening || this.#batcher === undefined) return
    for (const chunk of this.#batcher.push(samples)) this.#sendAudio(chunk)
  }

  /** Where the answer's audio is being heard now (ms on its audio clock), or undefined when none plays. */
  audioPositionMs(): number | undefined {
    return this.#player?.positionMs()
  }

  #onFrame(frame: Frame): void {
    const payload = frame.payload ?? {}
    if (frame.sessionId !== undefined && frame.sessionId !== this.#view.sessionId)
      this.#update({ sessionId: frame.sessionId })
    // An entry error (it names `where`) is about what we sent, whatever the run.
    if (frame.type === 'error.raised' && payload.where !== undefined) {
      this.#listening = false
      this.#update({
        phase: 'ready',
        handsFreeActive: false,
        error: `${String(payload.code)}: ${String(payload.message)}`,
      })
      return
    }
    if (this.#awaitingTurnStart) {
      if (frame.type !== 'turn.start') return
      this.#awaitingTurnStart = false
      this.#clearOnFirstResult = true
      this.#update({ turn: this.#view.turn + 1 })
    }
    if (
      this.#clearOnFirstResult &&
      ['stt.partial', 'stt.final', 'llm.text', 'error.raised'].includes(frame.type)
    ) {
      this.#clearOnFirstResult = false
      this.#update({
        partial: '',
        partials: 0,
        final: '',
        answer: '',
        error: '',
        resultTurn: this.#view.turn,
      })
    }
    switch (frame.type) {
      case 'voice.end':
        // In hands-free mode the hub found the end of speech: stop sending.
        if (this.#listening) {
          this.#listening = false
          this.#batcher?.reset()
          this.#update({ phase: 'answering' })
        }
        break
      case 'session.state.changed':
        this.#update({ sessionState: String(payload.to ?? '') })
        break
      case 'stt.partial':
        this.#update({ partial: String(payload.text ?? ''), partials: this.#view.partials + 1 })
        break
      case 'stt.final':
        this.#update({ final: String(payload.text ?? ''), partial: String(payload.text ?? '') })
        break
      case 'llm.text':
        this.#update({ answer: `${this.#view.answer} ${String(payload.text ?? '')}`.trim() })
        break
      case 'tts.start':
        this.#update({ playbackTurn: this.#view.turn, answerTraceId: frame.traceId ?? '' })
        this.#player?.begin(Number(payload.sampleRate))
        break
      case 'tts.audio':
        this.#player?.push(String(payload.bytesB64 ?? ''))
        break
      case 'tts.end':
        this.#player?.end()
        break
      case 'error.raised':
        this.#update({ error: `${String(payload.code)}: ${String(payload.message)}` })
        break
      case 'turn.end':
        this.#update({ phase: this.#listening ? 'listening' : 'ready', finishedTurn: this.#view.turn })
        this.#listenAgainWhenQuiet()
        break
    }
  }

  #onPlayback(playback: PlaybackState, playedMs: number): void {
    this.#update({ playback, playedMs: Math.round(playedMs) })
    if (playback === 'played') this.#listenAgainWhenQuiet()
  }

  // Hands-free listens again after the turn, but not while its answer still plays: the person
  // would talk over it, and the speakers would be heard as the next question.
  #listenAgainWhenQuiet(): void {
    if (!this.#view.handsFreeActive || this.#listening || this.#view.phase !== 'ready') return
    if (this.#player?.busy === true) return
    void this.startUtterance()
  }

  #update(change: Partial<VoiceView>): void {
    this.#view = { ...this.#view, ...change }
    this.onView(this.#view)
  }
}
