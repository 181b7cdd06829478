// Denied and secret-named keys, secret values and the general caps, anywhere in payload and
// meta; split from guardrails.ts by concern.
import { FULL_SCAN, type GuardrailSummary, ID_SCAN, isOwnKey, rebuild, setOwn } from './guardrail-common.ts'
import { pointerJoin } from './issue-format.ts'
import { mayHoldSecret, scrubSecrets } from './secret-detectors.ts'
import { isRandomByNatureKey, keyNameMatches } from './secret-key-names.ts'

/** Denied names (matched whole) and secret names (matched as a suffix), bucketed by last character. */
export type KeyNameIndex = ({ name: string; exact: boolean }[] | undefined)[]

export function indexKeyNames(denied: string[], secret: string[]): KeyNameIndex {
  const index: KeyNameIndex = []
  const add = (name: string, exact: boolean) => {
    const last = name.charCodeAt(name.length - 1)
    const bucket = index[last] ?? []
    bucket.push({ name, exact })
    index[last] = bucket
  }
  for (const name of denied) add(name, true)
  for (const name of secret) add(name, false)
  return index
}

function isDeniedKey(key: string, index: KeyNameIndex): boolean {
  let position = key.length - 1
  let code = 0
  for (; position >= 0; position--) {
    code = key.charCodeAt(position)
    if (code >= 65 && code <= 90) code += 32
    if ((code >= 48 && code <= 57) || (code >= 97 && code <= 122)) break
  }
  if (position < 0) return false
  const bucket = index[code]
  if (bucket === undefined) return false
  for (const { name, exact } of bucket) if (keyNameMatches(key, name, exact)) return true
  return false
}

/** Key names whose verdict (denied or not) is remembered; past it the memory starts over. */
export const DEFAULT_REMEMBERED_KEY_NAMES = 4096

/**
 * Whether `key` is denied, remembered by key: payloads of one type repeat the same keys, and the
 * match against every name of its bucket cost more than a map read (decision 1763). The verdict
 * depends on the key alone; the memory is bounded, so foreign keys cannot grow it without limit.
 */
function isDeniedKeyRemembered(key: string, limits: Limits): boolean {
  const remembered = limits.keyVerdicts.get(key)
  if (remembered !== undefined) return remembered
  const denied = isDeniedKey(key, limits.keyNames)
  if (limits.keyVerdicts.size >= DEFAULT_REMEMBERED_KEY_NAMES) limits.keyVerdicts.clear()
  limits.keyVerdicts.set(key, denied)
  return denied
}

export interface Limits {
  keyNames: KeyNameIndex
  /** Verdicts of isDeniedKey by key (see isDeniedKeyRemembered). */
  keyVerdicts: Map<string, boolean>
  /** Digests written by hash rules: hex, never a secret, so not scanned. */
  digests: string[]
  maxStringChars: number
  maxListItems: number
  /** Pointers hashed by rules: their `_sha256` digests are exempt from the string cap. */
  hashed: string[]
}

/** Key names shorter than this cannot hold a secret shape worth looking for. */
const MIN_SECRET_KEY_CHARS = 16

// The nearest key above a value (array positions skipped), to tell ids and digests from secrets.
function nearestKey(trail: (string | number)[]): string {
  for (let index = trail.length - 1; index >= 0; index--) {
    const token = trail[index]
    if (typeof token === 'string') return token
  }
  return ''
}

function sanitizeString(
  value: string,
  trail: (string | number)[],
  summary: GuardrailSummary,
  limits: Limits,
): string {
  let text = value
  if (mayHoldSecret(text)) {
    const scrubbed = scrubSecrets(text, isRandomByNatureKey(nearestKey(trail)) ? ID_SCAN : FULL_SCAN)
    if (scrubbed.findings.length > 0) {
      const pointer = pointerJoin('', ...trail)
      for (const _finding of scrubbed.findings) summary.replaced.push(pointer)
      text = scrubbed.text
    }
  }
  if (text.length <= limits.maxStringChars) return text
  const pointer = pointerJoin('', ...trail)
  if (pointer.endsWith('_sha256') && limits.hashed.includes(pointer.slice(0, -'_sha256'.length))) return text
  summary.capped.push(pointer)
  return text.slice(0, limits.maxStringChars)
}

// `trail` holds the keys from the root; pointers are only built when something changes, so the
// common case (nothing to redact) allocates nothing.
export function sanitize(
  value: unknown,
  trail: (string | number)[],
  summary: GuardrailSummary,
  limits: Limits,
): unknown {
  if (typeof value === 'string') return sanitizeString(value, trail, summary, limits)
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    let items = value
    if (items.length > limits.maxListItems) {
      summary.capped.push(pointerJoin('', ...trail))
      items = items.slice(0, limits.maxListItems)
    }
    let result: unknown[] | undefined = items === value ? undefined : items
    for (let position = 0; position < items.length; position++) {
      const item = items[position]
      trail.push(position)
      const next = sanitize(item, trail, summary, limits)
      trail.pop()
      if (next !== item) {
        result ??= [...items]
        result[position] = next
      }
    }
    return result ?? value
  }
  let result: Record<string, unknown> | undefined
  const record = value as Record<string, unknown>
  for (const key in record) {
    if (!isOwnKey.call(record, key)) continue
    if (isDeniedKeyRemembered(key, limits)) {
      result = rebuild(result ?? record, key, [])
      summary.dropped.push(pointerJoin('', ...trail, key))
      continue
    }
    if (key.length >= MIN_SECRET_KEY_CHARS && mayHoldSecret(key)) {
      // A secret used as a key: the entry goes, and its pointer names the marker, not the key.
      const scrubbed = scrubSecrets(key)
      if (scrubbed.findings.length > 0) {
        result = rebuild(result ?? record, key, [])
        const pointer = pointerJoin('', ...trail, scrubbed.text)
        for (const _finding of scrubbed.findings) summary.replaced.push(pointer)
        continue
      }
    }
    const child = record[key]
    if (typeof child === 'string' && limits.digests.length > 0 && limits.digests.includes(child)) continue
    if (
      typeof child !== 'object' &&
      (typeof child !== 'string' || (child.length <= limits.maxStringChars && !mayHoldSecret(child)))
    )
      continue
    trail.push(key)
    const next = sanitize(child, trail, summary, limits)
    trail.pop()
    if (next !== child) {
      result ??= { ...record }
      setOwn(result, key, next)
    }
  }
  return result ?? value
}
