import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { abortWhenClientLeaves } from '../client-gone.ts'
import { CompatError, errorViewOf, installErrorShape } from '../compat-errors.ts'
import { checkModel, HUB_MODEL_ID } from '../compat-models.ts'
import type { CompatOptions } from '../compat-ports.ts'
import { OLLAMA_SCHEMAS } from '../compat-route-schemas.ts'
import { collectTurn, openTurn, runTurn, type TurnEvent } from '../run-turn.ts'
import { streamBody } from '../sse-writer.ts'
import { conversationOf, sessionIdOf, type TurnConversation } from '../turn-messages.ts'
import { finalStats, ndjsonLine, ollamaError, tagEntry } from './ollama-shapes.ts'

/** Largest body of POST /api/chat, /api/generate and /api/embed. */
export const DEFAULT_OLLAMA_BODY_LIMIT_BYTES = 1024 * 1024
/** Most inputs one /api/embed request may carry. */
export const DEFAULT_MAX_OLLAMA_EMBED_INPUTS = 256
const SESSION_HEADER = 'x-localhub-session'

type Dialect = 'chat' | 'generate'

function objectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new CompatError(400, 'invalid_request', 'the body must be a JSON object')
  return body as Record<string, unknown>
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function pieceOf(dialect: Dialect, model: string, text: string, done: boolean) {
  const base = { model, created_at: new Date().toISOString() }
  return dialect === 'chat'
    ? { ...base, message: { role: 'assistant', content: text }, done }
    : { ...base, response: text, done }
}

function lastLine(dialect: Dialect, model: string, startedAt: bigint) {
  return { ...pieceOf(dialect, model, '', true), done_reason: 'stop', ...finalStats(startedAt) }
}

async function* ndjsonLines(
  dialect: Dialect,
  model: string,
  startedAt: bigint,
  events: AsyncIterable<TurnEvent>,
): AsyncGenerator<string> {
  for await (const event of events) {
    if (event.kind === 'text') yield ndjsonLine(pieceOf(dialect, model, event.text, false))
    else if (event.kind === 'end') yield ndjsonLine(lastLine(dialect, model, startedAt))
    else if (event.kind === 'error') yield ndjsonLine(ollamaError(event.error))
  }
}

/** Ollama's `images` (on a message, or on generate's body): refused, as OpenAI's image parts are. */
function refuseImages(images: unknown, param: string): void {
  if (Array.isArray(images) && images.length > 0)
    throw new CompatError(
      400,
      'invalid_request',
      `${param}: images are not supported; a hub turn takes text`,
      param,
    )
}

function turnOf(dialect: Dialect, body: Record<string, unknown>): TurnConversation {
  if (dialect === 'chat') {
    if (Array.isArray(body.messages))
      for (const [index, message] of body.messages.entries())
        refuseImages((message as { images?: unknown } | null)?.images, `messages.${index}.images`)
    return conversationOf(body.messages)
  }
  refuseImages(body.images, 'images')
  if (typeof body.prompt !== 'string')
    throw new CompatError(400, 'invalid_request', 'prompt must be a string', 'prompt')
  const history =
    typeof body.system === 'string' && body.system !== ''
      ? [{ role: 'system' as const, content: body.system }]
      : []
  return { text: body.prompt, history }
}

async function generation(
  dialect: Dialect,
  options: CompatOptions,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const startedAt = process.hrtime.bigint()
  const body = objectBody(request.body)
  const model = checkModel(body.model, options.modelName())
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean')
    throw new CompatError(400, 'invalid_request', 'stream must be true or false', 'stream')
  const stream = body.stream !== false
  // Ollama answers a generate request without a prompt by loading the model: done at once.
  if (dialect === 'generate' && (body.prompt === undefined || body.prompt === '')) {
    return { ...pieceOf('generate', model, '', true), done_reason: 'load' }
  }
  if (dialect === 'chat' && Array.isArray(body.messages) && body.messages.length === 0) {
    return { ...pieceOf('chat', model, '', true), done_reason: 'load' }
  }
  const turn = turnOf(dialect, body)
  const sessionId = sessionIdOf(headerValue(request, SESSION_HEADER))
  const events = runTurn(options, request, reply, {
    ...turn,
    ...(sessionId === undefined ? {} : { sessionId }),
    stream,
    route: dialect === 'chat' ? '/api/chat' : '/api/generate',
  })
  if (!stream) {
    const answer = await collectTurn(events)
    if (answer.sessionId !== '') reply.header(SESSION_HEADER, answer.sessionId)
    return { ...pieceOf(dialect, model, answer.text, true), done_reason: 'stop', ...finalStats(startedAt) }
  }
  // Headers wait for the turn's first word, so a turn that fails at once keeps its HTTP status.
  const { opening, events: opened } = await openTurn(events)
  if (opening.length === 0) throw new CompatError(500, 'E_UNKNOWN', 'the turn produced nothing')
  const failed = opening.find((event) => event.kind === 'error')
  if (failed?.kind === 'error')
    throw new CompatError(failed.error.status, failed.error.code, failed.error.message)
  const start = opening[0]!
  if (start.kind === 'start' && start.sessionId !== '') reply.header(SESSION_HEADER, start.sessionId)
  reply.header('content-type', 'application/x-ndjson')
  return reply.send(
    streamBody(ndjsonLines(dialect, model, startedAt, opened), {
      onError: (error) => ndjsonLine(ollamaError(errorViewOf(error))),
    }),
  )
}

