import { HubError, type ValidationIssue } from '../../contracts/index.ts'
import type { FactKind } from './extract-facts.ts'
import { MAX_SESSION_ID_CHARS } from './memory-options.ts'

export interface TurnRecord {
  sessionId: string
  traceId?: string
  userText: string
  assistantText: string
  /** ISO 8601 or milliseconds since the epoch; the store's clock when absent. */
  ts?: string | number
}

export interface StoredFact {
  id: string
  kind: FactKind
  text: string
  ts: string
}

/** What recordTurn answers; `id` and `ts` are the memory.write.receipt payload. */
export interface MemoryReceipt {
  id: string
  ts: string
  summary: string
  facts: StoredFact[]
  /** True when a text was longer than maxTextChars and was cut. */
  truncated: boolean
}

export interface MemoryEntry {
  id: string
  kind: 'episode' | 'fact'
  sessionId: string
  ts: string
  /** The summary of an episode, the sentence of a fact. */
  text: string
  traceId?: string
  userText?: string
  assistantText?: string
  factKind?: FactKind
}

export interface ListRequest {
  sessionId?: string
  limit?: number
  /** Only entries strictly older than this (ISO 8601 or milliseconds): pass the last entry's ts to page. */
  before?: string | number
}

export interface ForgetRequest {
  sessionId?: string
}

export interface ForgetResult {
  episodes: number
  facts: number
}

export function invalid(message: string, issues: ValidationIssue[]): HubError {
  return new HubError('E_VALIDATION', message, { details: { issues } })
}

export function toMilliseconds(value: unknown, path: string): number {
  const parsed =
    typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN
  if (!Number.isFinite(parsed)) {
    throw invalid(`${path.slice(1)} is not a timestamp`, [
      {
        path,
        expected: 'an ISO 8601 date-time or milliseconds since the epoch',
        got: String(value).slice(0, 60),
        message: 'not a timestamp',
      },
    ])
  }
  return parsed
}

export function checkSessionId(value: unknown, path = '/sessionId'): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_SESSION_ID_CHARS) {
    throw invalid('sessionId must be a non-empty string', [
      {
        path,
        expected: `a string of 1 to ${MAX_SESSION_ID_CHARS} characters`,
        got: typeof value === 'string' ? `${value.length} characters` : typeof value,
        message: 'bad session id',
      },
    ])
  }
  return value
}

export function checkLimit(value: unknown, fallback: number, maximum: number, path: string): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > maximum) {
    throw invalid(`${path.slice(1)} must be an integer from 1 to ${maximum}`, [
      { path, expected: `an integer from 1 to ${maximum}`, got: String(value), message: 'out of range' },
    ])
  }
  return value
}

/** Checks a turn and returns it with texts cut to the limit. */
export function checkTurn(
  turn: TurnRecord,
  maxTextChars: number,
): { userText: string; assistantText: string; truncated: boolean } {
  if (turn === null || typeof turn !== 'object') {
    throw invalid('recordTurn needs an object', [
      { path: '', expected: 'an object', got: String(turn), message: 'not an object' },
    ])
  }
  checkSessionId(turn.sessionId)
  const issues: ValidationIssue[] = []
  for (const field of ['userText', 'assistantText'] as const) {
    if (typeof turn[field] !== 'string') {
      issues.push({
        path: `/${field}`,
        expected: 'a string',
        got: typeof turn[field],
        message: `${field} must be text`,
      })
    }
  }
  if (turn.traceId !== undefined && typeof turn.traceId !== 'string') {
    issues.push({
      path: '/traceId',
      expected: 'a string',
      got: typeof turn.traceId,
      message: 'traceId must be text',
    })
  }
  if (issues.length > 0) throw invalid(`invalid turn: ${issues.map((i) => i.message).join('; ')}`, issues)
  const truncated = turn.userText.length > maxTextChars || turn.assistantText.length > maxTextChars
  return {
    userText: turn.userText.slice(0, maxTextChars),
    assistantText: turn.assistantText.slice(0, maxTextChars),
    truncated,
  }
}
