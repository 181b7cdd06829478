import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { abortWhenClientLeaves } from '../client-gone.ts'
import { CompatError, errorViewOf, installErrorShape } from '../compat-errors.ts'
import { acceptedModelNames, checkModel, HUB_MODEL_ID } from '../compat-models.ts'
import type { CompatOptions } from '../compat-ports.ts'
import { OPENAI_SCHEMAS } from '../compat-route-schemas.ts'
import { collectTurn, openTurn, runTurn, type TurnEvent } from '../run-turn.ts'
import { streamBody } from '../sse-writer.ts'
import { conversationOf, sessionIdOf } from '../turn-messages.ts'
import {
  base64Vector,
  type ChunkContext,
  completion,
  completionChunk,
  completionId,
  openAiError,
  SSE_DONE,
  sseData,
  unixSeconds,
} from './openai-shapes.ts'

/** Largest body of POST /v1/chat/completions and /v1/embeddings: clients send the whole conversation. */
export const DEFAULT_OPENAI_BODY_LIMIT_BYTES = 1024 * 1024
/** Most inputs one embeddings request may carry. */
export const DEFAULT_MAX_EMBEDDING_INPUTS = 256
/** Header that picks the hub session of a request (the body's `user` field does too). */
export const SESSION_HEADER = 'x-localhub-session'
/** Set on answers to requests that offered their own tools, which the hub does not run (decision 1703). */
export const CLIENT_TOOLS_HEADER = 'x-localhub-client-tools'

function objectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new CompatError(400, 'invalid_request', 'the body must be a JSON object')
  return body as Record<string, unknown>
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

async function* sseLines(context: ChunkContext, first: TurnEvent, rest: AsyncIterator<TurnEvent>) {
  yield sseData(completionChunk(context, { role: 'assistant', content: '' }, null))
  let event: TurnEvent | undefined = first
  while (event !== undefined) {
    if (event.kind === 'text') yield sseData(completionChunk(context, { content: event.text }, null))
    else if (event.kind === 'error') {
      yield sseData(openAiError(event.error))
      return
    } else if (event.kind === 'end') {
      yield sseData(completionChunk(context, {}, 'stop'))
      yield SSE_DONE
      return
    }
    const next = await rest.next()
    event = next.done === true ? undefined : next.value
  }
}

async function chatCompletions(options: CompatOptions, request: FastifyRequest, reply: FastifyReply) {
  const body = objectBody(request.body)
  const model = checkModel(body.model, options.modelName())
  const conversation = conversationOf(body.messages)
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean')
    throw new CompatError(400, 'invalid_request', 'stream must be true or false', 'stream')
  if (body.n !== undefined && body.n !== null && body.n !== 1)
    throw new CompatError(400, 'invalid_request', 'the hub answers with one choice: n must be 1', 'n')
  if (body.tools !== undefined || body.functions !== undefined) reply.header(CLIENT_TOOLS_HEADER, 'ignored')
  const stream = body.stream === true
  const sessionId = sessionIdOf(headerValue(request, SESSION_HEADER), body.user)
  const events = runTurn(options, request, reply, {
    ...conversation,
    ...(sessionId === undefined ? {} : { sessionId }),
    stream,
    route: '/v1/chat/completions',
  })
  const context: ChunkContext = { id: completionId(request.id), created: unixSeconds(), model }
  if (!stream) {
    const answer = await collectTurn(events)
    if (answer.sessionId !== '') reply.header(SESSION_HEADER, answer.sessionId)
    return reply.send(completion(context, answer.text))
  }
  // Headers wait for the turn's first word, so a turn that fails at once keeps its HTTP status.
  const { opening, events: opened } = await openTurn(events)
  const failed = opening.find((event) => event.kind === 'error')
  if (failed?.kind === 'error')
    throw new CompatError(failed.error.status, failed.error.code, failed.error.message)
  const first = await opened.next()
  if (first.done === true) throw new CompatError(500, 'E_UNKNOWN', 'the turn produced nothing')
  if (first.value.kind === 'start' && first.value.sessionId !== '')
    reply.header(SESSION_HEADER, first.value.sessionId)
  reply
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache, no-transform')
    .header('x-accel-buffering', 'no')
  return reply.send(
    streamBody(sseLines(context, first.value, opened), {
      heartbeat: ': keep-alive\n\n',
      onError: (error) => sseData(openAiError(errorViewOf(error))),
    }),
  )
}

