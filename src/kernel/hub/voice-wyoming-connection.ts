import type { Socket } from 'node:net'
import { type Envelope, HubError, toHubError } from '../../contracts/index.ts'
import type { HandsFreeService } from '../../wake-word/index.ts'
import { encodeWyomingEvent, type WyomingEvent, WyomingReader } from '../../wyoming/index.ts'
import type { VoiceFormat } from './voice-audio.ts'
import { VoiceSession } from './voice-session.ts'
import { stopAnswerAudio, type TurnView, type WyomingEndStage } from './voice-wyoming-answer-audio.ts'
import { audioFormat } from './voice-wyoming-audio-format.ts'
import {
  ACCEPTED,
  CLOSE_GRACE_MS,
  DEFAULT_WYOMING_PARTIAL_EVENT_MS,
  DEFAULT_WYOMING_SERVER_MAX_HEADER_BYTES,
  DEFAULT_WYOMING_SERVER_MAX_PAYLOAD_BYTES,
  END_STAGES,
  MAX_QUEUED_EVENTS,
  type WyomingConnectionOptions,
} from './voice-wyoming-connection-options.ts'
import { sendTurnEvent } from './voice-wyoming-turn-events.ts'
import { type WakeStream, WyomingWakeSource } from './voice-wyoming-wake.ts'

