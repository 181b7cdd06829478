import { HubError, isRfc3339DateTime } from '../../contracts/index.ts'
import { DEFAULT_REPLAY_LIMIT, MAX_REPLAY_LIMIT } from './server-options.ts'

const MAX_PATTERN_CHARS = 500
/**
 * An RFC 3339 date-time that names a real instant (the calendar and clock checked, as the catalog's
 * `date-time` is). Date.parse alone rolls 2026-02-30 over to 2 March and reads 24:00 as the next
 * day; the CLI's time flags refuse both (decision 2080).
 */
function isRfc3339Time(value: string): boolean {
  return isRfc3339DateTime(value) && Number.isFinite(Date.parse(value))
}

export interface KeyParameters {
  traceId?: string
  sessionId?: string
  source?: string
}

export interface ReplayParameters extends KeyParameters {
  from?: number | string
  to?: number | string
  filter?: string
  since?: string
  until?: string
  limit: number
}

export interface TailParameters extends KeyParameters {
  fromSeq?: number
  /** Bounds (decision 1626): the tail ends (the socket closes with 1000) once one is reached. */
  toSeq?: number
  filter?: string
  since?: string
  until?: string
  limit?: number
}

const MAX_KEY_CHARS = 200
const KEY_NAMES = ['traceId', 'sessionId', 'source'] as const

type RawQuery = Readonly<Record<string, unknown>>

function bad(message: string, parameter: string, got: unknown): HubError {
  // `in` as the schema-level refusals say it (docs/http-api.md, Refusals).
  return new HubError('E_BAD_REQUEST', message, {
    details: { in: 'querystring', parameter, got: String(got).slice(0, 80) },
  })
}

