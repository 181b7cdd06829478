import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { HubError, ok, type ValidationIssue } from '../../contracts/index.ts'
import {
  type ClockMark,
  clockMark,
  type KernelTiming,
  openTurnClock,
  type TurnClock,
  timingComment,
} from '../telemetry/index.ts'
import { HttpHubError, hubErrorOf, sendError, toErrorReply } from './error-replies.ts'
import { type Pulled, pullParts } from './pull-parts.ts'
import { CHAT_SCHEMA } from './route-schemas.ts'
import { principalOf, type RouteAccessConfig } from './security-hooks.ts'
import type { ServerConfig } from './server-options.ts'
import type { ChatPart, HubPort } from './server-types.ts'

const SESSION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/
const CHAT_FIELDS = new Set(['text', 'sessionId', 'stream'])

export interface ChatBody {
  text: string
  sessionId?: string
  stream: boolean
}

/** One turn in flight; close() aborts it and waits for `done`. */
export interface InflightChat {
  controller: AbortController
  done: Promise<void>
}

export function parseChatBody(body: unknown): ChatBody {
  const issue = (path: string, expected: string, got: unknown, message: string): ValidationIssue => ({
    path,
    expected,
    got: typeof got === 'string' ? JSON.stringify(got.slice(0, 40)) : typeof got,
    message,
  })
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    const issues = [issue('', 'object', body, 'the body must be a JSON object {text, sessionId?, stream?}')]
    throw new HubError('E_VALIDATION', issues[0]!.message, { details: { issues } })
  }
  const record = body as Record<string, unknown>
  const issues: ValidationIssue[] = []
  for (const key of Object.keys(record)) {
    if (!CHAT_FIELDS.has(key))
      issues.push(issue(`/${key}`, 'no such field', record[key], `unknown field ${JSON.stringify(key)}`))
  }
  if (typeof record.text !== 'string' || record.text.trim() === '') {
    issues.push(issue('/text', 'non-empty string', record.text, 'text must be a non-empty string'))
  }
  if (
    record.sessionId !== undefined &&
    (typeof record.sessionId !== 'string' || !SESSION_ID_PATTERN.test(record.sessionId))
  ) {
    issues.push(
      issue(
        '/sessionId',
        SESSION_ID_PATTERN.source,
        record.sessionId,
        'sessionId must be 1-128 of A-Z a-z 0-9 . _ : -',
      ),
    )
  }
  if (record.stream !== undefined && typeof record.stream !== 'boolean') {
    issues.push(issue('/stream', 'boolean', record.stream, 'stream must be true or false'))
  }
  if (issues.length > 0) throw new HubError('E_VALIDATION', issues[0]!.message, { details: { issues } })
  return {
    text: record.text as string,
    ...(record.sessionId === undefined ? {} : { sessionId: record.sessionId as string }),
    stream: record.stream !== false,
  }
}

/** The media type without parameters, lower-cased ('' when absent). */
function mediaTypeOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header
  return (value ?? '').split(';')[0]!.trim().toLowerCase()
}

/**
 * Fastify parses text/plain too, so a text body reached parseChatBody and answered 422; the
 * documented answer to anything but JSON is 415, decided before the body is read.
 */
function refuseNonJson(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  const type = mediaTypeOf(request.headers['content-type'])
  if (type === '' || type === 'application/json') return undefined
  return sendError(
    reply,
    new HttpHubError(415, 'E_BAD_REQUEST', `unsupported content type ${JSON.stringify(type)}`, {
      accepted: ['application/json'],
    }),
  )
}

export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}

function abortError(signal: AbortSignal): HubError {
  return signal.reason instanceof HubError ? signal.reason : new HubError('E_UNKNOWN', 'the turn was aborted')
}

function frameOf(pulled: Pulled<ChatPart>, signal: AbortSignal): string {
  if (pulled.kind === 'heartbeat') return ': ping\n\n'
  if (pulled.kind === 'aborted') return sseFrame('error', { ok: false, error: abortError(signal).toJSON() })
  const part = pulled.value
  return part.event === 'error'
    ? sseFrame('error', { ok: false, error: part.error })
    : sseFrame(part.event, part.data)
}

/**
 * Writes the frames straight to the response (decision 1731): a `Readable` between the parts and
 * the socket cost a few event-loop hops per frame. Waits for 'drain' when the socket is full, and
 * stops writing when the client has gone.
 */
async function writeSse(
  response: ServerResponse,
  first: Pulled<ChatPart>,
  rest: AsyncGenerator<Pulled<ChatPart>>,
  signal: AbortSignal,
  timing: { clock: TurnClock | undefined; onTiming: ((timing: KernelTiming) => void) | undefined },
): Promise<void> {
  const gone = () => response.destroyed || response.writableEnded
  const drained = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        response.off('drain', done)
        response.off('close', done)
        resolve()
      }
      response.on('drain', done)
      response.on('close', done)
    })
  let clock = timing.clock
  let measured: KernelTiming | undefined
  // Synchronous unless the socket is full: a promise per frame only when there is a 'drain' to wait for.
  const send = (pulled: Pulled<ChatPart>): Promise<void> | undefined => {
    if (gone()) return undefined
    const full = !response.write(frameOf(pulled, signal))
    // The first answer frame handed to the socket ends the hub's share of the first token (decision 1747).
    if (clock !== undefined && pulled.kind === 'part' && pulled.value.event === 'stream.chunk') {
      measured = clock.finish(clockMark())
      clock = undefined
      if (measured !== undefined) timing.onTiming?.(measured)
    }
    return full ? drained() : undefined
  }
  try {
    const waitFirst = send(first)
    if (waitFirst !== undefined) await waitFirst
    for await (const pulled of rest) {
      const wait = send(pulled)
      if (wait !== undefined) await wait
    }
  } catch (error) {
    if (!gone()) response.write(sseFrame('error', toErrorReply(error).body))
  } finally {
    if (measured !== undefined && !gone()) response.write(timingComment(measured))
    if (!gone()) response.end()
  }
}

