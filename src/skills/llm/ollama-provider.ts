// Ollama's HTTP API: POST /api/chat (NDJSON stream), POST /api/embed, GET /api/version, /api/tags.
import http from 'node:http'
import { HubError } from '../../contracts/index.ts'
import type { LlmConfig } from './config.ts'
import {
  httpStatusFailure,
  networkFailure,
  protocolError,
  retryAfterMs,
  type ServiceTarget,
  streamError,
} from './failures.ts'
import { callJson, checkVectors } from './http-json.ts'
import { readBodyText, sendHttpRequest } from './http-request.ts'
import { NdjsonParser } from './ndjson-parser.ts'
import { arrivalMark, markFirstToken, markSent } from './request-marks.ts'
import { withRetries } from './retry.ts'
import { runStream } from './stream-runner.ts'
import { readOllamaToolCalls } from './tool-calls.ts'
import { checkToolRequest, ollamaMessage, requestJson, requestJsonPiecesWithTools } from './tool-messages.ts'
import type { LlmChatRequest, LlmDelta, LlmHealth, LlmProvider } from './types.ts'

const MAX_ERROR_BODY_BYTES = 64 * 1024
const NANOSECONDS_PER_MILLISECOND = 1_000_000
// A health probe should answer quickly even when turns may wait much longer.
export const DEFAULT_HEALTH_TIMEOUT_MS = 10_000

export function ollamaTarget(baseUrl: string): ServiceTarget {
  return {
    service: 'Ollama',
    url: baseUrl,
    startHint: 'start it with `ollama serve` (or point OLLAMA_HOST / --ollama-host at where it runs)',
    modelHint: (model) => `pull it with \`ollama pull ${model}\``,
  }
}

function ollamaOptions(request: LlmChatRequest, config: LlmConfig): Record<string, unknown> {
  const options = request.options ?? {}
  const result: Record<string, unknown> = {}
  const temperature = options.temperature ?? config.temperature
  if (temperature !== undefined) result.temperature = temperature
  if (options.maxTokens !== undefined) result.num_predict = options.maxTokens
  if (options.topP !== undefined) result.top_p = options.topP
  if (options.seed !== undefined) result.seed = options.seed
  if (options.stop !== undefined) result.stop = options.stop
  return result
}

function chatBody(request: LlmChatRequest, config: LlmConfig, model: string): string | string[] {
  checkToolRequest(request, false)
  const body: Record<string, unknown> = {
    model,
    messages: request.messages.map(ollamaMessage),
    stream: true,
    options: ollamaOptions(request, config),
  }
  // `tools` is the body's last key, written from the definitions' remembered JSON (decision 1788).
  return request.tools === undefined ? requestJson(body) : requestJsonPiecesWithTools(body, request.tools)
}

/** Interprets one NDJSON line of /api/chat. */
function interpretLine(line: unknown, target: ServiceTarget, model: string): LlmDelta {
  if (line === null || typeof line !== 'object' || Array.isArray(line)) {
    throw protocolError(target, 'a stream line is not a JSON object')
  }
  const record = line as Record<string, unknown>
  if (record.error !== undefined) {
    const message =
      typeof record.error === 'string' ? record.error : JSON.stringify(record.error).slice(0, 200)
    throw streamError(target, message)
  }
  const message = record.message as Record<string, unknown> | undefined
  const content = message?.content
  if (content !== undefined && typeof content !== 'string') {
    throw protocolError(target, 'message.content is not a string')
  }
  if (record.done === true) {
    const count = (value: unknown): number | undefined =>
      typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined
    const promptTokens = count(record.prompt_eval_count)
    const completionTokens = count(record.eval_count)
    const totalNs = count(record.total_duration)
    return {
      type: 'done',
      model: typeof record.model === 'string' ? record.model : model,
      finishReason:
        typeof record.done_reason === 'string' && record.done_reason !== '' ? record.done_reason : 'stop',
      usage: {
        // Ollama omits prompt_eval_count when the whole prompt came from its cache.
        promptTokens: promptTokens ?? 0,
        completionTokens: completionTokens ?? 0,
        ...(totalNs === undefined ? {} : { totalDurationMs: totalNs / NANOSECONDS_PER_MILLISECOND }),
        ...(completionTokens === undefined ? { estimated: true } : {}),
      },
    }
  }
  if (typeof content === 'string' && content !== '') {
    // `done` content is folded into the token stream before the final part.
    return { type: 'token', text: content }
  }
  return { type: 'token', text: '' }
}

