export const SEVERITIES = ['debug', 'info', 'warn', 'error'] as const
export type Severity = (typeof SEVERITIES)[number]

/** Default tenant when a producer names none (DESIGN.md section 2). */
export const DEFAULT_TENANT = 'default'

/**
 * The canonical envelope (DESIGN.md section 2). `payload` is validated against `type@version`;
 * `seq` and `sessionSeq` are set by the log and absent on ephemeral events.
 */
export interface Envelope<TType extends string = string, TPayload = Record<string, unknown>> {
  id: string
  type: TType
  version: number
  ts: string
  source: string
  severity: Severity
  traceId: string
  causationId?: string
  sessionId?: string
  tenant: string
  idempotencyKey?: string
  seq?: number
  sessionSeq?: number
  payload: TPayload
  meta?: Record<string, unknown>
}

/** What a producer hands to publish: the log and the bus fill in the rest. */
export type EnvelopeDraft<TType extends string = string, TPayload = Record<string, unknown>> = Pick<
  Envelope<TType, TPayload>,
  'type' | 'payload'
> &
  Partial<Omit<Envelope<TType, TPayload>, 'type' | 'payload'>>

/** Envelope field names in their canonical order; serialisers and dialects keep this order. */
export const ENVELOPE_FIELDS = [
  'id',
  'type',
  'version',
  'ts',
  'source',
  'severity',
  'traceId',
  'causationId',
  'sessionId',
  'tenant',
  'idempotencyKey',
  'seq',
  'sessionSeq',
  'payload',
  'meta',
] as const
