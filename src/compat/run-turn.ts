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
