import { HubError } from '../../contracts/index.ts'
import type { Pipeline } from '../../manifest/index.ts'
import type { ChatMessage, RunPart, RunState } from '../../skill-api/index.ts'
import type { PipelineRunner } from '../pipeline/index.ts'
import { DEFAULT_MAX_SESSIONS } from '../sessions/index.ts'

/** Messages of history kept per session for the prompt (user and assistant turns). */
export const DEFAULT_HISTORY_MESSAGES = 20
/** Longest chat message accepted, in characters. */
export const DEFAULT_MAX_CHAT_CHARS = 32_000

export interface ChatServiceOptions {
  runner: PipelineRunner
  pipeline: Pipeline
  historyMessages?: number
}

export interface ChatRequest {
  text: string
  sessionId?: string
  traceId?: string
  locale?: string
  /** The conversation so far as the client holds it (OpenAI/Ollama clients send it); replaces the session's kept history. */
  history?: readonly ChatMessage[]
  /** The HTTP route that started the turn (run trigger), `/chat` unless another entry says so. */
  route?: string
}

/**
 * The HTTP entry of the chat pipeline: checks the text, hands the session's recent history to the
 * run and remembers the answer for the next turn.
 */
export class ChatService {
  readonly #options: ChatServiceOptions
  readonly #history = new Map<string, ChatMessage[]>()

  constructor(options: ChatServiceOptions) {
    this.#options = options
  }

  get inFlight(): number {
    return this.#options.runner.inFlight
  }

  async run(request: ChatRequest, signal: AbortSignal, onPart: (part: RunPart) => void): Promise<RunState> {
    if (typeof request.text !== 'string' || request.text.trim().length === 0) {
      throw new HubError('E_BAD_REQUEST', 'chat text must be a non-empty string')
    }
    if (request.text.length > DEFAULT_MAX_CHAT_CHARS) {
      throw new HubError('E_RESOURCE_LIMIT', `chat text is longer than ${DEFAULT_MAX_CHAT_CHARS} characters`)
    }
    const history =
      request.history ?? (request.sessionId === undefined ? [] : (this.#history.get(request.sessionId) ?? []))
    const run = await this.#options.runner.run({
      pipeline: this.#options.pipeline,
      trigger: { kind: 'http', route: request.route ?? '/chat' },
      text: request.text,
      history,
      signal,
      onPart,
      ...(request.sessionId === undefined ? {} : { sessionId: request.sessionId }),
      ...(request.traceId === undefined ? {} : { traceId: request.traceId }),
      ...(request.locale === undefined ? {} : { locale: request.locale }),
    })
    if (run.outcome === 'ok') this.#remember(run)
    return run
  }

  #remember(run: RunState): void {
    const limit = this.#options.historyMessages ?? DEFAULT_HISTORY_MESSAGES
    const history = this.#history.get(run.sessionId) ?? []
    history.push({ role: 'user', content: run.text }, { role: 'assistant', content: run.answer })
    this.#history.delete(run.sessionId)
    this.#history.set(run.sessionId, history.slice(-limit))
    // Least recently used sessions are forgotten first, so the map cannot grow without bound.
    if (this.#history.size > DEFAULT_MAX_SESSIONS) {
      const oldest = this.#history.keys().next().value
      if (oldest !== undefined) this.#history.delete(oldest)
    }
  }
}
