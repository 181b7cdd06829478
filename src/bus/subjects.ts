import { HubError } from '../contracts/index.ts'

/** The hub id used in subjects when none is configured (DESIGN.md section 3). */
export const DEFAULT_HUB_ID = 'local'

/** `hub.<hubId>`: the prefix of every subject this hub publishes. */
export function hubSubjectPrefix(hubId: string = DEFAULT_HUB_ID): string {
  if (!/^[A-Za-z0-9_-]+$/.test(hubId)) {
    throw new HubError(
      'E_BAD_REQUEST',
      `hub id must be letters, digits, _ or -, got ${JSON.stringify(hubId)}`,
    )
  }
  return `hub.${hubId}`
}

/** An event's subject: `<prefix>.<type>`. */
export function subjectOf(prefix: string, type: string): string {
  return `${prefix}.${type}`
}

export type TypeMatcher = (type: string) => boolean

const MAX_PATTERN_CHARS = 500

/**
 * Checks a type pattern with NATS wildcard rules: tokens split by '.', none empty, `*` is exactly
 * one token, `>` one or more tokens and only last; wildcards are whole tokens.
 */
export function validatePattern(pattern: unknown): string {
  if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > MAX_PATTERN_CHARS) {
    throw new HubError(
      'E_BAD_REQUEST',
      `a subject pattern must be a non-empty string of at most ${MAX_PATTERN_CHARS} characters`,
    )
  }
  const tokens = pattern.split('.')
  tokens.forEach((token, index) => {
    const problem =
      token.length === 0
        ? 'has an empty token'
        : token === '>' && index !== tokens.length - 1
          ? "uses '>' before the last token"
          : token !== '*' && token !== '>' && /[*>\s]/.test(token)
            ? 'mixes a wildcard or space into a token'
            : undefined
    if (problem !== undefined)
      throw new HubError('E_BAD_REQUEST', `subject pattern ${JSON.stringify(pattern)} ${problem}`)
  })
  return pattern
}

function matchTokens(pattern: string[], subject: string[]): boolean {
  for (let index = 0; index < pattern.length; index++) {
    const token = pattern[index]!
    if (token === '>') return subject.length > index
    if (index >= subject.length) return false
    if (token !== '*' && token !== subject[index]) return false
  }
  return pattern.length === subject.length
}

/** Whether `subject` matches `pattern` under NATS rules (both as dotted strings). */
export function subjectMatches(pattern: string, subject: string): boolean {
  return matchTokens(pattern.split('.'), subject.split('.'))
}

/** A cached matcher for one type pattern (types form a small, closed set, so the cache stays small). */
export function compileTypePattern(pattern: string): TypeMatcher {
  validatePattern(pattern)
  if (pattern === '>') return () => true
  if (!pattern.includes('*') && !pattern.includes('>')) return (type) => type === pattern
  const tokens = pattern.split('.')
  const cache = new Map<string, boolean>()
  return (type) => {
    let hit = cache.get(type)
    if (hit === undefined) {
      hit = matchTokens(tokens, type.split('.'))
      if (cache.size < 10_000) cache.set(type, hit)
    }
    return hit
  }
}