function single(query: RawQuery, name: string): string | undefined {
  const value = query[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw bad(`query parameter ${name} must be given once`, name, value)
  return value
}

function rejectUnknown(query: RawQuery, known: readonly string[]): void {
  for (const name of Object.keys(query)) {
    if (!known.includes(name))
      throw bad(
        `unknown query parameter ${JSON.stringify(name)}; known: ${known.join(', ')}`,
        name,
        query[name],
      )
  }
}

function parseSeq(value: string): number | undefined {
  if (!/^\d{1,15}$/.test(value)) return undefined
  return Number(value)
}

/** A seq (digits) or an RFC 3339 time. */
function parsePosition(value: string, name: string): number | string {
  const seq = parseSeq(value)
  if (seq !== undefined) return seq
  if (isRfc3339Time(value)) return value
  throw bad(`${name} must be a seq (digits) or an RFC 3339 time`, name, value)
}

/** Type patterns with NATS wildcard rules: `*` one whole token, `>` the rest, only last. */
export function checkPattern(pattern: string, name = 'filter'): string {
  const tokens = pattern.split('.')
  const fine =
    pattern.length > 0 &&
    pattern.length <= MAX_PATTERN_CHARS &&
    tokens.every(
      (token, index) =>
        token.length > 0 &&
        (token === '*' || (token === '>' && index === tokens.length - 1) || /^[A-Za-z0-9_-]+$/.test(token)),
    )
  if (!fine) throw bad(`${name} must be a type pattern like chat.* or chat.>`, name, pattern)
  return pattern
}

/** `filter` or its other name `type` (one of them), checked as a type pattern. */
function typeFilter(query: RawQuery): string | undefined {
  const filter = single(query, 'filter')
  const type = single(query, 'type')
  if (filter !== undefined && type !== undefined)
    throw bad('give filter or type (the same thing), not both', 'type', type)
  const pattern = filter ?? type
  return pattern === undefined ? undefined : checkPattern(pattern, filter === undefined ? 'type' : 'filter')
}

/** traceId, sessionId, source: exact, non-empty, at most 200 characters. */
function keyParameters(query: RawQuery): KeyParameters {
  const keys: KeyParameters = {}
  for (const name of KEY_NAMES) {
    const value = single(query, name)
    if (value === undefined) continue
    if (value.length === 0 || value.length > MAX_KEY_CHARS)
      throw bad(`${name} must be 1 to ${MAX_KEY_CHARS} characters`, name, value)
    keys[name] = value
  }
  return keys
}

function parseTime(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined
  if (isRfc3339Time(value)) return value
  throw bad(`${name} must be an RFC 3339 time`, name, value)
}

/**
 * GET /events query: from, to (seq or time), filter (or type), traceId, sessionId, source, since,
 * until (RFC 3339), limit (1..10,000).
 */
export function parseReplayQuery(query: RawQuery): ReplayParameters {
  // `scope` is taken off by scopeOf before this runs; it is listed so a refusal names it too.
  rejectUnknown(query, ['from', 'to', 'filter', 'type', ...KEY_NAMES, 'since', 'until', 'limit', 'scope'])
  const from = single(query, 'from')
  const to = single(query, 'to')
  const filter = typeFilter(query)
  const since = parseTime(single(query, 'since'), 'since')
  const until = parseTime(single(query, 'until'), 'until')
  const limitText = single(query, 'limit')
  let limit = DEFAULT_REPLAY_LIMIT
  if (limitText !== undefined) {
    const parsed = parseSeq(limitText)
    if (parsed === undefined || parsed < 1 || parsed > MAX_REPLAY_LIMIT) {
      throw bad(`limit must be an integer in [1, ${MAX_REPLAY_LIMIT}]`, 'limit', limitText)
    }
    limit = parsed
  }
  const position = {
    ...(from === undefined ? {} : { from: parsePosition(from, 'from') }),
    ...(to === undefined ? {} : { to: parsePosition(to, 'to') }),
  }
  if (typeof position.from === 'string' && since !== undefined)
    throw bad('give since or a time in from, not both', 'since', since)
  if (typeof position.to === 'string' && until !== undefined)
    throw bad('give until or a time in to, not both', 'until', until)
  return {
    ...position,
    ...(filter === undefined ? {} : { filter }),
    ...keyParameters(query),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    limit,
  }
}

/**
 * WS /ws/events query: from and to (seqs, inclusive), filter (or type), traceId, sessionId, source,
 * since and until (RFC 3339, on the event's ts), limit (1..10,000); `token` is the auth fallback.
 * With to, until or limit the tail ends once the bound is reached (decision 1626).
 */
export function parseTailQuery(query: RawQuery): TailParameters {
  rejectUnknown(query, [
    'from',
    'to',
    'filter',
    'type',
    ...KEY_NAMES,
    'since',
    'until',
    'limit',
    'token',
    'scope',
  ])
  const seqOf = (name: 'from' | 'to') => {
    const text = single(query, name)
    if (text === undefined) return undefined
    const seq = parseSeq(text)
    if (seq === undefined) throw bad(`${name} must be a seq (digits)`, name, text)
    return seq
  }
  const fromSeq = seqOf('from')
  const toSeq = seqOf('to')
  const filter = typeFilter(query)
  const since = parseTime(single(query, 'since'), 'since')
  const until = parseTime(single(query, 'until'), 'until')
  const limitText = single(query, 'limit')
  let limit: number | undefined
  if (limitText !== undefined) {
    limit = parseSeq(limitText)
    if (limit === undefined || limit < 1 || limit > MAX_REPLAY_LIMIT)
      throw bad(`limit must be an integer in [1, ${MAX_REPLAY_LIMIT}]`, 'limit', limitText)
  }
  if (fromSeq !== undefined && toSeq !== undefined && toSeq < fromSeq)
    throw bad('to must not be before from', 'to', toSeq)
  return {
    ...(fromSeq === undefined ? {} : { fromSeq }),
    ...(toSeq === undefined ? {} : { toSeq }),
    ...(filter === undefined ? {} : { filter }),
    ...keyParameters(query),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    ...(limit === undefined ? {} : { limit }),
  }
}
