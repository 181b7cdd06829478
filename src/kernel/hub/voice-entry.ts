import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'
import { uuidV7 } from '../../bus/index.ts'
import { type Envelope, HubError } from '../../contracts/index.ts'
import type { Pipeline } from '../../manifest/index.ts'
import { attachRunInbox, type RunEmitter, type RunState } from '../../skill-api/index.ts'
import type { PipelineRunner } from '../pipeline/index.ts'
// pipeline-triggers.ts imports this file: only functions and classes are used from it, at run time.
import { errorFrame, Inbox, send } from './pipeline-triggers.ts'
import {
  durationMs,
  PcmNormalizer,
  parseVoiceFormat,
  VOICE_RUN_SAMPLE_RATE_HZ,
  type VoiceFormat,
} from './voice-audio.ts'
import { createEndpointer, type Endpointer, parseEndOfSpeechMs } from './voice-endpointer.ts'

/** Longest utterance a client may stream, in milliseconds of audio. */
export const DEFAULT_VOICE_MAX_UTTERANCE_MS = 30_000
/** Audio bytes a connection may send per second (48 kHz f32 stereo in real time is 384 KiB/s). */
export const DEFAULT_VOICE_MAX_BYTES_PER_SECOND = 512 * 1024
/** Voice connections open at once on one entry; each runs at most one turn at a time. */
export const DEFAULT_VOICE_MAX_CONNECTIONS = 8
/** An open utterance that gets no audio message for this long ends with E_TIMEOUT (a stalled client). */
export const DEFAULT_VOICE_IDLE_MS = 5_000
/** Largest WS message, in bytes: a JSON chunk of 0.5 s of 48 kHz f32 stereo fits. */
export const DEFAULT_VOICE_MAX_MESSAGE_BYTES = 1024 * 1024
/** WebSocket close codes (RFC 6455 registry): "try again later" and "policy violation". */
const CLOSE_TRY_AGAIN_LATER = 1013
const CLOSE_POLICY_VIOLATION = 1008

export interface VoiceEntryLimits {
  maxUtteranceMs: number
  idleMs: number
  maxBytesPerSecond: number
  maxConnections: number
  maxMessageBytes: number
}

