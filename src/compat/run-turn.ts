import type { FastifyReply, FastifyRequest } from 'fastify'
import { HubError } from '../contracts/index.ts'
import { abortWhenClientLeaves } from './client-gone.ts'
import { CompatError, type ErrorView, viewOfHubCode } from './compat-errors.ts'
import type { CompatOptions, CompatTurnPart } from './compat-ports.ts'
import { liftIdleTimeout } from './idle-timeout.ts'
import type { TurnConversation } from './turn-messages.ts'

/** A hub turn as the compatible APIs see it. */
export type TurnEvent =
  | { kind: 'start'; traceId: string; sessionId: string }
  | { kind: 'text'; text: string }
  | { kind: 'end'; citations: unknown[] }
  | { kind: 'error'; error: ErrorView }

export interface TurnRequest extends TurnConversation {
  sessionId?: string
  stream: boolean
  route: string
}

function eventOf(part: CompatTurnPart, traceId: string): TurnEvent | undefined {
  switch (part.event) {
    case 'stream.start': {
      const data = part.data as { traceId?: string; sessionId?: string }
      return { kind: 'start', traceId: data.traceId ?? traceId, sessionId: data.sessionId ?? '' }
    }
    case 'stream.chunk':
      return part.text === undefined || part.text === '' ? undefined : { kind: 'text', text: part.text }
    case 'stream.end':
      return { kind: 'end', citations: (part.data as { citations?: unknown[] }).citations ?? [] }
    case 'error':
      return { kind: 'error', error: viewOfHubCode(part.error.code, part.error.message) }
    default:
      return undefined
  }
}

/**
 * Runs one hub turn for a compatible request, exactly as POST /chat does (same pipeline, events,
 * memory, retrieval, tools with consent), and hands back its events. The turn stops when the client
 * goes away.
 */
export async function* runTurn(
  options: CompatOptions,
  request: FastifyRequest,
  reply: FastifyReply,
  turn: TurnRequest,
): AsyncGenerator<TurnEvent> {
  const principal = options.principalOf(request)
  if (principal === undefined) throw new CompatError(401, 'invalid_api_key', 'a token is required')
  // The turn may wait for a person's approval, longer than the idle-socket timeout allows.
  liftIdleTimeout(request.raw)
  const signal = abortWhenClientLeaves(reply, clientDisconnected)
  const parts = options.chat({
    text: turn.text,
    history: turn.history,
    ...(turn.sessionId === undefined ? {} : { sessionId: turn.sessionId }),
    stream: turn.stream,
    traceId: request.id,
    principal,
    signal,
    route: turn.route,
  })
  for await (const part of parts) {
    const event = eventOf(part, request.id)
    if (event !== undefined) yield event
    if (event?.kind === 'error' || event?.kind === 'end') return
  }
}

const clientDisconnected = () => new HubError('E_BAD_REQUEST', 'the client disconnected')

/** The whole answer of a turn, for non-streaming requests; a failed turn throws its error. */
export async function collectTurn(
  events: AsyncIterable<TurnEvent>,
): Promise<{ text: string; traceId: string; sessionId: string; citations: unknown[] }> {
  let text = ''
  let traceId = ''
  let sessionId = ''
  let citations: unknown[] = []
  for await (const event of events) {
    if (event.kind === 'start') ({ traceId, sessionId } = event)
    else if (event.kind === 'text') text += event.text
    else if (event.kind === 'end') citations = event.citations
    else throw new CompatError(event.error.status, event.error.code, event.error.message)
  }
  return { text, traceId, sessionId, citations }
}

/**
 * How long a streamed answer's headers wait for the turn's first word (or its failure) after the
 * turn has started, in ms. A turn that fails at once (the model server is down) then answers its
 * own status (503), which a client can act on; a stream already begun can only carry an error
 * line. A turn slower than this (a model loading, a tool waiting for approval) gets its headers
 * anyway, and the keep-alive comments begin.
 */
export const DEFAULT_HEADERS_WAIT_MS = 2000

/** The events a stream opens with (up to the first word, the end or an error) and the rest. */
export interface OpenedTurn {
  /** What came before the headers: the start, then a text, the end or an error (when in time). */
  opening: TurnEvent[]
  /** Every event, the opening ones first. */
  events: AsyncGenerator<TurnEvent>
}

/** Reads a turn's first events before the headers go out (see DEFAULT_HEADERS_WAIT_MS). */
export async function openTurn(
  turn: AsyncGenerator<TurnEvent>,
  waitMs = DEFAULT_HEADERS_WAIT_MS,
): Promise<OpenedTurn> {
  const opening: TurnEvent[] = []
  let pending: Promise<IteratorResult<TurnEvent>> | undefined
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), waitMs)
  })
  try {
    for (;;) {
      pending ??= turn.next()
      // Only after the start: a turn that cannot start at all answers its status however long that takes.
      const step = opening.length === 0 ? await pending : await Promise.race([pending, late])
      if (step === 'late') break
      pending = undefined
      if (step.done === true) break
      opening.push(step.value)
      if (step.value.kind !== 'start') break
    }
  } finally {
    clearTimeout(timer)
  }
  const waiting = pending
  async function* events(): AsyncGenerator<TurnEvent> {
    yield* opening
    if (waiting !== undefined) {
      const step = await waiting
      if (step.done === true) return
      yield step.value
    }
    yield* turn
  }
  return { opening, events: events() }
}
