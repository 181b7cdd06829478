import type { Socket } from 'node:net'
import { type Envelope, HubError, toHubError } from '../../contracts/index.ts'
import { encodeWyomingEvent, type WyomingEvent, WyomingReader } from '../../wyoming/index.ts'
import { parseVoiceFormat, type VoiceFormat } from './voice-audio.ts'
import { VoiceSession, type VoiceSessionOptions } from './voice-session.ts'

/** Largest Wyoming payload a satellite may send: one second of 48 kHz 16-bit stereo is 188 KiB. */
export const DEFAULT_WYOMING_SERVER_MAX_PAYLOAD_BYTES = 256 * 1024
/** Largest header line or data block a satellite may send, in bytes. */
export const DEFAULT_WYOMING_SERVER_MAX_HEADER_BYTES = 16 * 1024
/** Events read but not yet handled before the connection stops reading (back-pressure). */
const MAX_QUEUED_EVENTS = 64
/** A started event whose bytes stop coming for this long closes the connection (payload_length lied). */
export const DEFAULT_WYOMING_PARTIAL_EVENT_MS = 5_000
/** After a broken stream, how long the satellite has to read the error before the socket is destroyed. */
const CLOSE_GRACE_MS = 1_000

/** Where a turn ends, from `run-pipeline`'s end_stage (intent counts as handle). */
export type WyomingEndStage = 'asr' | 'handle' | 'tts'

const END_STAGES: Readonly<Record<string, WyomingEndStage>> = {
  asr: 'asr',
  intent: 'handle',
  handle: 'handle',
  tts: 'tts',
}

const ACCEPTED = 'describe, ping, run-pipeline, transcribe, audio-start, audio-chunk, audio-stop and played'

export interface WyomingConnectionOptions
  extends Pick<VoiceSessionOptions, 'runner' | 'pipeline' | 'route' | 'limits' | 'endOfSpeechMs'> {
  /** The data of the `info` event. */
  info: Record<string, unknown>
}

/** What the satellite hears of one turn. */
interface TurnView {
  readonly endStage: WyomingEndStage
  /**
   * Nothing more of this turn goes to the satellite: its end stage (asr) was reached, or the
   * satellite started another pipeline (its cancellation is not reported as an error).
   */
  finished: boolean
  answer: string | undefined
  /** The answer's audio stream, once audio-start went out. */
  audio: { rate: number; sentMs: number; stopped: boolean } | undefined
}

/**
 * One satellite (or any Wyoming client) on the hub's Wyoming server: `describe` → `info`; audio
 * (`audio-start`, `audio-chunk`s, `audio-stop`, or the hub's end-of-speech detection) → a voice
 * turn through a VoiceSession; the turn comes back as `voice-stopped`, `transcript`, and the answer
 * as `audio-start`/`audio-chunk`/`audio-stop` (end stage tts) or `handled` (end stage handle).
 * A refused event answers `error {text, code}` and the connection stays; a broken stream (bad
 * header, oversized event) answers `error` and the connection closes.
 */
