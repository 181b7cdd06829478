import { HubError } from '../../contracts/index.ts'
import { DEFAULT_REPLAY_LIMIT, MAX_REPLAY_LIMIT } from './server-options.ts'

const MAX_PATTERN_CHARS = 500
const RFC3339_PATTERN = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/

export interface ReplayParameters {
  from?: number | string
  to?: number | string
  filter?: string
  limit: number
}

export interface TailParameters {
  fromSeq?: number
  filter?: string
}

type RawQuery = Readonly<Record<string, unknown>>

function bad(message: string, parameter: string, got: unknown): HubError {
  return new HubError('E_BAD_REQUEST', message, { details: { parameter, got: String(got).slice(0, 80) } })
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
  if (RFC3339_PATTERN.test(value) && Number.isFinite(Date.parse(value))) return value
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

/** GET /events query: from, to (seq or time), filter, limit (1..10,000). */
export function parseReplayQuery(query: RawQuery): ReplayParameters {
  rejectUnknown(query, ['from', 'to', 'filter', 'limit'])
  const from = single(query, 'from')
  const to = single(query, 'to')
  const filter = single(query, 'filter')
  const limitText = single(query, 'limit')
  let limit = DEFAULT_REPLAY_LIMIT
  if (limitText !== undefined) {
    const parsed = parseSeq(limitText)
    if (parsed === undefined || parsed < 1 || parsed > MAX_REPLAY_LIMIT) {
      throw bad(`limit must be an integer in [1, ${MAX_REPLAY_LIMIT}]`, 'limit', limitText)
    }
    limit = parsed
  }
  return {
    ...(from === undefined ? {} : { from: parsePosition(from, 'from') }),
    ...(to === undefined ? {} : { to: parsePosition(to, 'to') }),
    ...(filter === undefined ? {} : { filter: checkPattern(filter) }),
    limit,
  }
}

/** WS /ws/events query: from (first seq wanted, inclusive), filter; `token` is the auth fallback. */
export function parseTailQuery(query: RawQuery): TailParameters {
  rejectUnknown(query, ['from', 'filter', 'token'])
  const from = single(query, 'from')
  const filter = single(query, 'filter')
  let fromSeq: number | undefined
  if (from !== undefined) {
    fromSeq = parseSeq(from)
    if (fromSeq === undefined) throw bad('from must be a seq (digits)', 'from', from)
  }
  return {
    ...(fromSeq === undefined ? {} : { fromSeq }),
    ...(filter === undefined ? {} : { filter: checkPattern(filter) }),
  }
}
