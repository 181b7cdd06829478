// Any OpenAI-compatible server: POST {base}/chat/completions (SSE), {base}/embeddings, {base}/models.
// The base URL includes the version path, as OPENAI_BASE_URL does ("http://host:8080/v1").
import http from 'node:http'
import https from 'node:https'
import { HubError } from '../../contracts/index.ts'
import type { LlmConfig } from './config.ts'
import {
  httpStatusFailure,
  networkFailure,
  parseServerError,
  protocolError,
  retryAfterMs,
  type ServiceTarget,
  streamError,
} from './failures.ts'
import { callJson, checkVectors } from './http-json.ts'
import { readBodyText, sendHttpRequest } from './http-request.ts'
import { arrivalMark, markSent } from './request-marks.ts'
import { withRetries } from './retry.ts'
import { type SseEvent, SseParser } from './sse-parser.ts'
import { runStream } from './stream-runner.ts'
import { OpenAiToolCallAssembler } from './tool-calls.ts'
import { checkToolRequest, openAiMessage, requestJson } from './tool-messages.ts'
import type { LlmChatRequest, LlmDelta, LlmHealth, LlmProvider, LlmUsage } from './types.ts'

const MAX_ERROR_BODY_BYTES = 64 * 1024
// Rough characters-per-token ratio, only used when a server reports no usage at all.
const ESTIMATED_CHARS_PER_TOKEN = 4

export function openAiTarget(baseUrl: string, apiKeyEnv = 'OPENAI_API_KEY'): ServiceTarget {
  return {
    service: 'OpenAI-compatible server',
    url: baseUrl,
    startHint:
      'start an OpenAI-compatible server there (for example `llama-server -m model.gguf --port 8080`) or set OPENAI_BASE_URL',
    authHint: `set ${apiKeyEnv} to a key this server accepts`,
    modelHint: (model) => `check that the server serves model "${model}" and that the base URL ends in /v1`,
  }
}

function requestBody(request: LlmChatRequest, config: LlmConfig, model: string): string {
  checkToolRequest(request, true)
  const options = request.options ?? {}
  const body: Record<string, unknown> = {
    model,
    messages: request.messages.map(openAiMessage),
    stream: true,
    stream_options: { include_usage: true },
  }
  if (request.tools !== undefined && request.tools.length > 0) body.tools = request.tools
  const temperature = options.temperature ?? config.temperature
  if (temperature !== undefined) body.temperature = temperature
  if (options.maxTokens !== undefined) body.max_tokens = options.maxTokens
  if (options.topP !== undefined) body.top_p = options.topP
  if (options.seed !== undefined) body.seed = options.seed
  if (options.stop !== undefined) body.stop = options.stop
  return requestJson(body)
}

interface StreamState {
  finishReason: string | undefined
  usage: { prompt: number; completion: number } | undefined
  model: string
  tokenParts: number
  finished: boolean
  toolCalls: OpenAiToolCallAssembler
  /** True when the event just read carried a tool-call fragment (a sign of life, but no text). */
  sawToolFragment: boolean
}