export class WyomingConnection {
  readonly #socket: Socket
  readonly #options: WyomingConnectionOptions
  readonly #reader = new WyomingReader({
    maxHeaderBytes: DEFAULT_WYOMING_SERVER_MAX_HEADER_BYTES,
    maxPayloadBytes: DEFAULT_WYOMING_SERVER_MAX_PAYLOAD_BYTES,
  })
  readonly #session: VoiceSession
  readonly #turns = new Map<string, TurnView>()
  #queue: Promise<void> = Promise.resolve()
  #queued = 0
  /** End stage of the next utterance, set by run-pipeline or transcribe. */
  #endStage: WyomingEndStage = 'tts'
  /** End stage of the utterance being opened, for the first events of its run. */
  #opening: WyomingEndStage = 'tts'
  /** run-pipeline or transcribe came: the next audio opens an utterance even without audio-start. */
  #armed = false
  #format: VoiceFormat | undefined
  /** Audio outside an utterance is reported once, not once per chunk. */
  #strayReported = false
  #closed = false
  #partialTimer: NodeJS.Timeout | undefined

  constructor(socket: Socket, options: WyomingConnectionOptions) {
    this.#socket = socket
    this.#options = options
    this.#session = new VoiceSession({
      ...options,
      source: 'wyoming',
      onEvent: (event) => this.#runEvent(event),
      onError: (error) => this.#sendError(error),
    })
    socket.on('data', (chunk: Buffer) => this.#receive(chunk))
    socket.on('close', () => this.close())
    socket.on('error', () => this.close())
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#partialTimer)
    this.#session.close('ended: the satellite went away')
    this.#socket.destroy()
  }

  #receive(chunk: Buffer): void {
    if (this.#closed) return
    let events: WyomingEvent[]
    try {
      events = this.#reader.push(chunk)
    } catch (error) {
      // The framing is lost: nothing after this point can be read.
      this.#abort(error)
      return
    }
    clearTimeout(this.#partialTimer)
    if (this.#reader.pending > 0) {
      this.#partialTimer = setTimeout(
        () =>
          this.#abort(
            new HubError(
              'E_TIMEOUT',
              `an event stayed incomplete for ${DEFAULT_WYOMING_PARTIAL_EVENT_MS} ms: fewer bytes came than data_length and payload_length announced`,
            ),
          ),
        DEFAULT_WYOMING_PARTIAL_EVENT_MS,
      )
      this.#partialTimer.unref()
    }
    for (const event of events) {
      this.#queued++
      if (this.#queued > MAX_QUEUED_EVENTS) this.#socket.pause()
      this.#queue = this.#queue.then(async () => {
        try {
          if (!this.#closed) await this.#handle(event)
        } catch (error) {
          this.#sendError(error)
        } finally {
          this.#queued--
          if (this.#queued <= MAX_QUEUED_EVENTS / 4 && this.#socket.isPaused()) this.#socket.resume()
        }
      })
    }
  }

  /** Sends the error, then closes: the stream cannot be read any further. */
  #abort(error: unknown): void {
    if (this.#closed) return
    this.#sendError(error)
    this.#closed = true
    clearTimeout(this.#partialTimer)
    this.#session.close('ended: the satellite sent a broken stream')
    this.#socket.end()
    setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS).unref()
  }

  async #handle(event: WyomingEvent): Promise<void> {
    switch (event.type) {
      case 'describe':
        return this.#send('info', this.#options.info)
      case 'ping':
        return this.#send('pong', typeof event.data.text === 'string' ? { text: event.data.text } : {})
      case 'run-pipeline':
        return this.#runPipeline(event.data)
      case 'transcribe':
        this.#arm('asr')
        return
      case 'audio-start':
        return await this.#open(audioFormat(event.data, 'audio-start'))
      case 'audio-chunk':
        return await this.#chunk(event)
      case 'audio-stop':
        return await this.#stop()
      case 'played':
      case 'error':
        // The satellite finished playing the answer, or reports its own trouble: nothing to do.
        return
      default:
        throw new HubError('E_BAD_REQUEST', `this Wyoming server takes ${ACCEPTED}, not ${event.type}`)
    }
  }

  #runPipeline(data: Record<string, unknown>): void {
    const start = data.start_stage
    const end =
      typeof data.end_stage === 'string' && Object.hasOwn(END_STAGES, data.end_stage)
        ? END_STAGES[data.end_stage]
        : undefined
    if (start === 'wake')
      throw new HubError(
        'E_BAD_REQUEST',
        'run-pipeline start_stage wake: the hub does not detect wake words on a satellite; detect them on the satellite and send start_stage asr',
      )
    if (start !== 'asr')
      throw new HubError(
        'E_BAD_REQUEST',
        `run-pipeline start_stage must be asr (the hub runs a voice turn from audio), got ${JSON.stringify(start)}`,
      )
    if (end === undefined)
      throw new HubError(
        'E_VALIDATION',
        `run-pipeline end_stage must be asr, intent, handle or tts, got ${JSON.stringify(data.end_stage)}`,
      )
    this.#arm(end)
  }

  #arm(endStage: WyomingEndStage): void {
    this.#endStage = endStage
    this.#armed = true
    // The person speaks again: the turn still listening, thinking or speaking stops now (barge-in).
    this.#interruptRunningTurn()
  }

  #interruptRunningTurn(): void {
    const running = this.#session.traceId
    if (running === undefined) return
    const view = this.#turns.get(running)
    if (view !== undefined) {
      // The answer playing on the satellite ends here.
      this.#stopAudio(view)
      view.finished = true
    }
    this.#session.cancel('interrupted: the person spoke again (barge-in)')
  }

  async #open(format: VoiceFormat): Promise<void> {
    if (this.#session.listening)
      throw new HubError('E_BAD_REQUEST', 'audio-start while an utterance is open: send audio-stop first')
    this.#interruptRunningTurn()
    this.#opening = this.#endStage
    this.#endStage = 'tts'
    this.#armed = false
    this.#strayReported = false
    this.#format = format
    await this.#session.start(format)
  }

  async #chunk(event: WyomingEvent): Promise<void> {
    const format = audioFormat(event.data, 'audio-chunk')
    if (event.payload === undefined || event.payload.length === 0)
      throw new HubError('E_VALIDATION', 'audio-chunk has no payload: the audio goes in payload_length bytes')
    if (!this.#session.listening && this.#armed) await this.#open(format)
    if (!this.#session.listening) {
      try {
        return await this.#session.push(event.payload)
      } catch (error) {
        if (this.#strayReported || toHubError(error).code !== 'E_BAD_REQUEST') return
        this.#strayReported = true
        throw new HubError(
          'E_BAD_REQUEST',
          'audio-chunk outside an utterance: send audio-start, run-pipeline or transcribe first; further stray audio is dropped silently',
        )
      }
    }
    const open = this.#format
    if (open !== undefined && (open.sampleRate !== format.sampleRate || open.channels !== format.channels))
      throw new HubError(
        'E_VALIDATION',
        `audio-chunk is ${format.sampleRate} Hz, ${format.channels} channel(s); the utterance started as ${open.sampleRate} Hz, ${open.channels} channel(s): the chunk is dropped`,
      )
    await this.#session.push(event.payload)
  }

  async #stop(): Promise<void> {
    if (!this.#session.listening && this.#armed)
      throw new HubError('E_VALIDATION', 'audio-stop before any audio: the pipeline had nothing to hear')
    try {
      await this.#session.end()
    } catch (error) {
      if (toHubError(error).code !== 'E_BAD_REQUEST') throw error
      throw new HubError('E_BAD_REQUEST', 'audio-stop without audio-start: no utterance is open')
    }
  }

  #viewOf(traceId: string): TurnView {
    let view = this.#turns.get(traceId)
    if (view === undefined) {
      view = { endStage: this.#opening, finished: false, answer: undefined, audio: undefined }
      this.#turns.set(traceId, view)
    }
    return view
  }

  /** An event of a run of this connection's session, as the satellite should hear it. */
  #runEvent(event: Envelope): void {
    const traceId = event.traceId
    if (traceId === undefined) return
    const view = this.#viewOf(traceId)
    const payload = (event.payload ?? {}) as Record<string, unknown>
    if (event.type === 'turn.end') {
      this.#turns.delete(traceId)
      if (view.endStage === 'handle' && !view.finished)
        this.#send(view.answer === undefined ? 'not-handled' : 'handled', {
          ...(view.answer === undefined ? {} : { text: view.answer }),
        })
      return
    }
    if (view.finished) return
    switch (event.type) {
      case 'voice.end':
        this.#send('voice-stopped', { timestamp: Number(payload.totalMs) || 0 })
        return
      case 'stt.final':
        this.#send('transcript', { text: String(payload.text ?? '') })
        if (view.endStage === 'asr') {
          // Only the transcript was asked for: the answer is not worked out.
          view.finished = true
          if (this.#session.traceId === traceId && !this.#session.listening)
            this.#session.cancel('stopped after the transcript: the satellite asked for the transcript only')
        }
        return
      case 'llm.complete':
        view.answer = typeof payload.text === 'string' ? payload.text : undefined
        return
      case 'tts.start':
        this.#ttsStart(view, payload)
        return
      case 'tts.audio':
        this.#ttsAudio(view, payload)
        return
      case 'tts.end':
        this.#stopAudio(view)
        return
      case 'error.raised':
        this.#stopAudio(view)
        this.#send('error', { text: String(payload.message ?? 'the voice turn failed'), code: payload.code })
        return
      default:
        return
    }
  }

  #ttsStart(view: TurnView, payload: Record<string, unknown>): void {
    if (view.endStage !== 'tts' || view.audio !== undefined) return
    const rate = Number(payload.sampleRate)
    view.audio = { rate, sentMs: 0, stopped: false }
    this.#send('audio-start', { rate, width: 2, channels: 1, timestamp: 0 })
  }

  #ttsAudio(view: TurnView, payload: Record<string, unknown>): void {
    const audio = view.audio
    if (audio === undefined || audio.stopped) return
    const pcm = Buffer.from(String(payload.bytesB64 ?? ''), 'base64')
    this.#send(
      'audio-chunk',
      { rate: audio.rate, width: 2, channels: 1, timestamp: Math.round(audio.sentMs) },
      pcm,
    )
    audio.sentMs += (pcm.length / 2 / audio.rate) * 1000
  }

  #stopAudio(view: TurnView): void {
    if (view.audio === undefined || view.audio.stopped) return
    view.audio.stopped = true
    this.#send('audio-stop', { timestamp: Math.round(view.audio.sentMs) })
  }

  #sendError(error: unknown): void {
    const failure = toHubError(error)
    this.#send('error', { text: failure.message, code: failure.code })
  }

  #send(type: string, data: Record<string, unknown>, payload?: Buffer): void {
    if (this.#socket.destroyed || !this.#socket.writable) return
    this.#socket.write(encodeWyomingEvent(type, data, payload))
  }
}

/** rate/width/channels of an audio event; only 16-bit samples (width 2) are taken. */
function audioFormat(data: Record<string, unknown>, type: string): VoiceFormat {
  if (data.width !== 2)
    throw new HubError(
      'E_VALIDATION',
      `${type} width must be 2 (16-bit samples), got ${JSON.stringify(data.width)}`,
    )
  try {
    return parseVoiceFormat({ sampleRate: data.rate, format: 'pcm16', channels: data.channels })
  } catch (error) {
    throw new HubError(
      'E_VALIDATION',
      `${type}: ${toHubError(error).message.replace('voice.start sampleRate', 'rate').replace('voice.start channels', 'channels')}`,
    )
  }
}
