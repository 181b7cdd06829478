// A loopback server speaking the OpenAI API as compatible servers do: POST /v1/chat/completions
// (SSE chunks, optional usage chunk, `data: [DONE]`, or one JSON object), GET /v1/models,
// POST /v1/embeddings, 401 for a wrong key when a key is configured.
import type { ServerResponse } from 'node:http'
import {
  BodyWriter,
  delayOrYield,
  type LoopbackServer,
  type RecordedRequest,
  sendJson,
  startLoopbackServer,
} from './loopback-server.ts'
import { readChatMessages, readTools } from './message-reader.ts'
import { fakeEmbedding, promptTokenCount, type ScriptedToolCall, type ScriptRequest } from './script.ts'
import { type FakeLlmServerOptions, failureFor, resolveServerOptions } from './server-options.ts'
import { playTokens } from './token-stream.ts'

/** Tool-call arguments stream in pieces of at most this many characters, as a model emits tokens. */
export const TOOL_ARGUMENT_PIECE_CHARS = 4

export interface FakeOpenAiServerOptions extends FakeLlmServerOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string
  /** Line ending of the SSE stream (default '\n'); '\r\n' and '\r' are legal too. */
  lineEnding?: '\n' | '\r\n' | '\r'
  /** Send `: keep-alive` comments before the first token and between tokens. */
  keepAliveComments?: boolean
  /** Leave out the final `data: [DONE]`. */
  omitDone?: boolean
}

export interface FakeOpenAiServer extends LoopbackServer {
  /** Base URL including /v1, what OPENAI_BASE_URL would hold. */
  baseUrl: string
  readonly chatRequests: RecordedRequest[]
}

function errorBody(message: string, type: string, code: string | null): object {
  return { error: { message, type, param: null, code } }
}

function argumentPieces(text: string): string[] {
  const characters = Array.from(text)
  const pieces: string[] = []
  for (let start = 0; start < characters.length; start += TOOL_ARGUMENT_PIECE_CHARS) {
    pieces.push(characters.slice(start, start + TOOL_ARGUMENT_PIECE_CHARS).join(''))
  }
  return pieces
}

/** OpenAI's streaming form: per call, a head (index, id, type, name, empty arguments), then pieces. */
function toolCallDeltas(calls: ScriptedToolCall[], ids: string[]): object[] {
  const deltas: object[] = []
  calls.forEach((call, index) => {
    deltas.push({
      ...(index === 0 ? { role: 'assistant', content: null } : {}),
      tool_calls: [{ index, id: ids[index], type: 'function', function: { name: call.name, arguments: '' } }],
    })
    for (const piece of argumentPieces(JSON.stringify(call.arguments))) {
      deltas.push({ tool_calls: [{ index, function: { arguments: piece } }] })
    }
  })
  return deltas
}

