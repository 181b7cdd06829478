import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type Envelope, HubError, ok, type Result } from '../../contracts/index.ts'
import { prefersNdjson } from './accept-header.ts'
import { HttpHubError, hubErrorOf, sendError, toErrorReply } from './error-replies.ts'
import { parseReplayQuery } from './event-query.ts'
import { federationOf, scopeOf } from './federation-scope.ts'
import { pullParts } from './pull-parts.ts'
import { receiptsText } from './receipt-line.ts'
import { receiptsMode, summarizeReceipts } from './receipt-summary.ts'
import { INGEST_SCHEMA, REPLAY_SCHEMA } from './route-schemas.ts'
import { isOwner, principalOf, type RouteAccessConfig } from './security-hooks.ts'
import type { ServerConfig } from './server-options.ts'
import type { HubPort, PublishReceipt } from './server-types.ts'

const NDJSON_TYPES = new Set([
  'application/x-ndjson',
  'application/ndjson',
  'application/cloudevents-batch+json',
])
const SINGLE_TYPES = new Set(['application/json', 'application/cloudevents+json'])
/** NDJSON bodies the hub reads line by line as they arrive (decision 1635); others are buffered. */
const STREAMED_TYPES = ['application/x-ndjson', 'application/ndjson']
const NDJSON_CONTENT_TYPE = 'application/x-ndjson; charset=utf-8'
/** Members may call these routes: the hub checks each event type against their grants (decision 2011). */
const MEMBERS: { config: RouteAccessConfig } = { config: { members: true } }

function mediaType(request: FastifyRequest): string {
  return String(request.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase()
}

function wantsNdjson(request: FastifyRequest): boolean {
  return prefersNdjson(request.headers.accept)
}

/** An AbortSignal that fires when the client goes away before the response finished. */
function disconnectSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController()
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished)
      controller.abort(new HubError('E_BAD_REQUEST', 'the client disconnected'))
  })
  return controller.signal
}

/** Lines of NDJSON; a failure after the first line becomes a final result-envelope line. */
async function* ndjsonLines<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal,
  line: (item: T) => unknown,
  maxItems = Number.POSITIVE_INFINITY,
): AsyncGenerator<string> {
  let count = 0
  try {
    for await (const pulled of pullParts(source, signal)) {
      if (pulled.kind !== 'part') return
      yield `${JSON.stringify(line(pulled.value))}\n`
      if (++count >= maxItems) return
    }
  } catch (error) {
    yield `${JSON.stringify(toErrorReply(error).body)}\n`
  }
}

/** Stored events as NDJSON from their stored text: one line each, nothing parsed or serialised again. */
async function* ndjsonText(
  source: AsyncIterable<{ json: string }>,
  signal: AbortSignal,
  maxItems: number,
): AsyncGenerator<string> {
  let count = 0
  try {
    for await (const pulled of pullParts(source, signal)) {
      if (pulled.kind !== 'part') return
      yield `${pulled.value.json}\n`
      if (++count >= maxItems) return
    }
  } catch (error) {
    yield `${JSON.stringify(toErrorReply(error).body)}\n`
  }
}

/**
 * The results of POST /events as NDJSON, one chunk per published batch (a line per result inside
 * it); with `summary`, one line per batch instead (decision 1623).
 */
async function* receiptLines(
  batches: AsyncIterable<readonly Result<PublishReceipt>[]>,
  signal: AbortSignal,
  summary: boolean,
): AsyncGenerator<string> {
  try {
    for await (const pulled of pullParts(batches, signal)) {
      if (pulled.kind !== 'part') return
      if (pulled.value.length === 0) continue
      if (summary) yield `${JSON.stringify(summarizeReceipts(pulled.value))}\n`
      else yield receiptsText(pulled.value)
    }
  } catch (error) {
    yield `${JSON.stringify(toErrorReply(error).body)}\n`
  }
}

