import type { FastifyInstance } from 'fastify'
import type { WebSocket } from 'ws'
import { type Bus, compileTypePattern, type Subscription, uuidV7 } from '../../bus/index.ts'
import { type Envelope, HubError, toHubError } from '../../contracts/index.ts'
import type { Pipeline } from '../../manifest/index.ts'
import type { PipelineRunner } from '../pipeline/index.ts'
import { type VoiceEntryLimits, voiceEntryRoute } from './voice-entry.ts'
import { parseClientMessage } from './ws-client-message.ts'

/** Largest message a WS entry accepts, in bytes. */
export const DEFAULT_WS_ENTRY_MAX_MESSAGE_BYTES = 1024 * 1024
/** Events a run may have waiting for its recv steps before the entry refuses more. */
export const DEFAULT_WS_ENTRY_MAX_QUEUED = 1_000

/** Events kept as published (before guardrails) for the durable delivery that follows. */
export const DEFAULT_RAW_SIGNAL_CACHE_SIZE = 1_000
/** How long an event as published is kept for its durable delivery, in milliseconds. */
export const DEFAULT_RAW_SIGNAL_TTL_MS = 60_000

/** How long a bus-triggered run may take before its event would be redelivered, in milliseconds. */
export const DEFAULT_BUS_RUN_ACK_WAIT_MS = 10 * 60_000

const WS_VIA_PREFIX = 'kernel.ws:'
const VOICE_CHUNK_TYPE = 'voice.chunk'

/** How a pipeline starts, from its first step. */
export type PipelineTrigger =
  | { kind: 'http' }
  | { kind: 'ws'; route: string; pattern: string }
  | { kind: 'bus'; pattern: string }

export function triggerOf(pipeline: Pipeline): PipelineTrigger {
  const first = pipeline.steps[0]
  if (first === undefined || !('recv' in first)) return { kind: 'http' }
  if (first.via?.startsWith(WS_VIA_PREFIX))
    return { kind: 'ws', route: first.via.slice(WS_VIA_PREFIX.length), pattern: first.recv }
  return { kind: 'bus', pattern: first.recv }
}

/**
 * Starts a run of each bus-triggered pipeline for every matching event, through a durable
 * subscription (nothing is missed across a restart). A run's failure is reported by the run
 * (error.raised, turn.end) and not redelivered: one signal, one run.
 */
export async function startBusTriggers(
  bus: Bus,
  runner: PipelineRunner,
  pipelines: readonly Pipeline[],
): Promise<Subscription[]> {
  const subscriptions: Subscription[] = []
  // The runner cancels its runs when the hub closes; these runs need no other signal.
  const stopping = new AbortController()
  for (const pipeline of pipelines) {
    const trigger = triggerOf(pipeline)
    if (trigger.kind !== 'bus') continue
    // The log keeps the guarded form (a channel message's text as sha256 + length); the run needs
    // the words. A trusted live handler keeps each event as published, by id, for the durable
    // delivery that follows; after a restart only the stored form is left (decision 0603).
    const raw = new Map<string, { event: Envelope; at: number }>()
    subscriptions.push(
      await bus.subscribe(
        trigger.pattern,
        (event) => {
          const now = Date.now()
          raw.set(event.id, { event, at: now })
          for (const [id, kept] of raw) {
            if (raw.size <= DEFAULT_RAW_SIGNAL_CACHE_SIZE && now - kept.at < DEFAULT_RAW_SIGNAL_TTL_MS) break
            raw.delete(id)
          }
        },
        { trusted: true },
      ),
    )
    subscriptions.push(
      await bus.subscribe(
        trigger.pattern,
        async (stored) => {
          const event = raw.get(stored.id)?.event ?? stored
          raw.delete(stored.id)
          await runner.run({ pipeline, trigger: { kind: 'bus', event }, signal: stopping.signal })
        },
        { durable: `pipeline.${pipeline.id}`, from: 'new', ackWaitMs: DEFAULT_BUS_RUN_ACK_WAIT_MS },
      ),
    )
  }
  return subscriptions
}

/** A queue of events for one run's recv steps. */
export class Inbox {
  readonly #events: Envelope[] = []
  readonly #waiters: { matches: (type: string) => boolean; resolve: (event: Envelope) => void }[] = []

  get size(): number {
    return this.#events.length
  }

  push(event: Envelope): void {
    const index = this.#waiters.findIndex((waiter) => waiter.matches(event.type))
    if (index >= 0) this.#waiters.splice(index, 1)[0]!.resolve(event)
    else this.#events.push(event)
  }

  take(pattern: string, signal: AbortSignal): Promise<Envelope> {
    const matches = compileTypePattern(pattern)
    const index = this.#events.findIndex((event) => matches(event.type))
    if (index >= 0) return Promise.resolve(this.#events.splice(index, 1)[0]!)
    // Cancelled before the recv step began waiting: an abort listener added now would never fire.
    if (signal.aborted) return Promise.reject(signal.reason)
    return new Promise((resolve, reject) => {
      const abort = () => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
        reject(signal.reason)
      }
      // A stream reader takes many events on one signal: each take removes its listener.
      const waiter = {
        matches,
        resolve: (event: Envelope) => {
          signal.removeEventListener('abort', abort)
          resolve(event)
        },
      }
      this.#waiters.push(waiter)
      signal.addEventListener('abort', abort, { once: true })
    })
  }
}