async function answerWhole(
  reply: FastifyReply,
  parts: AsyncGenerator<Pulled<ChatPart>>,
  signal: AbortSignal,
) {
  let text = ''
  let chunks = 0
  let start: unknown
  let end: unknown
  for await (const pulled of parts) {
    if (pulled.kind === 'heartbeat') continue
    if (pulled.kind === 'aborted') return sendError(reply, abortError(signal))
    const part = pulled.value
    if (part.event === 'error') return sendError(reply, hubErrorOf(part.error))
    if (part.event === 'stream.start') start = part.data
    if (part.event === 'stream.end') end = part.data
    if (part.event === 'stream.chunk') {
      chunks++
      text += part.text ?? ''
    }
  }
  return reply.send(ok({ text, chunks, start, end }))
}

/** POST /chat: Server-Sent Events (stream.start/chunk/end, error) or one result envelope. */
export function registerChatRoute(
  app: FastifyInstance,
  context: {
    hub: HubPort
    config: ServerConfig
    inflight: Set<InflightChat>
    onActive: (delta: number) => void
    /** The hub's share of each streamed turn's first token. */
    onKernelTiming?: (timing: KernelTiming) => void
  },
): void {
  // CPU time when the route's first hook runs: the start of the hub's CPU share of a turn (decision 1747).
  const cpuAtRoute = new WeakMap<FastifyRequest, ClockMark>()
  // Callback style, not async: an async hook costs Fastify a promise and a `then` per request.
  const onRequest = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (context.onKernelTiming !== undefined) cpuAtRoute.set(request, clockMark())
    // A refusal has been sent: the hook chain stops there (Fastify's rule for callback hooks).
    if (refuseNonJson(request, reply) === undefined) done()
  }
  app.post(
    '/chat',
    {
      // Members too, when their grants allow publishing chat.query (checked by the hub; decision 2011).
      config: { members: true } satisfies RouteAccessConfig,
      bodyLimit: context.config.bodyLimitBytes,
      onRequest,
      schema: CHAT_SCHEMA,
    },
    async (request, reply) => {
      // Fastify's clock starts when it takes the request (before hooks, body parsing, validation).
      const arrivedAt = performance.now() - reply.elapsedTime
      const body = parseChatBody(request.body)
      const controller = new AbortController()
      let finish: () => void = () => {}
      const entry: InflightChat = { controller, done: new Promise<void>((resolve) => (finish = resolve)) }
      context.inflight.add(entry)
      context.onActive(1)
      const routeMark = cpuAtRoute.get(request)
      const clock =
        body.stream && routeMark !== undefined
          ? openTurnClock(request.id, arrivedAt, routeMark.cpuUs)
          : undefined
      const settle = () => {
        clock?.close()
        if (!context.inflight.delete(entry)) return
        context.onActive(-1)
        finish()
      }
      // The response closing before it finished means the client went away: stop the turn.
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished)
          controller.abort(new HubError('E_BAD_REQUEST', 'the client disconnected'))
        settle()
      })
      const parts = pullParts(
        context.hub.chat({
          text: body.text,
          ...(body.sessionId === undefined ? {} : { sessionId: body.sessionId }),
          stream: body.stream,
          traceId: request.id,
          principal: principalOf(request)!,
          signal: controller.signal,
        }),
        controller.signal,
        context.config.sseHeartbeatMs,
      )
      try {
        if (!body.stream) return await answerWhole(reply, parts, controller.signal)
        // Headers wait for the first part, so an early failure (no LLM, bad session) keeps its HTTP status.
        const first = await parts.next()
        if (first.done === true) throw new HubError('E_UNKNOWN', 'the chat pipeline produced no parts')
        if (first.value.kind === 'part' && first.value.value.event === 'error')
          throw hubErrorOf(first.value.value.error)
        if (first.value.kind === 'aborted') throw abortError(controller.signal)
        // The model request leaves in the microtasks after stream.start; the headers and the start
        // frame wait for the check phase, so their writes are not on its path (decision 1748).
        if (first.value.kind === 'part' && first.value.value.event === 'stream.start')
          await new Promise((resolve) => setImmediate(resolve))
        // Fastify steps aside; the headers its hooks set so far (trace id, security) go out as they are.
        reply.hijack()
        // getHeaders() answers a new object: it becomes the head, without the names left unset.
        const headers = reply.getHeaders() as OutgoingHttpHeaders
        for (const name of Object.keys(headers)) if (headers[name] === undefined) delete headers[name]
        headers['content-type'] = 'text/event-stream; charset=utf-8'
        headers['cache-control'] = 'no-cache, no-transform'
        headers['x-accel-buffering'] = 'no'
        reply.raw.writeHead(200, headers)
        await writeSse(reply.raw, first.value, parts, controller.signal, {
          clock,
          onTiming: context.onKernelTiming,
        })
        return reply
      } catch (error) {
        await parts.return()
        settle()
        throw error
      }
    },
  )
}