const DEFAULT_LIMITS: VoiceEntryLimits = {
  maxUtteranceMs: DEFAULT_VOICE_MAX_UTTERANCE_MS,
  idleMs: DEFAULT_VOICE_IDLE_MS,
  maxBytesPerSecond: DEFAULT_VOICE_MAX_BYTES_PER_SECOND,
  maxConnections: DEFAULT_VOICE_MAX_CONNECTIONS,
  maxMessageBytes: DEFAULT_VOICE_MAX_MESSAGE_BYTES,
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

interface Turn {
  readonly traceId: string
  readonly done: Promise<RunState>
}

interface Utterance {
  readonly traceId: string
  readonly inbox: Inbox
  readonly emitter: RunEmitter
  readonly format: VoiceFormat
  readonly normalizer: PcmNormalizer
  /** Present when the connection asked the hub to find the end of speech (`?endOfSpeechMs=`). */
  readonly endpointer: Endpointer | undefined
  nextSeq: number
  audioMs: number
}

/**
 * The voice protocol (docs/voice.md) on a pipeline whose first step is `recv: voice.chunk via
 * kernel.ws:/PATH`: voice.start opens an utterance and starts a run, voice.chunk (JSON, base64) or
 * binary frames carry its audio, voice.end closes it. The run receives the audio as 16 kHz mono
 * pcm16 through its inbox; every event of the run goes back to the client. A voice.start while the
 * previous turn still runs cancels it (barge-in). Bad input answers error.raised; the connection
 * stays open.
 */
export function voiceEntryRoute(
  runner: PipelineRunner,
  pipeline: Pipeline,
  route: string,
  limits: Partial<VoiceEntryLimits> = {},
): (app: FastifyInstance) => void {
  const limit = { ...DEFAULT_LIMITS, ...limits }
  let connections = 0
  return (app) => {
    app.get(route, { websocket: true }, (socket: WebSocket, request: FastifyRequest) => {
      let endOfSpeechMs: number | undefined
      try {
        endOfSpeechMs = parseEndOfSpeechMs((request.query as Record<string, unknown>).endOfSpeechMs)
      } catch (error) {
        send(socket, errorFrame(error, route))
        socket.close(CLOSE_POLICY_VIOLATION, 'bad endOfSpeechMs')
        return
      }
      if (connections >= limit.maxConnections) {
        send(
          socket,
          errorFrame(
            new HubError('E_RESOURCE_LIMIT', `more than ${limit.maxConnections} voice connections are open`),
            route,
          ),
        )
        socket.close(CLOSE_TRY_AGAIN_LATER, 'too many voice connections')
        return
      }
      connections++
      const connection = new VoiceConnection(runner, pipeline, route, limit, socket, endOfSpeechMs)
      socket.on('message', (data: Buffer, isBinary: boolean) => connection.receive(data, isBinary))
      socket.on('close', () => {
        connections--
        connection.close()
      })
    })
  }
}

class VoiceConnection {
  readonly #sessionId = `session-${uuidV7()}`
  #turn: Turn | undefined
  #utterance: Utterance | undefined
  #windowStartedAt = 0
  #windowBytes = 0
  // The hub ended the last utterance (end of speech found, or a limit reached): its trailing audio
  // and the client's own voice.end are dropped without an error (one was sent, or none was due),
  // until the next voice.start.
  #endedByHub = false
  #closed = false
  #idleTimer: NodeJS.Timeout | undefined
  // Messages (and the idle timer) are handled one after another, in the order they arrived.
  #queue: Promise<void> = Promise.resolve()

  constructor(
    private readonly runner: PipelineRunner,
    private readonly pipeline: Pipeline,
    private readonly route: string,
    private readonly limit: VoiceEntryLimits,
    private readonly socket: WebSocket,
    private readonly endOfSpeechMs: number | undefined,
  ) {}

  receive(data: Buffer, isBinary: boolean): void {
    this.#queue = this.#queue.then(() => this.#handle(data, isBinary))
  }

  async #handle(data: Buffer, isBinary: boolean): Promise<void> {
    try {
      if (data.length > this.limit.maxMessageBytes)
        throw new HubError('E_RESOURCE_LIMIT', `a message is larger than ${this.limit.maxMessageBytes} bytes`)
      if (isBinary) return await this.#audio(data, undefined)
      let message: { type?: unknown; payload?: unknown }
      try {
        message = JSON.parse(data.toString('utf8'))
      } catch {
        throw new HubError('E_VALIDATION', 'a text frame is a JSON envelope {type, payload}')
      }
      if (message === null || typeof message !== 'object' || typeof message.type !== 'string')
        throw new HubError('E_VALIDATION', 'a message is an envelope with a string type and a payload')
      const payload = (message.payload ?? {}) as Record<string, unknown>
      if (message.type === 'voice.start') await this.#start(payload)
      else if (message.type === 'voice.chunk') await this.#chunk(payload)
      else if (message.type === 'voice.end') await this.#end(payload)
      else
        throw new HubError(
          'E_BAD_REQUEST',
          `${this.route} takes voice.start, voice.chunk and voice.end, not ${message.type}`,
        )
    } catch (error) {
      send(this.socket, errorFrame(error, this.route))
    }
  }

  close(): void {
    this.#closed = true
    clearTimeout(this.#idleTimer)
    this.#utterance?.endpointer?.close()
    if (this.#turn !== undefined)
      this.runner.cancel({ traceId: this.#turn.traceId }, 'ended: the client went away')
  }

  async #start(payload: Record<string, unknown>): Promise<void> {
    if (this.#utterance !== undefined)
      throw new HubError('E_BAD_REQUEST', 'voice.start while an utterance is open: send voice.end first')
    const format = parseVoiceFormat(payload)
    const endpointer =
      this.endOfSpeechMs === undefined ? undefined : await createEndpointer(this.endOfSpeechMs)
    this.#endedByHub = false
    if (this.#turn !== undefined) {
      // Barge-in: the person speaks while the previous turn thinks or speaks.
      const previous = this.#turn
      this.runner.cancel({ traceId: previous.traceId }, 'interrupted: the person spoke again (barge-in)')
      await previous.done
    }
    // The client may have gone while this voice.start waited for the previous turn to end.
    if (this.#closed) return endpointer?.close()
    const traceId = uuidV7()
    const inbox = new Inbox()
    const done = this.runner.run({
      pipeline: this.pipeline,
      trigger: { kind: 'ws', route: this.route },
      traceId,
      sessionId: this.#sessionId,
      signal: new AbortController().signal,
      receive: (pattern, signal) => inbox.take(pattern, signal),
      onEvent: (event) => send(this.socket, event),
    })
    const turn: Turn = { traceId, done }
    this.#turn = turn
    void done.finally(() => {
      if (this.#turn === turn) this.#turn = undefined
      if (this.#utterance?.traceId === traceId) this.#utterance = undefined
    })
    // The runner registers a run before its first await, so it is listed now.
    const run = this.runner.active().find((candidate) => candidate.traceId === traceId)
    const emitter = run === undefined ? undefined : this.runner.emitterOf(run)
    if (run === undefined || emitter === undefined)
      throw new HubError('E_UNKNOWN', `the voice run ${traceId} ended before it started`)
    attachRunInbox(run, inbox)
    this.#utterance = {
      traceId,
      inbox,
      emitter,
      format,
      normalizer: new PcmNormalizer(format),
      endpointer,
      nextSeq: 0,
      audioMs: 0,
    }
    this.#watchIdle()
    await emitter.emitUntyped('voice.start', { ...format }, { source: 'ws' })
    inbox.push(
      this.#envelope('voice.start', traceId, {
        sampleRate: VOICE_RUN_SAMPLE_RATE_HZ,
        format: 'pcm16',
        channels: 1,
      }),
    )
  }

  async #chunk(payload: Record<string, unknown>): Promise<void> {
    const { seq, bytesB64 } = payload
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0)
      throw new HubError(
        'E_VALIDATION',
        `voice.chunk seq must be an integer >= 0, got ${JSON.stringify(seq)}`,
      )
    if (typeof bytesB64 !== 'string' || bytesB64.length % 4 !== 0 || !BASE64.test(bytesB64))
      throw new HubError(
        'E_VALIDATION',
        'voice.chunk bytesB64 is not base64 (A-Z a-z 0-9 + /, padded with =)',
      )
    await this.#audio(Buffer.from(bytesB64, 'base64'), seq)
  }

  async #audio(bytes: Buffer, claimedSeq: number | undefined): Promise<void> {
    const utterance = this.#utterance
    if (utterance === undefined && this.#endedByHub) return
    if (utterance === undefined)
      throw new HubError('E_BAD_REQUEST', 'audio arrived outside an utterance: send voice.start first')
    this.#watchIdle()
    this.#meter(bytes.length, utterance)
    const seq = claimedSeq ?? utterance.nextSeq
    if (seq < utterance.nextSeq)
      throw new HubError(
        'E_VALIDATION',
        `voice.chunk seq ${seq} arrived after seq ${utterance.nextSeq - 1}: late or repeated audio is dropped`,
        { details: { expected: utterance.nextSeq, got: seq, kind: 'reordered' } },
      )
    // Checked before the seq is counted: a refused chunk leaves no gap.
    const pcm = utterance.normalizer.push(bytes)
    if (seq > utterance.nextSeq)
      send(
        this.socket,
        errorFrame(
          new HubError(
            'E_VALIDATION',
            `voice.chunk seq ${seq} follows seq ${utterance.nextSeq - 1}: ${seq - utterance.nextSeq} chunk(s) missing`,
            { details: { expected: utterance.nextSeq, got: seq, kind: 'gap' } },
          ),
          this.route,
        ),
      )
    utterance.nextSeq = seq + 1
    utterance.audioMs += durationMs(bytes.length, utterance.format)
    if (utterance.audioMs > this.limit.maxUtteranceMs)
      this.#abandon(
        utterance,
        new HubError('E_RESOURCE_LIMIT', `an utterance is at most ${this.limit.maxUtteranceMs} ms of audio`),
      )
    const ms = Math.max(1, Math.round((pcm.length / 2 / VOICE_RUN_SAMPLE_RATE_HZ) * 1000))
    utterance.inbox.push(
      this.#envelope('voice.chunk', utterance.traceId, { seq, bytesB64: pcm.toString('base64'), ms }),
    )
    if (utterance.endpointer?.push(pcm) === true) {
      this.#endedByHub = true
      await this.#finish(utterance, Math.round(utterance.audioMs))
    }
  }

  async #end(payload: Record<string, unknown>): Promise<void> {
    const utterance = this.#utterance
    if (utterance === undefined && this.#endedByHub) return
    if (utterance === undefined) throw new HubError('E_BAD_REQUEST', 'voice.end without voice.start')
    const { totalMs } = payload
    if (typeof totalMs !== 'number' || !Number.isInteger(totalMs) || totalMs < 0)
      throw new HubError(
        'E_VALIDATION',
        `voice.end totalMs must be an integer >= 0, got ${JSON.stringify(totalMs)}`,
      )
    if (utterance.audioMs === 0)
      this.#abandon(utterance, new HubError('E_VALIDATION', 'the utterance ended without any audio'))
    await this.#finish(utterance, totalMs)
  }

  /** Ends the open utterance with E_TIMEOUT when no audio message comes for `idleMs`. */
  #watchIdle(): void {
    clearTimeout(this.#idleTimer)
    const utterance = this.#utterance
    this.#idleTimer = setTimeout(() => {
      this.#queue = this.#queue.then(() => {
        if (this.#utterance !== utterance || utterance === undefined) return
        try {
          this.#abandon(
            utterance,
            new HubError('E_TIMEOUT', `no audio for ${this.limit.idleMs} ms: the utterance ended`),
          )
        } catch (error) {
          send(this.socket, errorFrame(error, this.route))
        }
      })
    }, this.limit.idleMs)
    this.#idleTimer.unref()
  }

  /** Closes the utterance: voice.end in the run's chain and in its inbox. */
  async #finish(utterance: Utterance, totalMs: number): Promise<void> {
    clearTimeout(this.#idleTimer)
    this.#utterance = undefined
    utterance.endpointer?.close()
    await utterance.emitter.emitUntyped('voice.end', { totalMs }, { source: 'ws' })
    utterance.inbox.push(this.#envelope('voice.end', utterance.traceId, { totalMs }))
  }

  /** Bytes per second over one-second windows; over the limit the utterance is abandoned. */
  #meter(bytes: number, utterance: Utterance): void {
    const now = Date.now()
    if (now - this.#windowStartedAt >= 1000) {
      this.#windowStartedAt = now
      this.#windowBytes = 0
    }
    this.#windowBytes += bytes
    if (this.#windowBytes > this.limit.maxBytesPerSecond)
      this.#abandon(
        utterance,
        new HubError(
          'E_RESOURCE_LIMIT',
          `a connection sends at most ${this.limit.maxBytesPerSecond} audio bytes per second`,
        ),
      )
  }

  /** Ends the utterance and cancels its run, then throws the reason for the client. */
  #abandon(utterance: Utterance, reason: HubError): never {
    clearTimeout(this.#idleTimer)
    this.#utterance = undefined
    this.#endedByHub = true
    utterance.endpointer?.close()
    this.runner.cancel({ traceId: utterance.traceId }, `stopped: ${reason.message}`)
    throw reason
  }

  #envelope(type: string, traceId: string, payload: Record<string, unknown>): Envelope {
    return {
      id: uuidV7(),
      type,
      version: 1,
      ts: new Date().toISOString(),
      source: 'ws',
      severity: 'info',
      traceId,
      sessionId: this.#sessionId,
      tenant: 'default',
      payload,
    } as Envelope
  }
}