/**
 * Receipts of one POST are at most DEFAULT_MAX_EVENTS_PER_REQUEST lines (~1 MB): buffering them
 * all keeps publishing from waiting for the client to read each batch's answer (decision 1631).
 */
const RECEIPTS_BUFFER_BYTES = 2 * 1024 * 1024

function sendNdjson(reply: FastifyReply, lines: AsyncGenerator<string>, bufferBytes?: number): FastifyReply {
  const stream = Readable.from(lines, {
    objectMode: false,
    ...(bufferBytes === undefined ? {} : { highWaterMark: bufferBytes }),
  })
  return reply.header('content-type', NDJSON_CONTENT_TYPE).send(stream)
}

function isReadable(body: unknown): body is Readable {
  return body instanceof Readable
}

/**
 * The NDJSON body as it arrives, within the byte limit. A declared length over it, or an empty
 * body, is refused before anything is published, as a buffered body was. A chunked body that
 * grows past the limit ends there: the lines before are published and answered, then
 * E_RESOURCE_LIMIT with its line, and the connection is closed once the answer is written.
 */
async function limitedBody(
  body: Readable,
  request: FastifyRequest,
  reply: FastifyReply,
  limit: number,
): Promise<AsyncIterable<Uint8Array>> {
  const tooLarge = () => new HttpHubError(413, 'E_RESOURCE_LIMIT', `the body is over ${limit} bytes`)
  const declared = Number(request.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    reply.header('connection', 'close')
    throw tooLarge()
  }
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  const first = await chunks.next()
  if (first.done || first.value.length === 0)
    throw new HubError('E_BAD_REQUEST', 'the body is empty; send one event or NDJSON lines')
  if (first.value.length > limit) {
    reply.header('connection', 'close')
    throw tooLarge()
  }
  return (async function* () {
    let total = first.value.length
    yield first.value
    for (;;) {
      const next = await chunks.next()
      if (next.done) return
      total += next.value.length
      if (total > limit) {
        // The rest of the body is not read: the socket goes once the answer has been written.
        reply.raw.once('finish', () => request.raw.destroy())
        throw tooLarge()
      }
      yield next.value
    }
  })()
}