function modelList(options: CompatOptions) {
  const created = unixSeconds(Date.parse('2026-01-01T00:00:00Z'))
  const backing = options.modelName()
  const ids = [HUB_MODEL_ID, ...(backing === undefined || backing === HUB_MODEL_ID ? [] : [backing])]
  return ids.map((id) => ({ id, object: 'model', created, owned_by: 'localhub' }))
}

function embeddingInputs(input: unknown): string[] {
  const inputs = typeof input === 'string' ? [input] : input
  if (!Array.isArray(inputs) || inputs.length === 0 || inputs.some((item) => typeof item !== 'string'))
    throw new CompatError(
      400,
      'invalid_request',
      'input must be a string or a non-empty array of strings',
      'input',
    )
  if (inputs.length > DEFAULT_MAX_EMBEDDING_INPUTS)
    throw new CompatError(
      400,
      'invalid_request',
      `input holds more than ${DEFAULT_MAX_EMBEDDING_INPUTS} texts`,
      'input',
    )
  return inputs as string[]
}

async function embeddings(options: CompatOptions, request: FastifyRequest, reply: FastifyReply) {
  const body = objectBody(request.body)
  const port = options.embeddings()
  if (port === undefined) {
    throw new CompatError(
      501,
      'embeddings_unavailable',
      'this hub has no embedding model: its model provider cannot embed (set llm.provider to ollama or openai)',
      'model',
    )
  }
  checkModel(body.model, port.model)
  const format = body.encoding_format ?? 'float'
  if (format !== 'float' && format !== 'base64')
    throw new CompatError(
      400,
      'invalid_request',
      'encoding_format must be float or base64',
      'encoding_format',
    )
  if (body.dimensions !== undefined)
    throw new CompatError(
      400,
      'invalid_request',
      'dimensions cannot be chosen: the model decides',
      'dimensions',
    )
  const inputs = embeddingInputs(body.input)
  const vectors = await port.embed(inputs, abortWhenClientLeaves(reply))
  const characters = inputs.reduce((sum, text) => sum + text.length, 0)
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: format === 'base64' ? base64Vector(vector) : vector,
    })),
    model: body.model,
    // The providers report no token counts for embeddings; characters / 4 is the usual estimate.
    usage: { prompt_tokens: Math.ceil(characters / 4), total_tokens: Math.ceil(characters / 4) },
  }
}

/** POST /v1/chat/completions, GET /v1/models(/:model), POST /v1/embeddings — registered under /v1. */
export function openAiRoutes(options: CompatOptions) {
  return async (scope: FastifyInstance) => {
    installErrorShape(scope, openAiError)
    const limits = { bodyLimit: DEFAULT_OPENAI_BODY_LIMIT_BYTES }
    scope.post('/chat/completions', { ...limits, schema: OPENAI_SCHEMAS.chatCompletions }, (request, reply) =>
      chatCompletions(options, request, reply),
    )
    scope.get('/models', { schema: OPENAI_SCHEMAS.models }, async () => ({
      object: 'list',
      data: modelList(options),
    }))
    scope.get('/models/:model', { schema: OPENAI_SCHEMAS.model }, async (request) => {
      const { model } = request.params as { model: string }
      // `localhub:latest` (or the backing model's `:latest`) is the same model, as chat accepts it.
      const found = acceptedModelNames(options.modelName()).has(model)
        ? modelList(options).find((entry) => entry.id === model || `${entry.id}:latest` === model)
        : undefined
      if (found === undefined)
        throw new CompatError(
          404,
          'model_not_found',
          `the model ${JSON.stringify(model)} does not exist`,
          'model',
        )
      return { ...found, id: model }
    })
    scope.post('/embeddings', { ...limits, schema: OPENAI_SCHEMAS.embeddings }, (request, reply) =>
      embeddings(options, request, reply),
    )
  }
}
