// JSON may carry UTF-16 surrogates that pair with nothing ("x\ud800y"). They are no Unicode text:
// they cannot be encoded as UTF-8, canonical JSON refuses them, and SQLite would store U+FFFD.
// Requests are checked for them at the boundary, so a client gets E_VALIDATION with the place
// instead of a failure deep inside (decision 1342).
import { HubError, type ValidationIssue } from './hub-error.ts'
import { pointerJoin } from './issue-format.ts'

const LONE_SURROGATE = /\p{Surrogate}/u

/** True when text holds a high surrogate without its low half or a low one without its high half. */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text)
}

/** A pointer token people can read and JSON can encode (the bad units shown as U+FFFD). */
function readable(token: string): string {
  return token.replace(/\p{Surrogate}/gu, '\uFFFD')
}

/**
 * The JSON pointer (RFC 6901) of a string in value, or an object key, holding a lone surrogate;
 * undefined when there is none. Walks with an explicit stack, so deep nesting cannot overflow.
 * A bad key is reported as the pointer to that member.
 */
export function findLoneSurrogate(value: unknown): string | undefined {
  const pending: Array<[unknown, string]> = [[value, '']]
  while (pending.length > 0) {
    const [current, pointer] = pending.pop()!
    if (typeof current === 'string') {
      if (hasLoneSurrogate(current)) return pointer
      continue
    }
    if (current === null || typeof current !== 'object') continue
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--)
        pending.push([current[index], pointerJoin(pointer, index)])
      continue
    }
    const keys = Object.keys(current)
    for (let index = keys.length - 1; index >= 0; index--) {
      const key = keys[index]!
      if (hasLoneSurrogate(key)) return pointerJoin(pointer, readable(key))
      pending.push([(current as Record<string, unknown>)[key], pointerJoin(pointer, key)])
    }
  }
  return undefined
}

/** Throws E_VALIDATION naming where value holds a lone surrogate (what: "the body", "params"). */
export function assertNoLoneSurrogate(value: unknown, what: string, base = ''): void {
  const found = findLoneSurrogate(value)
  if (found === undefined) return
  const path = base + found
  const issue: ValidationIssue = {
    path,
    expected: 'well-formed Unicode text',
    got: 'a string with an unpaired UTF-16 surrogate',
    message: `${what} holds an unpaired UTF-16 surrogate at ${path || '/'}`,
  }
  throw new HubError('E_VALIDATION', issue.message, { details: { issues: [issue] } })
}