export async function startOpenAiServer(input: FakeOpenAiServerOptions = {}): Promise<FakeOpenAiServer> {
  const options = resolveServerOptions(input)
  const chatRequests: RecordedRequest[] = []
  const eol = input.lineEnding ?? '\n'
  let sequence = 0

  function authorized(request: RecordedRequest, response: ServerResponse): boolean {
    if (input.apiKey === undefined) return true
    const header = request.headers.authorization
    if (header === `Bearer ${input.apiKey}`) return true
    const shown = typeof header === 'string' ? `${header.replace(/^Bearer /, '').slice(0, 3)}***` : 'none'
    sendJson(
      response,
      401,
      errorBody(`Incorrect API key provided: ${shown}.`, 'invalid_request_error', 'invalid_api_key'),
    )
    return false
  }

  async function completions(request: RecordedRequest, response: ServerResponse): Promise<void> {
    const body = request.body as Record<string, unknown> | undefined
    if (body === undefined || typeof body !== 'object' || Array.isArray(body)) {
      sendJson(
        response,
        400,
        errorBody('We could not parse the JSON body of your request.', 'invalid_request_error', null),
      )
      return
    }
    const read = readChatMessages(body.messages, 'openai')
    const tools = readTools(body.tools)
    if (typeof body.model !== 'string' || !Array.isArray(body.messages)) {
      sendJson(
        response,
        400,
        errorBody("'model' and 'messages' are required.", 'invalid_request_error', null),
      )
      return
    }
    if ('error' in read || 'error' in tools) {
      const why = 'error' in read ? read.error : 'error' in tools ? tools.error : ''
      sendJson(response, 400, errorBody(why, 'invalid_request_error', null))
      return
    }
    const messages = read.messages
    const failure = failureFor(options, chatRequests.length)
    chatRequests.push(request)
    if (failure !== undefined) {
      sendJson(response, failure.status, failure.body, failure.headers)
      return
    }
    const model = body.model
    if (!options.models.includes(model)) {
      sendJson(
        response,
        404,
        errorBody(
          `The model \`${model}\` does not exist or you do not have access to it.`,
          'invalid_request_error',
          'model_not_found',
        ),
      )
      return
    }
    const limit = typeof body.max_tokens === 'number' && body.max_tokens >= 0 ? body.max_tokens : undefined
    const script: ScriptRequest = {
      model,
      messages,
      ...(limit === undefined ? {} : { maxTokens: limit }),
      ...(tools.tools === undefined ? {} : { tools: tools.tools }),
    }
    const id = `chatcmpl-fake${++sequence}`
    const calls = options.toolCalls?.(script) ?? []
    const callIds = calls.map((_, index) => `call_fake${sequence}_${index}`)
    const toolDeltas = toolCallDeltas(calls, callIds)
    // Text tokens, or (with tool calls) the delta fragments; a token limit cuts either short.
    const allTokens =
      calls.length > 0
        ? toolDeltas.map((delta) => JSON.stringify(delta))
        : options.tokenize(options.reply(script))
    const tokens = limit === undefined ? allTokens : allTokens.slice(0, limit)
    const finishReason =
      tokens.length < allTokens.length ? 'length' : calls.length > 0 ? 'tool_calls' : 'stop'
    const usage = {
      prompt_tokens: promptTokenCount(messages, options.tokenize),
      completion_tokens: tokens.length,
      total_tokens: promptTokenCount(messages, options.tokenize) + tokens.length,
    }
    const created = Math.floor(Date.now() / 1000)
    if (body.stream !== true) {
      await delayOrYield(options.firstTokenDelayMs ?? 0)
      sendJson(response, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message:
              calls.length > 0
                ? {
                    role: 'assistant',
                    content: null,
                    tool_calls: calls.map((call, index) => ({
                      id: callIds[index],
                      type: 'function',
                      function: { name: call.name, arguments: JSON.stringify(call.arguments) },
                    })),
                  }
                : { role: 'assistant', content: tokens.join('') },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage,
      })
      return
    }
    const includeUsage =
      (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true
    const chunk = (delta: object, reason: string | null): object => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      system_fingerprint: 'fp_fake',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: reason }],
      ...(includeUsage ? { usage: null } : {}),
    })
    const event = (value: object | string): string =>
      `data: ${typeof value === 'string' ? value : JSON.stringify(value)}${eol}${eol}`
    const keepAlive = input.keepAliveComments === true ? `: keep-alive${eol}${eol}` : ''
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
    })
    response.flushHeaders()
    const writer = new BodyWriter(response, options.chunking)
    // A tool-call answer carries the role in its first fragment instead of an empty content chunk.
    if (calls.length === 0)
      await writer.write(keepAlive + event(chunk({ role: 'assistant', content: '' }, null)))
    await playTokens(response, writer, tokens, options, {
      token: (text) =>
        keepAlive + event(chunk(calls.length > 0 ? (JSON.parse(text) as object) : { content: text }, null)),
      error: (message) => event(errorBody(message, 'server_error', null)),
      final: () =>
        event(chunk({}, finishReason)) +
        (includeUsage
          ? event({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })
          : '') +
        (input.omitDone === true ? '' : event('[DONE]')),
    })
  }

  function embeddings(request: RecordedRequest, response: ServerResponse): void {
    const body = request.body as Record<string, unknown> | undefined
    const input = body?.input
    const texts = typeof input === 'string' ? [input] : input
    if (
      typeof body?.model !== 'string' ||
      !Array.isArray(texts) ||
      !texts.every((text) => typeof text === 'string')
    ) {
      sendJson(response, 400, errorBody("'model' and 'input' are required.", 'invalid_request_error', null))
      return
    }
    const tokens = texts.reduce((sum, text) => sum + options.tokenize(text).length, 0)
    sendJson(response, 200, {
      object: 'list',
      data: texts.map((text, index) => ({
        object: 'embedding',
        index,
        embedding: fakeEmbedding(text, options.embeddingDimensions),
      })),
      model: body.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    })
  }

  const server = await startLoopbackServer(async (request, response) => {
    if (!authorized(request, response)) return
    const route = `${request.method} ${request.path.split('?')[0]}`
    switch (route) {
      case 'POST /v1/chat/completions':
        return completions(request, response)
      case 'POST /v1/embeddings':
        return embeddings(request, response)
      case 'GET /v1/models':
        return sendJson(response, 200, {
          object: 'list',
          data: options.models.map((id) => ({
            id,
            object: 'model',
            created: 1_700_000_000,
            owned_by: 'localhub-test',
          })),
        })
      default:
        sendJson(
          response,
          404,
          errorBody(`Unknown request URL: ${route}`, 'invalid_request_error', 'unknown_url'),
        )
    }
  })
  return { ...server, baseUrl: `${server.url}/v1`, chatRequests }
}
