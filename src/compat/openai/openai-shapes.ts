import type { ErrorView } from '../compat-errors.ts'

// The JSON shapes of OpenAI's chat completions, models and embeddings APIs that the hub answers with.

/** OpenAI's error body `{error:{message,type,param,code}}`; the type follows the status as OpenAI's does. */
export function openAiError(view: ErrorView) {
  const type =
    view.status === 401
      ? 'invalid_request_error'
      : view.status === 429
        ? 'rate_limit_error'
        : view.status >= 500
          ? 'server_error'
          : 'invalid_request_error'
  return { error: { message: view.message, type, param: view.param ?? null, code: view.code } }
}

export function completionId(traceId: string): string {
  return `chatcmpl-${traceId}`
}

export function unixSeconds(milliseconds = Date.now()): number {
  return Math.floor(milliseconds / 1000)
}

export interface ChunkContext {
  id: string
  created: number
  model: string
}

export function completionChunk(
  context: ChunkContext,
  delta: { role?: 'assistant'; content?: string },
  finishReason: 'stop' | null,
) {
  return {
    id: context.id,
    object: 'chat.completion.chunk',
    created: context.created,
    model: context.model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  }
}

export function completion(context: ChunkContext, text: string) {
  return {
    id: context.id,
    object: 'chat.completion',
    created: context.created,
    model: context.model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
  }
}

export function sseData(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`
}

export const SSE_DONE = 'data: [DONE]\n\n'

/** A float vector as OpenAI's base64 encoding: little-endian float32 bytes. */
export function base64Vector(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4)
  for (const [index, value] of vector.entries()) bytes.writeFloatLE(value, index * 4)
  return bytes.toString('base64')
}