export function send(socket: WebSocket, value: unknown): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(value))
}

export function errorFrame(error: unknown, where: string) {
  const failure = toHubError(error)
  return {
    type: 'error.raised',
    payload: {
      code: failure.code,
      message: failure.message,
      where,
      ...(failure.details === undefined ? {} : { details: failure.details }),
    },
  }
}

/**
 * A WebSocket entry for each pipeline whose first step is `recv: <type> via kernel.ws:<path>`.
 * The client sends JSON envelopes (`{type, payload}` at least); one of the recv type starts a run
 * when none is running on the connection, later ones feed its recv steps. Every event the run
 * publishes goes back to the client as JSON; a bad message answers an error.raised frame and the
 * connection stays open.
 */
export function wsEntryRoutes(
  bus: Bus,
  runner: PipelineRunner,
  pipelines: readonly Pipeline[],
  voiceLimits: Partial<VoiceEntryLimits> = {},
): ((app: FastifyInstance) => void)[] {
  const entries = pipelines.flatMap((pipeline) => {
    const trigger = triggerOf(pipeline)
    return trigger.kind === 'ws' ? [{ pipeline, trigger }] : []
  })
  return entries.map(({ pipeline, trigger }) => {
    // A pipeline that receives audio chunks speaks the voice protocol (docs/voice.md).
    if (trigger.pattern === VOICE_CHUNK_TYPE)
      return voiceEntryRoute(runner, pipeline, trigger.route, voiceLimits, bus)
    return genericEntryRoute(bus, runner, pipeline, trigger)
  })
}

function genericEntryRoute(
  bus: Bus,
  runner: PipelineRunner,
  pipeline: Pipeline,
  trigger: { route: string; pattern: string },
): (app: FastifyInstance) => void {
  return (app: FastifyInstance) => {
    const starts = compileTypePattern(trigger.pattern)
    app.get(trigger.route, { websocket: true }, (socket: WebSocket) => {
      let active:
        | { inbox: Inbox; controller: AbortController; traceId: string; sessionId: string }
        | undefined
      const sessionId = `session-${uuidV7()}`
      // Messages are handled one after another, in the order they arrived.
      let queue: Promise<void> = Promise.resolve()
      socket.on('message', (data: Buffer, isBinary: boolean) => {
        queue = queue.then(() => handle(data, isBinary))
      })
      const handle = async (data: Buffer, isBinary: boolean): Promise<void> => {
        try {
          if (isBinary) throw new HubError('E_BAD_REQUEST', `${trigger.route} takes JSON text frames`)
          if (data.length > DEFAULT_WS_ENTRY_MAX_MESSAGE_BYTES)
            throw new HubError(
              'E_RESOURCE_LIMIT',
              `a message is larger than ${DEFAULT_WS_ENTRY_MAX_MESSAGE_BYTES} bytes`,
            )
          const message = parseClientMessage(data.toString('utf8'), { objectPayload: false })
          const draft = { type: message.type, payload: message.payload, severity: message.fields.severity }
          if (active === undefined && !starts(draft.type))
            throw new HubError(
              'E_BAD_REQUEST',
              `a run of ${pipeline.id} starts with ${trigger.pattern}, not ${draft.type}`,
            )
          const run = active ?? {
            inbox: new Inbox(),
            controller: new AbortController(),
            traceId: uuidV7(),
            sessionId,
          }
          if (run.inbox.size >= DEFAULT_WS_ENTRY_MAX_QUEUED)
            throw new HubError(
              'E_RESOURCE_LIMIT',
              `more than ${DEFAULT_WS_ENTRY_MAX_QUEUED} events wait for the run`,
            )
          const envelope = {
            id: uuidV7(),
            type: draft.type,
            payload: draft.payload,
            traceId: run.traceId,
            sessionId: run.sessionId,
            source: 'ws',
            ...(typeof draft.severity === 'string' ? { severity: draft.severity } : {}),
          }
          await bus.publishUntyped(envelope)
          const stored = { ...envelope, ts: new Date().toISOString() } as unknown as Envelope
          if (active === undefined) {
            active = run
            void runner
              .run({
                pipeline,
                trigger: { kind: 'ws', route: trigger.route },
                traceId: run.traceId,
                sessionId: run.sessionId,
                signal: run.controller.signal,
                receive: (pattern, signal) => run.inbox.take(pattern, signal),
                onEvent: (event) => send(socket, event),
              })
              .finally(() => {
                if (active === run) active = undefined
              })
          }
          run.inbox.push(stored)
        } catch (error) {
          send(socket, errorFrame(error, trigger.route))
        }
      }
      socket.on('close', () => active?.controller.abort(new HubError('E_TIMEOUT', 'the client went away')))
    })
  }
}