export function createOllamaProvider(config: LlmConfig): LlmProvider {
  const target = ollamaTarget(config.baseUrl)
  const agent = new http.Agent({ keepAlive: true })

  async function* streamOnce(
    request: LlmChatRequest,
    model: string,
    signal: AbortSignal,
  ): AsyncGenerator<LlmDelta> {
    const body = chatBody(request, config, model)
    const response = await sendHttpRequest({
      method: 'POST',
      url: `${config.baseUrl}/api/chat`,
      headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
      body,
      signal,
      connectTimeoutMs: config.connectTimeoutMs,
      target,
      agent,
      ...(request.marks === undefined ? {} : { onSent: markSent(request.marks) }),
    })
    if (response.status !== 200) {
      const text = await readBodyText(response.body, MAX_ERROR_BODY_BYTES, target)
      throw httpStatusFailure(
        response.status,
        text,
        target,
        model,
        retryAfterMs(response.headers['retry-after']),
      )
    }
    const parser = new NdjsonParser()
    let done: LlmDelta | undefined
    let toolCalls = 0
    // Ollama sends each call whole, with its arguments as an object, on a line of its own.
    function* calls(message: Record<string, unknown> | undefined): Generator<LlmDelta> {
      if (message?.tool_calls === undefined || message.tool_calls === null) return
      for (const call of readOllamaToolCalls(message.tool_calls, toolCalls, target)) {
        toolCalls++
        yield { type: 'tool_call', ...call }
      }
    }
    // The final line may carry content of its own; it goes out as a token before `done`.
    function* handle(lines: unknown[]): Generator<LlmDelta> {
      for (const line of lines) {
        if (done !== undefined) continue
        const delta = interpretLine(line, target, model)
        const message = (line as { message?: Record<string, unknown> }).message
        if (delta.type !== 'done') {
          yield delta
          yield* calls(message)
          continue
        }
        const tail = message?.content
        if (typeof tail === 'string' && tail !== '') yield { type: 'token', text: tail }
        yield* calls(message)
        // Ollama says 'stop' after tool calls; the caller needs to know the model is waiting for results.
        done =
          toolCalls > 0 && delta.finishReason === 'stop' ? { ...delta, finishReason: 'tool_calls' } : delta
      }
    }
    const marks = request.marks
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        if (marks === undefined || marks.firstTokenAt !== undefined) yield* handle(parser.push(chunk))
        else yield* markFirstToken(marks, arrivalMark(), handle(parser.push(chunk)))
      }
      yield* handle(parser.end())
    } catch (error) {
      if (signal.aborted) throw signal.reason
      throw error instanceof HubError ? error : networkFailure(error, target)
    }
    if (done !== undefined) yield done
  }

  return {
    name: 'ollama',
    model: config.model,
    chat(request: LlmChatRequest, signal?: AbortSignal): AsyncIterable<LlmDelta> {
      const model = request.model ?? config.model
      // What the stream runner reads, not a copy of the whole config on every turn.
      return runStream((attemptSignal) => streamOnce(request, model, attemptSignal), {
        firstTokenTimeoutMs: config.firstTokenTimeoutMs,
        idleTimeoutMs: config.idleTimeoutMs,
        maxRetries: config.maxRetries,
        retryBaseDelayMs: config.retryBaseDelayMs,
        retryMaxDelayMs: config.retryMaxDelayMs,
        describeTarget: `Ollama at ${config.baseUrl}`,
        target: config.baseUrl,
        signal,
      })
    },
    async embed(inputs: string[], signal?: AbortSignal): Promise<number[][]> {
      if (inputs.length === 0) return []
      const answer = await withRetries(
        () =>
          callJson({
            method: 'POST',
            url: `${config.baseUrl}/api/embed`,
            body: { model: config.embeddingModel, input: inputs },
            target,
            model: config.embeddingModel,
            connectTimeoutMs: config.connectTimeoutMs,
            requestTimeoutMs: config.requestTimeoutMs,
            agent,
            signal,
          }),
        config,
        signal,
      )
      return checkVectors((answer as { embeddings?: unknown } | null)?.embeddings, inputs.length, target)
    },
    async health(signal?: AbortSignal): Promise<LlmHealth> {
      const call = (path: string): Promise<unknown> =>
        callJson({
          method: 'GET',
          url: `${config.baseUrl}${path}`,
          target,
          model: config.model,
          connectTimeoutMs: config.connectTimeoutMs,
          requestTimeoutMs: Math.min(config.requestTimeoutMs, DEFAULT_HEALTH_TIMEOUT_MS),
          agent,
          signal,
        })
      try {
        const versionAnswer = (await call('/api/version')) as { version?: unknown } | null
        const tags = (await call('/api/tags')) as { models?: Array<{ name?: unknown }> } | null
        const models = Array.isArray(tags?.models)
          ? tags.models.map((entry) => entry?.name).filter((name): name is string => typeof name === 'string')
          : []
        const version = typeof versionAnswer?.version === 'string' ? versionAnswer.version : undefined
        const wanted = config.model.includes(':') ? config.model : `${config.model}:latest`
        const present = models.includes(config.model) || models.includes(wanted)
        const health: LlmHealth = { ok: present, provider: 'ollama', target: config.baseUrl, models }
        if (version !== undefined) health.version = version
        if (!present) {
          health.error = {
            code: 'E_DEPENDENCY_UNAVAILABLE',
            message: `Ollama at ${config.baseUrl} does not have model "${config.model}"; pull it with \`ollama pull ${config.model}\``,
          }
        }
        return health
      } catch (error) {
        const failure = networkFailure(error, target)
        return {
          ok: false,
          provider: 'ollama',
          target: config.baseUrl,
          error: { code: failure.code, message: failure.message },
        }
      }
    },
    async close(): Promise<void> {
      agent.destroy()
    },
  }
}
