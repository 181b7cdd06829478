import type { Envelope, EventType, PayloadOf, StoredEnvelope } from '../contracts/index.ts'

/** Seed 002's primitive verbs; a tool is registered under one. */
export type Primitive = 'find' | 'send' | 'check' | 'locate' | 'document'

export interface PermissionAsk {
  descriptionEn: string
  descriptionKo?: string
  riskLevel?: 'low' | 'medium' | 'high'
  primitive?: Primitive
  /** How long to wait for the person's decision before counting it as denied. */
  timeoutMs?: number
}

export interface PermissionAnswer {
  decision: 'allow_once' | 'denied'
  /** The hub's approval id (the receipt to revoke later). */
  receiptId: string | null
}

export interface ConsentRevokeAnswer {
  ok: boolean
  revokedAt: string | null
  recordHash: string | null
  error: string | null
}

export interface PublishOptions {
  sessionId?: string
  traceId?: string
  /** Idempotency key; a fresh id by default. */
  eventGuid?: string
}

/** What a tool handler and an event handler get besides their input. */
export interface SkillCallContext {
  readonly skillId: string
  readonly sessionId: string
  /** The call's id (tool handlers), or the event's id (event handlers). */
  readonly callId: string
  /** Publishes a catalog type as this skill; the compiler checks the payload against the generated types. */
  publish<T extends EventType>(type: T, payload: PayloadOf<T>, options?: PublishOptions): string
  /** A type known only at run time; the hub checks it. Returns the event guid. */
  publishUntyped(type: string, payload: Record<string, unknown>, options?: PublishOptions): string
  /** Opens an approval on the hub and waits for the person's decision. */
  askPermission(ask: PermissionAsk): Promise<PermissionAnswer>
  /** Withdraws a receipt (an approval or grant id) the hub gave. */
  revokeConsent(receiptId: string, scope?: 'once' | 'session-all'): Promise<ConsentRevokeAnswer>
  /** Tells the hub how far the call is (shown to the person). */
  progress(messageEn: string, messageKo?: string): void
}

export interface ToolDefinitionInput<Arguments, Result> {
  /** Display name (≤ 80 characters); the tool id by default. */
  name?: string
  primitive?: Primitive
  /** What the model is told the tool does. */
  description: string
  /**
   * JSON Schema of the arguments. The hub checks the model's calls against it when the skill offers
   * its tools to the model (capabilityTier); a pipeline call step's arguments are not checked.
   */
  input?: Record<string, unknown>
  /** `always`: the result goes as payload frames whatever its size; `auto` (default): only when large. */
  payload?: 'auto' | 'always'
  handler(args: Arguments, context: SkillCallContext): Result | Promise<Result>
}

/** A handler per catalog type the skill consumes, typed from the generated catalog types. */
export type EventHandlers = {
  [T in EventType]?: (event: StoredEnvelope<T>, context: SkillCallContext) => void | Promise<void>
}

export interface StdioSkillDefinition {
  // biome-ignore lint/suspicious/noExplicitAny: each tool has its own argument and result types
  tools: Readonly<Record<string, ToolDefinitionInput<any, unknown>>>
  events?: EventHandlers
  /** Events whose type has no handler in `events` (patterns like `note.*` deliver many types). */
  onEvent?(event: Envelope, context: SkillCallContext): void | Promise<void>
}
