import type { Envelope, EnvelopeDraft, Severity } from '../../contracts/index.ts'
import type { CallStep, Pipeline } from '../../manifest/index.ts'

/** The part of the bus a pipeline needs. The real bus satisfies it; tests may pass a recorder. */
export interface EventPublisher {
  publish(draft: EnvelopeDraft): Promise<{ id: string; seq?: number }>
}

/** Seed 000's metric names, observed in milliseconds. */
export type StepMetric = 'ttft_ms' | 'rag_ms' | 'tool_ms' | 'stt_ms' | 'tts_ms' | 'avatar_ms' | 'voice_rtt_ms'

export interface MetricsSink {
  observe(metric: StepMetric | 'turn_ms', milliseconds: number, labels?: Record<string, string>): void
}

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

/** What the client of a turn sees while it runs (the SSE stream of POST /chat). */
export type TurnPart =
  | { kind: 'start'; streamId: string; traceId: string; sessionId: string }
  | { kind: 'chunk'; streamId: string; seq: number; text: string }
  | { kind: 'end'; streamId: string; reason: string; text: string; citations: RetrievedPassage[] }
  | { kind: 'error'; code: string; message: string }
  /** The model asked for a tool; `status` follows it: requested, then done, pending, granted, refused or error. */
  | { kind: 'tool'; name: string; status: string; callId: string }

/** Mutable state of one turn, read and written by the steps. */
export interface TurnState {
  readonly traceId: string
  readonly sessionId: string
  readonly text: string
  readonly locale?: string
  readonly startedAt: number
  passages: RetrievedPassage[]
  memory: MemoryItem[]
  history: ChatMessage[]
  answer: string
  finishReason?: string
  usage?: { promptTokens?: number; completionTokens?: number }
  outcome?: 'ok' | 'error' | 'cancelled'
  error?: { code: string; message: string }
}

export interface EmitOptions {
  severity?: Severity
  source?: string
}

export interface TurnEmitterPort {
  emit(type: string, payload: Record<string, unknown>, options?: EmitOptions): Promise<Envelope>
}

/** What a skill gets when a `call` step reaches it. */
export interface StepContext {
  readonly turn: TurnState
  readonly step: CallStep
  readonly pipeline: Pipeline
  readonly emitter: TurnEmitterPort
  readonly signal: AbortSignal
  readonly metrics: MetricsSink
  /** Streams answer text to the turn's client (only the LLM step uses it). */
  readonly onPart: (part: TurnPart) => void
}

export type SkillStatus = 'ready' | 'degraded' | 'unavailable' | 'failed'

/** A skill as the pipeline engine sees it, whatever its transport. */
export interface SkillRuntime {
  readonly id: string
  status(): { state: SkillStatus; reason?: string }
  invoke(context: StepContext): Promise<void>
}

/** Named predicates for `if` steps. */
export type Condition = (turn: TurnState) => boolean
