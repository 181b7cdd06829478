import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'
import type { Bus } from '../../bus/index.ts'
import { HubError } from '../../contracts/index.ts'
import type { Pipeline } from '../../manifest/index.ts'
import type { PipelineRunner } from '../pipeline/index.ts'
// pipeline-triggers.ts imports this file: only functions and classes are used from it, at run time.
import { errorFrame, send } from './pipeline-triggers.ts'
import { parseVoiceFormat } from './voice-audio.ts'
import { VoiceBroadcast } from './voice-broadcast.ts'
import { parseEndOfSpeechMs } from './voice-endpointer.ts'
import { DEFAULT_VOICE_SESSION_LIMITS, VoiceSession, type VoiceSessionLimits } from './voice-session.ts'
import { parseClientMessage } from './ws-client-message.ts'

export {
  DEFAULT_VOICE_IDLE_MS,
  DEFAULT_VOICE_MAX_BYTES_PER_SECOND,
  DEFAULT_VOICE_MAX_UTTERANCE_MS,
} from './voice-session.ts'

/** Voice connections open at once on one entry; each runs at most one turn at a time. */
export const DEFAULT_VOICE_MAX_CONNECTIONS = 8
/** Largest WS message, in bytes: a JSON chunk of 0.5 s of 48 kHz f32 stereo fits. */
export const DEFAULT_VOICE_MAX_MESSAGE_BYTES = 1024 * 1024
/** Bounds of HubOptions.voiceIdleMs: under 100 ms a busy event loop alone would end utterances. */
export const MIN_VOICE_IDLE_MS = 100
export const MAX_VOICE_IDLE_MS = 60_000
/** WebSocket close codes (RFC 6455 registry): "try again later" and "policy violation". */
const CLOSE_TRY_AGAIN_LATER = 1013
const CLOSE_POLICY_VIOLATION = 1008

export interface VoiceEntryLimits extends VoiceSessionLimits {
  maxConnections: number
  maxMessageBytes: number
}

// A function, not a constant: voice-session.ts and this file sit in an import cycle through
// pipeline-triggers.ts, so the session's defaults may not be initialised when this module loads.
function defaultLimits(): VoiceEntryLimits {
  return {
    ...DEFAULT_VOICE_SESSION_LIMITS,
    maxConnections: DEFAULT_VOICE_MAX_CONNECTIONS,
    maxMessageBytes: DEFAULT_VOICE_MAX_MESSAGE_BYTES,
  }
}

/** The idle limit a hub was given (HubOptions.voiceIdleMs), checked before the hub opens anything. */
export function checkVoiceIdleMs(value: unknown): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < MIN_VOICE_IDLE_MS ||
    value > MAX_VOICE_IDLE_MS
  )
    throw new HubError(
      'E_VALIDATION',
      `voiceIdleMs must be an integer from ${MIN_VOICE_IDLE_MS} to ${MAX_VOICE_IDLE_MS}, got ${JSON.stringify(value)}`,
    )
  return value
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * The voice protocol (docs/voice.md) on a pipeline whose first step is `recv: voice.chunk via
 * kernel.ws:/PATH`: voice.start opens an utterance and starts a run, voice.chunk (JSON, base64) or
 * binary frames carry its audio, voice.end closes it. One connection is one VoiceSession
 * (voice-session.ts), which runs the turns; every event of the run goes back to the client. Bad
 * input answers error.raised; the connection stays open.
 */
export function voiceEntryRoute(
  runner: PipelineRunner,
  pipeline: Pipeline,
  route: string,
  limits: Partial<VoiceEntryLimits> = {},
  bus?: Bus,
): (app: FastifyInstance) => void {
  const limit = { ...defaultLimits(), ...limits }
  let connections = 0
  return (app) => {
    // Speech of no turn (a voice nudge) is played to idle connections (voice-broadcast.ts).
    const broadcast = bus === undefined ? undefined : new VoiceBroadcast(bus)
    if (broadcast !== undefined) app.addHook('onClose', () => broadcast.close())
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
      const session = new VoiceSession({
        runner,
        pipeline,
        route,
        source: 'ws',
        limits: limit,
        ...(endOfSpeechMs === undefined ? {} : { endOfSpeechMs }),
        onEvent: (event) => send(socket, event),
        onError: (error) => send(socket, errorFrame(error, route)),
      })
      const connection = new VoiceConnection(session, route, limit, socket)
      broadcast?.add(socket, session)
      socket.on('message', (data: Buffer, isBinary: boolean) => connection.receive(data, isBinary))
      socket.on('close', () => {
        connections--
        broadcast?.remove(socket)
        session.close()
      })
    })
  }
}

/** Parses one connection's messages into calls on its session. */
class VoiceConnection {
  // Messages are handled one after another, in the order they arrived.
  #queue: Promise<void> = Promise.resolve()

  constructor(
    private readonly session: VoiceSession,
    private readonly route: string,
    private readonly limit: VoiceEntryLimits,
    private readonly socket: WebSocket,
  ) {}

  receive(data: Buffer, isBinary: boolean): void {
    this.#queue = this.#queue.then(() => this.#handle(data, isBinary))
  }

  async #handle(data: Buffer, isBinary: boolean): Promise<void> {
    try {
      if (data.length > this.limit.maxMessageBytes)
        throw new HubError('E_RESOURCE_LIMIT', `a message is larger than ${this.limit.maxMessageBytes} bytes`)
      if (isBinary) return await this.session.push(data)
      const message = parseClientMessage(data.toString('utf8'), { objectPayload: true })
      const payload = (message.payload ?? {}) as Record<string, unknown>
      if (message.type === 'voice.start') {
        if (this.session.listening)
          throw new HubError('E_BAD_REQUEST', 'voice.start while an utterance is open: send voice.end first')
        await this.session.start(parseVoiceFormat(payload))
      } else if (message.type === 'voice.chunk') await this.#chunk(payload)
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
    await this.session.push(Buffer.from(bytesB64, 'base64'), seq)
  }

  async #end(payload: Record<string, unknown>): Promise<void> {
    const { totalMs } = payload
    // An utterance the hub already ended takes the client's voice.end silently, whatever it holds.
    if (!this.session.listening) return await this.session.end()
    if (typeof totalMs !== 'number' || !Number.isInteger(totalMs) || totalMs < 0)
      throw new HubError(
        'E_VALIDATION',
        `voice.end totalMs must be an integer >= 0, got ${JSON.stringify(totalMs)}`,
      )
    await this.session.end(totalMs)
  }
}