/** POST /events (any dialect, one event or NDJSON) and GET /events (replay). */
export function registerEventsRoutes(
  app: FastifyInstance,
  context: { hub: HubPort; config: ServerConfig },
): void {
  const { hub, config } = context
  app.register(async (scope) => {
    // The dialect layer sees the raw bytes: no JSON parsing here, whatever the content type.
    scope.removeAllContentTypeParsers()
    // NDJSON is handed over as the request stream; its byte limit is kept by limitedBody.
    scope.addContentTypeParser(STREAMED_TYPES, (_request, payload, done) => done(null, payload))
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: config.eventsBodyLimitBytes },
      (_request, body, done) => done(null, body),
    )
    scope.post(
      '/events',
      {
        ...MEMBERS,
        bodyLimit: config.eventsBodyLimitBytes,
        schema: INGEST_SCHEMA,
        onRequest: async (request, reply) => {
          const type = mediaType(request)
          const binaryMode = request.headers['ce-specversion'] !== undefined
          if (!binaryMode && !NDJSON_TYPES.has(type) && !SINGLE_TYPES.has(type)) {
            return sendError(
              reply,
              new HttpHubError(415, 'E_BAD_REQUEST', `unsupported content type ${JSON.stringify(type)}`, {
                accepted: [
                  ...SINGLE_TYPES,
                  ...NDJSON_TYPES,
                  'any type with ce-* headers (CloudEvents binary mode)',
                ],
              }),
            )
          }
        },
      },
      async (request, reply) => {
        // Checked before anything is published: a bad value loses nothing.
        const receipts = receiptsMode((request.query as Record<string, unknown>).receipts)
        const streamed = isReadable(request.body)
          ? await limitedBody(request.body, request, reply, config.eventsBodyLimitBytes)
          : undefined
        const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
        if (streamed === undefined && bytes.length === 0)
          throw new HubError('E_BAD_REQUEST', 'the body is empty; send one event or NDJSON lines')
        const type = mediaType(request)
        const signal = disconnectSignal(reply)
        const results = hub.ingest({
          headers: request.headers,
          contentType: type,
          text: bytes.toString('utf8'),
          bytes,
          ...(streamed === undefined ? {} : { stream: streamed }),
          query: Object.fromEntries(
            Object.entries(request.query as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
          ),
          traceId: request.id,
          principal: principalOf(request)!,
        })
        if (NDJSON_TYPES.has(type) || wantsNdjson(request))
          return sendNdjson(
            reply,
            receiptLines(results, signal, receipts === 'summary'),
            RECEIPTS_BUFFER_BYTES,
          )
        const collected: Array<Result<PublishReceipt>> = []
        for await (const pulled of pullParts(results, signal)) {
          if (pulled.kind === 'part') collected.push(...pulled.value)
        }
        if (collected.length === 0) throw new HubError('E_BAD_REQUEST', 'no event found in the body')
        // A JSON body answers in JSON: the summary of all its events, as one object.
        if (receipts === 'summary') return reply.send(summarizeReceipts(collected))
        if (collected.length > 1) {
          return reply
            .header('content-type', NDJSON_CONTENT_TYPE)
            .send(collected.map((r) => `${JSON.stringify(r)}\n`).join(''))
        }
        const only = collected[0]!
        return only.ok ? reply.send(only) : sendError(reply, hubErrorOf(only.error))
      },
    )
  })

  app.get('/events', { ...MEMBERS, schema: REPLAY_SCHEMA }, async (request, reply) => {
    const scoped = scopeOf(request.query as Record<string, unknown>, 'replay')
    // scope=federation: every hub's newest events, read at the root (decision 1642).
    if (scoped.scope === 'federation') {
      if (!isOwner(principalOf(request)))
        throw new HttpHubError(403, 'E_PERMISSION_REQUIRED', 'scope=federation is for the owner')
      return reply.send(ok(await federationOf(hub).replay(scoped.parameters)))
    }
    const parameters = parseReplayQuery(scoped.rest)
    // Refused before anything is sent, so the refusal keeps its 403 in NDJSON mode too.
    hub.checkRead?.(parameters.filter ?? '>', principalOf(request)!)
    const signal = disconnectSignal(reply)
    if (wantsNdjson(request) && hub.replayJson !== undefined) {
      const texts = hub.replayJson({ ...parameters, principal: principalOf(request)!, signal })
      return sendNdjson(reply, ndjsonText(texts, signal, parameters.limit))
    }
    if (!wantsNdjson(request) && hub.replayJson !== undefined) {
      // The stored texts joined into the result, as the NDJSON form does: no parse and no
      // serialisation per event (decision 1774).
      const texts: string[] = []
      const stored = hub.replayJson({ ...parameters, principal: principalOf(request)!, signal })
      for await (const pulled of pullParts(stored, signal)) {
        if (pulled.kind !== 'part') break
        texts.push(pulled.value.json)
        if (texts.length >= parameters.limit) break
      }
      return reply
        .header('content-type', 'application/json; charset=utf-8')
        .send(`{"ok":true,"data":[${texts.join(',')}]}`)
    }
    const events = hub.replay({ ...parameters, principal: principalOf(request)!, signal })
    if (wantsNdjson(request)) {
      return sendNdjson(
        reply,
        ndjsonLines(events, signal, (event: Envelope) => event, parameters.limit),
      )
    }
    const collected: Envelope[] = []
    for await (const pulled of pullParts(events, signal)) {
      if (pulled.kind !== 'part') break
      collected.push(pulled.value)
      if (collected.length >= parameters.limit) break
    }
    return reply.send(ok(collected))
  })
}
