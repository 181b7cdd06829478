// A loopback server speaking Ollama's HTTP API: POST /api/chat and /api/generate (NDJSON streams or
// one JSON object with stream:false), POST /api/embed (and the older /api/embeddings),
// GET /api/tags, GET /api/version, with Ollama's error bodies.
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
import { fakeEmbedding, promptTokenCount, type ScriptMessage, type ScriptRequest } from './script.ts'
import {
  type FakeLlmServerOptions,
  failureFor,
  type ResolvedServerOptions,
  resolveServerOptions,
} from './server-options.ts'
import { playTokens } from './token-stream.ts'

export const FAKE_OLLAMA_VERSION = '0.5.7'

export interface FakeOllamaServer extends LoopbackServer {
  /** The requests to /api/chat and /api/generate only. */
  readonly chatRequests: RecordedRequest[]
}

function fullName(model: string): string {
  return model.includes(':') ? model : `${model}:latest`
}

function hasModel(options: ResolvedServerOptions, model: string): boolean {
  return options.models.some((known) => fullName(known) === fullName(model))
}

function notFound(response: ServerResponse, model: string): void {
  sendJson(response, 404, { error: `model "${model}" not found, try pulling it first` })
}

export async function startOllamaServer(input: FakeLlmServerOptions = {}): Promise<FakeOllamaServer> {
  const options = resolveServerOptions(input)
  const chatRequests: RecordedRequest[] = []

  async function generation(
    request: RecordedRequest,
    response: ServerResponse,
    kind: 'chat' | 'generate',
  ): Promise<void> {
    const body = request.body as Record<string, unknown> | undefined
    if (body === undefined || typeof body !== 'object' || Array.isArray(body)) {
      sendJson(response, 400, { error: 'invalid character looking for beginning of value' })
      return
    }
    if (typeof body.model !== 'string' || body.model === '') {
      sendJson(response, 400, { error: 'model is required' })
      return
    }
    const read =
      kind === 'chat'
        ? readChatMessages(body.messages ?? [], 'ollama')
        : typeof body.prompt === 'string' || body.prompt === undefined
          ? {
              messages: [
                ...(typeof body.system === 'string' ? [{ role: 'system', content: body.system }] : []),
                { role: 'user', content: (body.prompt as string | undefined) ?? '' },
              ] as ScriptMessage[],
            }
          : { error: 'prompt must be a string' }
    const tools = readTools(kind === 'chat' ? body.tools : undefined)
    if ('error' in read || 'error' in tools) {
      const why = 'error' in read ? read.error : 'error' in tools ? tools.error : ''
      sendJson(response, 400, { error: `json: cannot unmarshal request: ${why}` })
      return
    }
    const messages = read.messages
    const failure = failureFor(options, chatRequests.length)
    chatRequests.push(request)
    if (failure !== undefined) {
      sendJson(response, failure.status, failure.body, failure.headers)
      return
    }
    if (!hasModel(options, body.model)) {
      notFound(response, body.model)
      return
    }
    const model = body.model
    const modelOptions = (body.options ?? {}) as Record<string, unknown>
    const limit =
      typeof modelOptions.num_predict === 'number' && modelOptions.num_predict >= 0
        ? modelOptions.num_predict
        : undefined
    const script: ScriptRequest = {
      model,
      messages,
      ...(limit === undefined ? {} : { maxTokens: limit }),
      ...(tools.tools === undefined ? {} : { tools: tools.tools }),
    }
    // Ollama parses the model's call itself and sends it whole: arguments as an object, no id.
    const toolCalls = (kind === 'chat' ? (options.toolCalls?.(script) ?? []) : []).map((call) => ({
      function: { name: call.name, arguments: call.arguments },
    }))
    const allTokens = toolCalls.length > 0 ? [] : options.tokenize(options.reply(script))
    const tokens = limit === undefined ? allTokens : allTokens.slice(0, limit)
    const doneReason = tokens.length < allTokens.length ? 'length' : 'stop'
    const evalCount = toolCalls.length > 0 ? Math.ceil(JSON.stringify(toolCalls).length / 4) : tokens.length
    const started = process.hrtime.bigint()
    let firstTokenAt: bigint | undefined
    const now = (): string => new Date().toISOString()
    const part = (content: string, calls?: object[]): Record<string, unknown> =>
      kind === 'chat'
        ? {
            model,
            created_at: now(),
            message: { role: 'assistant', content, ...(calls === undefined ? {} : { tool_calls: calls }) },
          }
        : { model, created_at: now(), response: content }
    const final = (content: string, calls?: object[]): Record<string, unknown> => {
      const end = process.hrtime.bigint()
      const first = firstTokenAt ?? end
      return {
        ...part(content, calls),
        done_reason: doneReason,
        done: true,
        ...(kind === 'generate' ? { context: [1, 2, 3] } : {}),
        total_duration: Number(end - started),
        load_duration: 1_000,
        prompt_eval_count: promptTokenCount(messages, options.tokenize),
        prompt_eval_duration: Number(first - started),
        eval_count: evalCount,
        eval_duration: Number(end - first),
      }
    }
    if (body.stream === false) {
      await delayOrYield(options.firstTokenDelayMs ?? 0)
      firstTokenAt = process.hrtime.bigint()
      sendJson(response, 200, final(tokens.join(''), toolCalls.length > 0 ? toolCalls : undefined))
      return
    }
    response.writeHead(200, { 'content-type': 'application/x-ndjson', 'transfer-encoding': 'chunked' })
    response.flushHeaders()
    const writer = new BodyWriter(response, options.chunking)
    // A tool-call answer is one line with message.tool_calls (done:false), then the usual final line.
    const frames = toolCalls.length > 0 ? [JSON.stringify({ ...part('', toolCalls), done: false })] : tokens
    await playTokens(response, writer, frames, options, {
      token: (text) => {
        firstTokenAt ??= process.hrtime.bigint()
        return toolCalls.length > 0 ? `${text}\n` : `${JSON.stringify({ ...part(text), done: false })}\n`
      },
      error: (message) => `${JSON.stringify({ error: message })}\n`,
      final: () => `${JSON.stringify(final(''))}\n`,
    })
  }

  function embed(request: RecordedRequest, response: ServerResponse, legacy: boolean): void {
    const body = request.body as Record<string, unknown> | undefined
    if (body === undefined || typeof body !== 'object' || typeof body.model !== 'string') {
      sendJson(response, 400, { error: 'model is required' })
      return
    }
    if (!hasModel(options, body.model)) {
      notFound(response, body.model)
      return
    }
    if (legacy) {
      if (typeof body.prompt !== 'string') {
        sendJson(response, 400, { error: 'prompt is required' })
        return
      }
      sendJson(response, 200, { embedding: fakeEmbedding(body.prompt, options.embeddingDimensions) })
      return
    }
    const input = body.input
    const texts = typeof input === 'string' ? [input] : input
    if (!Array.isArray(texts) || !texts.every((text) => typeof text === 'string')) {
      sendJson(response, 400, { error: 'invalid input type' })
      return
    }
    sendJson(response, 200, {
      model: body.model,
      embeddings: texts.map((text) => fakeEmbedding(text, options.embeddingDimensions)),
      total_duration: 1_000_000,
      load_duration: 1_000,
      prompt_eval_count: texts.reduce((sum, text) => sum + options.tokenize(text).length, 0),
    })
  }

  const server = await startLoopbackServer(async (request, response) => {
    const route = `${request.method} ${request.path.split('?')[0]}`
    switch (route) {
      case 'POST /api/chat':
        return generation(request, response, 'chat')
      case 'POST /api/generate':
        return generation(request, response, 'generate')
      case 'POST /api/embed':
        return embed(request, response, false)
      case 'POST /api/embeddings':
        return embed(request, response, true)
      case 'GET /api/version':
        return sendJson(response, 200, { version: FAKE_OLLAMA_VERSION })
      case 'GET /api/tags':
        return sendJson(response, 200, {
          models: options.models.map((model) => ({
            name: fullName(model),
            model: fullName(model),
            modified_at: '2025-01-01T00:00:00Z',
            size: 1_000_000,
            digest: `sha256:${'0'.repeat(64)}`,
            details: {
              format: 'gguf',
              family: 'llama',
              families: ['llama'],
              parameter_size: '1M',
              quantization_level: 'F32',
            },
          })),
        })
      case 'GET /':
      case 'HEAD /':
        response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Ollama is running')
        return
      default:
        response.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found')
    }
  })
  return { ...server, chatRequests }
}
