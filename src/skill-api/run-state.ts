import type { Envelope } from '../contracts/index.ts'

export interface RetrievedPassage {
  sourceId: string
  title: string
  /** A short window for people (citations). */
  snippet: string
  /** The whole chunk, for the prompt. */
  text: string
  score: number
  location: { path: string; startLine?: number; endLine?: number }
}

export interface MemoryItem {
  id: string
  kind: 'fact' | 'summary' | 'episode'
  text: string
  score: number
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

/** What started a run: the kernel's HTTP entry, a WebSocket stream, or an event on the bus. */
export type RunTrigger =
  | { readonly kind: 'http'; readonly route: string }
  | { readonly kind: 'ws'; readonly route: string }
  | { readonly kind: 'bus'; readonly event: Envelope }

/** What the client of a run sees while it runs (the SSE stream of POST /chat, a WS stream). */
export type RunPart =
  | { kind: 'start'; streamId: string; traceId: string; sessionId: string }
  | { kind: 'chunk'; streamId: string; seq: number; text: string }
  | { kind: 'end'; streamId: string; reason: string; text: string; citations: RetrievedPassage[] }
  | { kind: 'error'; code: string; message: string }
  /** The model asked for a tool; `status` follows it: requested, then done, pending, granted, refused or error. */
  | { kind: 'tool'; name: string; status: string; callId: string }
  /** An event of the run, for stream clients that follow every event (WS entries). */
  | { kind: 'event'; event: Envelope }

/**
 * Mutable state of one pipeline run, read and written by its steps. A chat turn fills `text` from
 * the request; a voice turn from the transcript; a run started by an event carries it in `signal`.
 * Anything a skill needs to hand to a later step that has no field here goes into `data`, keyed by
 * the skill's id.
 */
export interface RunState {
  readonly pipelineId: string
  readonly traceId: string
  readonly sessionId: string
  readonly trigger: RunTrigger
  readonly startedAt: number
  readonly locale?: string
  /** The person's words: typed text, or the transcript once STT has run. */
  text: string
  /** The event that started a bus-triggered run, or the last one a `recv` step received. */
  signal?: Envelope
  /** Events delivered to `recv` steps, in order. */
  received: Envelope[]
  passages: RetrievedPassage[]
  memory: MemoryItem[]
  history: ChatMessage[]
  answer: string
  finishReason?: string
  usage?: { promptTokens?: number; completionTokens?: number }
  outcome?: 'ok' | 'error' | 'cancelled'
  error?: { code: string; message: string }
  /** Per-skill scratch space (a triage verdict, a nudge proposal, audio timings). */
  readonly data: Map<string, unknown>
}

/** A fresh run state; the runner makes one per run, and skills' tests make their own. */
export function createRunState(
  init: Pick<RunState, 'pipelineId' | 'traceId' | 'sessionId' | 'trigger' | 'startedAt'> &
    Partial<Pick<RunState, 'text' | 'locale' | 'signal'>> & { history?: readonly ChatMessage[] },
): RunState {
  return {
    ...init,
    text: init.text ?? '',
    received: init.signal === undefined ? [] : [init.signal],
    passages: [],
    memory: [],
    history: [...(init.history ?? [])],
    answer: '',
    data: new Map(),
  }
}