function embeddingPort(options: CompatOptions) {
  const port = options.embeddings()
  if (port === undefined) {
    throw new CompatError(
      501,
      'embeddings_unavailable',
      'this hub has no embedding model: its model provider cannot embed (set llm.provider to ollama or openai)',
    )
  }
  return port
}

async function embed(options: CompatOptions, request: FastifyRequest, reply: FastifyReply) {
  const startedAt = process.hrtime.bigint()
  const body = objectBody(request.body)
  const port = embeddingPort(options)
  const model = checkModel(body.model, port.model)
  const inputs = typeof body.input === 'string' ? [body.input] : body.input
  if (!Array.isArray(inputs) || inputs.length === 0 || inputs.some((item) => typeof item !== 'string'))
    throw new CompatError(400, 'invalid_request', 'input must be a string or a non-empty array of strings')
  if (inputs.length > DEFAULT_MAX_OLLAMA_EMBED_INPUTS)
    throw new CompatError(
      400,
      'invalid_request',
      `input holds more than ${DEFAULT_MAX_OLLAMA_EMBED_INPUTS} texts`,
    )
  const embeddings = await port.embed(inputs as string[], abortWhenClientLeaves(reply))
  const total = Number(process.hrtime.bigint() - startedAt)
  return { model, embeddings, total_duration: total, load_duration: 0, prompt_eval_count: 0 }
}

/** Ollama's older route (`ollama.embeddings()`): one `prompt`, one `embedding`. */
async function embedOne(options: CompatOptions, request: FastifyRequest, reply: FastifyReply) {
  const body = objectBody(request.body)
  const port = embeddingPort(options)
  checkModel(body.model, port.model)
  if (typeof body.prompt !== 'string')
    throw new CompatError(400, 'invalid_request', 'prompt must be a string', 'prompt')
  const [embedding] = await port.embed([body.prompt], abortWhenClientLeaves(reply))
  return { embedding }
}

/** POST /api/chat, /api/generate, /api/embed, /api/embeddings, /api/show; GET /api/tags, /api/version — registered under /api. */
export function ollamaRoutes(options: CompatOptions) {
  const startedAt = new Date().toISOString()
  return async (scope: FastifyInstance) => {
    installErrorShape(scope, ollamaError)
    const limits = { bodyLimit: DEFAULT_OLLAMA_BODY_LIMIT_BYTES }
    scope.post('/chat', { ...limits, schema: OLLAMA_SCHEMAS.chat }, (request, reply) =>
      generation('chat', options, request, reply),
    )
    scope.post('/generate', { ...limits, schema: OLLAMA_SCHEMAS.generate }, (request, reply) =>
      generation('generate', options, request, reply),
    )
    scope.post('/embed', { ...limits, schema: OLLAMA_SCHEMAS.embed }, (request, reply) =>
      embed(options, request, reply),
    )
    scope.post('/embeddings', { ...limits, schema: OLLAMA_SCHEMAS.embeddings }, (request, reply) =>
      embedOne(options, request, reply),
    )
    scope.get('/tags', { schema: OLLAMA_SCHEMAS.tags }, async () => {
      const backing = options.modelName()
      const names = [
        `${HUB_MODEL_ID}:latest`,
        ...(backing === undefined ? [] : [backing.includes(':') ? backing : `${backing}:latest`]),
      ]
      return { models: names.map((name) => tagEntry(name, startedAt)) }
    })
    scope.get('/version', { schema: OLLAMA_SCHEMAS.version }, async () => ({ version: options.version }))
    scope.post('/show', { schema: OLLAMA_SCHEMAS.show }, async (request) => {
      const body = objectBody(request.body)
      const model = checkModel(body.model ?? body.name, options.modelName())
      return {
        modelfile: '',
        parameters: '',
        template: '',
        details: tagEntry(model, startedAt).details,
        model_info: {},
        capabilities: ['completion', ...(options.embeddings() === undefined ? [] : ['embedding'])],
        modified_at: startedAt,
      }
    })
  }
}