export {
  DEFAULT_WYOMING_PARTIAL_EVENT_MS,
  DEFAULT_WYOMING_SERVER_MAX_HEADER_BYTES,
  DEFAULT_WYOMING_SERVER_MAX_PAYLOAD_BYTES,
  type WyomingConnectionOptions,
} from './voice-wyoming-connection-options.ts'

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
  readonly #sender = (type: string, data: Record<string, unknown>, payload?: Buffer) =>
    this.#send(type, data, payload)
  #partialTimer: NodeJS.Timeout | undefined
  #wake: WakeStream | undefined
  #wakeSource: WyomingWakeSource | undefined
  #openingFromWake = false

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
    this.#closeWakeSource()
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
      const partialMs = this.#options.partialEventMs ?? DEFAULT_WYOMING_PARTIAL_EVENT_MS
      this.#partialTimer = setTimeout(
        () =>
          this.#abort(
            new HubError(
              'E_TIMEOUT',
              `an event stayed incomplete for ${partialMs} ms: fewer bytes came than data_length and payload_length announced`,
            ),
          ),
        partialMs,
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
    this.#closeWakeSource()
    this.#session.close('ended: the satellite sent a broken stream')
    this.#socket.end()
    setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS).unref()
  }

  async #handle(event: WyomingEvent): Promise<void> {
    switch (event.type) {
      case 'describe':
        return this.#send(
          'info',
          typeof this.#options.info === 'function' ? this.#options.info() : this.#options.info,
        )
      case 'ping':
        return this.#send('pong', typeof event.data.text === 'string' ? { text: event.data.text } : {})
      case 'run-pipeline':
        return this.#runPipeline(event.data)
      case 'transcribe':
        this.#arm('asr')
        return
      case 'detect':
        // The published wake flow; `names` is not used: the hub's phrases (/voice/wake-words) apply.
        return this.#armWake({ endStage: 'tts', restart: false, detect: true })
      case 'audio-start':
        if (this.#wake !== undefined) return this.#wakeStart(audioFormat(event.data, 'audio-start'))
        return await this.#open(audioFormat(event.data, 'audio-start'))
      case 'audio-chunk':
        if (this.#wake !== undefined) return await this.#wakeSource?.pushEvent(event)
        return await this.#chunk(event)
      case 'audio-stop':
        if (this.#wake !== undefined) return await this.#wakeStop()
        return await this.#stop()
      case 'played':
      case 'error':
      case 'info':
      case 'pong':
        // The answer finished playing, the satellite's own trouble, or its answers to the hub's
        // describe and ping (a satellite the hub dialled): nothing to do.
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
    if (start !== 'asr' && start !== 'wake')
      throw new HubError(
        'E_BAD_REQUEST',
        `run-pipeline start_stage must be wake or asr (the hub runs a voice turn from audio), got ${JSON.stringify(start)}`,
      )
    if (end === undefined)
      throw new HubError(
        'E_VALIDATION',
        `run-pipeline end_stage must be asr, intent, handle or tts, got ${JSON.stringify(data.end_stage)}`,
      )
    if (start === 'wake') {
      this.#armWake({ endStage: end, restart: data.restart_on_end === true, detect: false })
      return
    }
    this.#arm(end)
  }

  /** The satellite streams for the wake word from now on (decision 1560). */
  #armWake(stream: WakeStream): void {
    const handsFree = this.#options.handsFree
    if (handsFree === undefined)
      throw new HubError(
        'E_DEPENDENCY_UNAVAILABLE',
        'the hub detects wake words only with the wake skill enabled (skill.voice.wake, docs/voice.md); detect them on the satellite and send start_stage asr',
      )
    if (this.#wakeSource === undefined) this.#wakeSource = this.#openWakeSource(handsFree)
    this.#interruptRunningTurn()
    this.#armed = false
    this.#wakeSource.restart()
    this.#wake = stream
    this.#strayReported = false
    if (!this.#wakeSource.listening)
      this.#sendError(
        new HubError(
          'E_BAD_REQUEST',
          `the hub's voice mode is ${handsFree.control.state().mode}: the stream is not listened to until the mode is wake_word or talk (PUT /voice/mode)`,
        ),
      )
  }

  /** The detector of this connection, within the hub's budget of wake streams. */
  #openWakeSource(handsFree: HandsFreeService): WyomingWakeSource {
    return WyomingWakeSource.open({
      handsFree,
      session: this.#session,
      source: this.#options.sourceName ?? 'wyoming',
      bus: this.#options.bus,
      ...(this.#options.wakeBudget === undefined ? {} : { budget: this.#options.wakeBudget }),
      beforeTurn: () => {
        this.#interruptRunningTurn()
        this.#opening = this.#wake?.endStage ?? 'tts'
        this.#openingFromWake = true
      },
      send: (type, data) => this.#send(type, data),
      onError: (error) => this.#sendError(error),
    })
  }

  #closeWakeSource(): void {
    this.#wakeSource?.close()
    this.#wakeSource = undefined
  }

  #wakeStart(format: VoiceFormat): void {
    this.#format = format
    this.#wakeSource?.restart()
  }

  /** The satellite ended its stream: an open utterance ends, the wake flow hears not-detected. */
  async #wakeStop(): Promise<void> {
    const stream = this.#wake
    this.#wake = undefined
    if (stream?.detect === true && this.#wakeSource?.detections === 0) this.#send('not-detected', {})
    if (this.#session.listening) await this.#session.end()
  }

  #arm(endStage: WyomingEndStage): void {
    // Audio after run-pipeline start_stage asr or transcribe is a question, not a wake stream.
    this.#wake = undefined
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
      stopAnswerAudio(view, this.#sender)
      view.finished = true
      view.superseded = true
    }
    this.#session.cancel('interrupted: the person spoke again (barge-in)')
  }

  async #open(format: VoiceFormat): Promise<void> {
    if (this.#session.listening)
      throw new HubError('E_BAD_REQUEST', 'audio-start while an utterance is open: send audio-stop first')
    this.#interruptRunningTurn()
    this.#opening = this.#endStage
    this.#openingFromWake = false
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
      view = {
        endStage: this.#opening,
        finished: false,
        answer: undefined,
        audio: undefined,
        fromWake: this.#openingFromWake,
        superseded: false,
      }
      this.#turns.set(traceId, view)
    }
    return view
  }

  /** An event of a run of this connection's session, as the satellite should hear it. */
  #runEvent(event: Envelope): void {
    const traceId = event.traceId
    if (traceId === undefined) return
    const view = this.#viewOf(traceId)
    this.#wakeSource?.observe(event)
    if (event.type === 'turn.end') {
      this.#turns.delete(traceId)
      // Without restart_on_end one wake makes one turn; later audio is stray until the next request.
      if (view.fromWake && !view.superseded && this.#wake !== undefined && !this.#wake.restart)
        this.#wake = undefined
      if (view.endStage === 'handle' && !view.finished)
        this.#send(view.answer === undefined ? 'not-handled' : 'handled', {
          ...(view.answer === undefined ? {} : { text: view.answer }),
        })
      return
    }
    if (view.finished) return
    sendTurnEvent(view, event, this.#sender, () => {
      // Only the transcript was asked for: the answer is not worked out.
      if (this.#session.traceId === traceId && !this.#session.listening)
        this.#session.cancel('stopped after the transcript: the satellite asked for the transcript only')
    })
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
