import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'
import type { Bus } from '../../bus/index.ts'
import { type Envelope, HubError } from '../../contracts/index.ts'
import type { Pipeline } from '../../manifest/index.ts'
import type { SkillServices } from '../../skill-api/index.ts'
import { HANDS_FREE_SERVICE, type HandsFreeService } from '../../wake-word/index.ts'
import type { PipelineRunner } from '../pipeline/index.ts'
import { errorFrame, send, triggerOf } from './pipeline-triggers.ts'
import { PcmNormalizer, parseVoiceFormat, type VoiceFormat } from './voice-audio.ts'
import type { HandsFreeDraft } from './voice-hands-free-events.ts'
import { VoiceSession } from './voice-session.ts'
import { openSessionWake, type SessionWake } from './voice-session-wake.ts'
import { parseClientMessage } from './ws-client-message.ts'

/** Hands-free sources listening at once; each holds a pocketsphinx decoder (tens of MB). */
export const DEFAULT_LISTEN_MAX_CONNECTIONS = 4
/** The hub ends a hands-free utterance after this much silence, in ms (WebRTC VAD). */
export const DEFAULT_LISTEN_END_OF_SPEECH_MS = 700
/** Audio bytes a listening source may send per second (48 kHz f32 stereo is 384 KiB/s). */
export const DEFAULT_LISTEN_MAX_BYTES_PER_SECOND = 512 * 1024
const SOURCE = /^[a-z][a-z0-9_.-]{0,63}$/
const CLOSE_TRY_AGAIN_LATER = 1013
const CLOSE_POLICY_VIOLATION = 1008

/**
 * `WS <voice route>/listen?source=NAME` (docs/voice.md, "Hands-free"): a source streams its
 * microphone without pause (`voice.start {sampleRate, format, channels}` once, then binary
 * frames). The hub runs the wake-word detector on it and, per the voice mode, starts voice turns
 * with the audio after the wake phrase, or one after another in Talk mode. Every event of those
 * turns, and `voice.wake.detected`, goes back on the socket. Registered only when the manifest
 * enables the wake skill (which provides the settings).
 */
export function voiceListenRoutes(
  bus: Bus,
  runner: PipelineRunner,
  pipelines: readonly Pipeline[],
  services: SkillServices,
): ((app: FastifyInstance) => void)[] {
  const handsFree = services.get<HandsFreeService>(HANDS_FREE_SERVICE)
  if (handsFree === undefined) return []
  const voice = pipelines.find((pipeline) => {
    const trigger = triggerOf(pipeline)
    return trigger.kind === 'ws' && trigger.pattern === 'voice.chunk'
  })
  if (voice === undefined) return []
  const trigger = triggerOf(voice) as { route: string }
  const route = `${trigger.route}/listen`
  let connections = 0
  return [
    (app) => {
      app.get(route, { websocket: true }, (socket: WebSocket, request: FastifyRequest) => {
        const source = String((request.query as Record<string, unknown>).source ?? 'client')
        if (!SOURCE.test(source)) {
          send(socket, errorFrame(new HubError('E_VALIDATION', 'source is 1–64 of a-z 0-9 _ . -'), route))
          socket.close(CLOSE_POLICY_VIOLATION, 'bad source')
          return
        }
        if (connections >= DEFAULT_LISTEN_MAX_CONNECTIONS) {
          send(
            socket,
            errorFrame(
              new HubError(
                'E_RESOURCE_LIMIT',
                `more than ${DEFAULT_LISTEN_MAX_CONNECTIONS} sources are listening`,
              ),
              route,
            ),
          )
          socket.close(CLOSE_TRY_AGAIN_LATER, 'too many listening sources')
          return
        }
        connections++
        const connection = new ListenConnection({
          bus,
          runner,
          pipeline: voice,
          route,
          source,
          socket,
          handsFree,
        })
        socket.on('message', (data: Buffer, isBinary: boolean) => connection.receive(data, isBinary))
        socket.on('close', () => {
          connections--
          connection.close()
        })
      })
    },
  ]
}

interface ListenOptions {
  bus: Bus
  runner: PipelineRunner
  pipeline: Pipeline
  route: string
  source: string
  socket: WebSocket
  handsFree: HandsFreeService
}

class ListenConnection {
  readonly #options: ListenOptions
  readonly #session: VoiceSession
  #wake: SessionWake | undefined
  #normalizer: PcmNormalizer | undefined
  #windowStartedAt = 0
  #windowBytes = 0
  #queue: Promise<void> = Promise.resolve()

  constructor(options: ListenOptions) {
    this.#options = options
    this.#session = new VoiceSession({
      runner: options.runner,
      pipeline: options.pipeline,
      route: options.route,
      source: options.source,
      endOfSpeechMs: DEFAULT_LISTEN_END_OF_SPEECH_MS,
      onEvent: (event) => {
        send(options.socket, event)
        this.#wake?.listener.observe(event as Envelope & { payload: Record<string, unknown> })
      },
      onError: (error) => send(options.socket, errorFrame(error, options.route)),
    })
  }

  receive(data: Buffer, isBinary: boolean): void {
    this.#queue = this.#queue
      .then(() => this.#handle(data, isBinary))
      .catch((error) => send(this.#options.socket, errorFrame(error, this.#options.route)))
  }

  close(): void {
    this.#wake?.close()
    this.#wake = undefined
    this.#session.close()
  }

  async #handle(data: Buffer, isBinary: boolean): Promise<void> {
    if (isBinary) return this.#audio(data)
    const message = parseClientMessage(data.toString('utf8'), { objectPayload: true })
    if (message.type !== 'voice.start')
      throw new HubError(
        'E_BAD_REQUEST',
        `${this.#options.route} takes one voice.start, then binary audio frames`,
      )
    if (this.#wake !== undefined) throw new HubError('E_BAD_REQUEST', 'the stream has started already')
    this.#begin(parseVoiceFormat(message.payload ?? {}))
  }

  #begin(format: VoiceFormat): void {
    const { handsFree, source } = this.#options
    this.#wake = openSessionWake({
      handsFree,
      session: this.#session,
      source,
      publish: (draft) => this.#publish(draft),
      onError: (error) => send(this.#options.socket, errorFrame(error, this.#options.route)),
    })
    this.#normalizer = new PcmNormalizer(format)
  }

  /** Sends the event to the source and publishes it on the bus. */
  #publish(draft: HandsFreeDraft): void {
    send(this.#options.socket, draft)
    void this.#options.bus
      .publishUntyped(draft)
      .catch((error) => send(this.#options.socket, errorFrame(error, this.#options.route)))
  }

  async #audio(bytes: Buffer): Promise<void> {
    const listener = this.#wake?.listener
    const normalizer = this.#normalizer
    if (listener === undefined || normalizer === undefined)
      throw new HubError('E_BAD_REQUEST', 'audio arrived before voice.start')
    const now = Date.now()
    if (now - this.#windowStartedAt >= 1000) {
      this.#windowStartedAt = now
      this.#windowBytes = 0
    }
    this.#windowBytes += bytes.length
    if (this.#windowBytes > DEFAULT_LISTEN_MAX_BYTES_PER_SECOND)
      throw new HubError(
        'E_RESOURCE_LIMIT',
        `a listening source sends at most ${DEFAULT_LISTEN_MAX_BYTES_PER_SECOND} bytes per second: audio dropped`,
      )
    await listener.push(normalizer.push(bytes))
  }
}