/** Interprets one SSE event; returns the text it carries ('' for none). */
function interpretEvent(event: SseEvent, state: StreamState, target: ServiceTarget): string {
  state.sawToolFragment = false
  if (event.data === '[DONE]') {
    state.finished = true
    return ''
  }
  let value: unknown
  try {
    value = JSON.parse(event.data)
  } catch {
    throw protocolError(target, `an SSE data field is not JSON: ${event.data.slice(0, 120)}`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw protocolError(target, 'an SSE chunk is not a JSON object')
  }
  const chunk = value as Record<string, unknown>
  if (chunk.error !== undefined || event.event === 'error') {
    const server = parseServerError(event.data)
    throw streamError(target, server?.message ?? event.data.slice(0, 200), server?.code)
  }
  if (typeof chunk.model === 'string') state.model = chunk.model
  const usage = chunk.usage as Record<string, unknown> | null | undefined
  if (usage !== null && typeof usage === 'object') {
    const prompt = usage.prompt_tokens
    const completion = usage.completion_tokens
    if (typeof prompt === 'number' && typeof completion === 'number') state.usage = { prompt, completion }
  }
  const choices = chunk.choices
  if (choices === undefined || choices === null) return ''
  if (!Array.isArray(choices)) throw protocolError(target, 'choices is not an array')
  const choice = choices.find((item) => (item as { index?: unknown })?.index === 0 || choices.length === 1) as
    | Record<string, unknown>
    | undefined
  if (choice === undefined) return ''
  if (typeof choice.finish_reason === 'string') state.finishReason = choice.finish_reason
  const delta = choice.delta as Record<string, unknown> | undefined
  if (delta?.tool_calls !== undefined && delta.tool_calls !== null) {
    state.toolCalls.push(delta.tool_calls)
    state.sawToolFragment = true
  }
  const content = delta?.content
  if (content === undefined || content === null) return ''
  if (typeof content !== 'string') throw protocolError(target, 'delta.content is not a string')
  return content
}

function finalUsage(state: StreamState, request: LlmChatRequest): LlmUsage {
  if (state.usage !== undefined) {
    return { promptTokens: state.usage.prompt, completionTokens: state.usage.completion }
  }
  const promptChars = request.messages.reduce((sum, message) => sum + message.content.length, 0)
  return {
    promptTokens: Math.ceil(promptChars / ESTIMATED_CHARS_PER_TOKEN),
    completionTokens: state.tokenParts,
    estimated: true,
  }
}

export function createOpenAiProvider(config: LlmConfig): LlmProvider {
  const target = openAiTarget(config.baseUrl, config.apiKeyEnv)
  const agent = config.baseUrl.startsWith('https:')
    ? new https.Agent({ keepAlive: true })
    : new http.Agent({ keepAlive: true })
  const authHeaders: Record<string, string> =
    config.apiKey === undefined ? {} : { authorization: `Bearer ${config.apiKey}` }

  async function* streamOnce(
    request: LlmChatRequest,
    model: string,
    signal: AbortSignal,
  ): AsyncGenerator<LlmDelta> {
    const response = await sendHttpRequest({
      method: 'POST',
      url: `${config.baseUrl}/chat/completions`,
      headers: { ...authHeaders, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: requestBody(request, config, model),
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
    const parser = new SseParser()
    const state: StreamState = {
      finishReason: undefined,
      usage: undefined,
      model,
      tokenParts: 0,
      finished: false,
      toolCalls: new OpenAiToolCallAssembler(target),
      sawToolFragment: false,
    }
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        const marks = request.marks?.firstTokenAt === undefined ? request.marks : undefined
        const arrived = marks === undefined ? undefined : arrivalMark()
        for (const event of parser.push(chunk)) {
          if (state.finished) continue
          const text = interpretEvent(event, state, target)
          if (text !== '') {
            if (marks !== undefined && arrived !== undefined && marks.firstTokenAt === undefined) {
              marks.firstTokenAt = arrived.at
              marks.firstTokenCpuUs = arrived.cpuUs
            }
            state.tokenParts++
            yield { type: 'token', text }
          } else if (state.sawToolFragment) {
            // Long arguments can take a while: an empty part keeps the stall deadlines from firing.
            state.tokenParts++
            yield { type: 'token', text: '' }
          }
        }
      }
      for (const event of parser.end()) if (!state.finished) interpretEvent(event, state, target)
    } catch (error) {
      if (signal.aborted) throw signal.reason
      throw error instanceof HubError ? error : networkFailure(error, target)
    }
    // Some compatible servers omit `[DONE]`; a finish_reason still proves the answer is complete.
    if (!state.finished && state.finishReason === undefined) return
    // Arguments are only whole once the answer is; a cut-off or malformed one is E_VALIDATION.
    const calls = state.toolCalls.finish(state.finishReason === 'length')
    for (const call of calls) yield { type: 'tool_call', ...call }
    const finishReason = state.finishReason ?? 'stop'
    yield {
      type: 'done',
      model: state.model,
      // Some compatible servers say 'stop' after tool calls; the caller must know results are awaited.
      finishReason: calls.length > 0 && finishReason === 'stop' ? 'tool_calls' : finishReason,
      usage: finalUsage(state, request),
    }
  }

  const jsonCall = (method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal) =>
    callJson({
      method,
      url: `${config.baseUrl}${path}`,
      body,
      headers: authHeaders,
      target,
      model: config.model,
      connectTimeoutMs: config.connectTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      agent,
      signal,
    })

  return {
    name: 'openai',
    model: config.model,
    chat(request: LlmChatRequest, signal?: AbortSignal): AsyncIterable<LlmDelta> {
      const model = request.model ?? config.model
      return runStream((attemptSignal) => streamOnce(request, model, attemptSignal), {
        ...config,
        describeTarget: `OpenAI-compatible server at ${config.baseUrl}`,
        target: config.baseUrl,
        signal,
      })
    },
    async embed(inputs: string[], signal?: AbortSignal): Promise<number[][]> {
      if (inputs.length === 0) return []
      const answer = await withRetries(
        () => jsonCall('POST', '/embeddings', { model: config.embeddingModel, input: inputs }, signal),
        config,
        signal,
      )
      const data = (answer as { data?: unknown } | null)?.data
      if (!Array.isArray(data)) throw protocolError(target, 'embeddings answer has no data array')
      const ordered = [...data].sort(
        (left, right) =>
          Number((left as { index?: unknown })?.index) - Number((right as { index?: unknown })?.index),
      )
      return checkVectors(
        ordered.map((item) => (item as { embedding?: unknown })?.embedding),
        inputs.length,
        target,
      )
    },
    async health(signal?: AbortSignal): Promise<LlmHealth> {
      try {
        const answer = (await jsonCall('GET', '/models', undefined, signal)) as { data?: unknown } | null
        const models = Array.isArray(answer?.data)
          ? answer.data
              .map((item) => (item as { id?: unknown })?.id)
              .filter((id): id is string => typeof id === 'string')
          : []
        const health: LlmHealth = { ok: true, provider: 'openai', target: config.baseUrl, models }
        // Servers that list models but not ours cannot serve the turn.
        if (models.length > 0 && !models.includes(config.model)) {
          health.ok = false
          health.error = {
            code: 'E_DEPENDENCY_UNAVAILABLE',
            message: `OpenAI-compatible server at ${config.baseUrl} does not list model "${config.model}"`,
          }
        }
        return health
      } catch (error) {
        const failure = networkFailure(error, target)
        return {
          ok: false,
          provider: 'openai',
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
