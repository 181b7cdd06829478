// Declared x-redact rules (drop, hash, cap:n) at their paths; split from guardrails.ts by concern.
import { canonicalDigest } from './canonical-digest.ts'
import { type GuardrailSummary, isOwnKey, rebuild, setOwn } from './guardrail-common.ts'
import { pointerJoin } from './issue-format.ts'
import type { RedactionRule } from './redaction-rules.ts'
import { mayHoldSecret, scrubSecrets } from './secret-detectors.ts'

/**
 * A rule with what applying it would otherwise rebuild per event (decision 1775): the JSON
 * pointer under /payload at each depth of its path (undefined below a '*', where the array
 * position is part of it) and the names a hash rule writes.
 */
export interface PreparedRule extends RedactionRule {
  readonly pointers: readonly (string | undefined)[]
  readonly digestName: string
  readonly lengthName: string
}

export const PAYLOAD_POINTER = '/payload'

export function prepareRule(rule: RedactionRule): PreparedRule {
  const pointers: (string | undefined)[] = []
  let pointer: string | undefined = PAYLOAD_POINTER
  for (const token of rule.path) {
    pointer = token === '*' || pointer === undefined ? undefined : pointerJoin(pointer, token)
    pointers.push(pointer)
  }
  const field = rule.path[rule.path.length - 1] ?? ''
  return { ...rule, pointers, digestName: `${field}_sha256`, lengthName: `${field}_len` }
}

// `record` with `key`'s value replaced, in the field order of the original (rebuild() without
// its entry tuple).
function withValue(record: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  for (const name in record) {
    if (isOwnKey.call(record, name)) setOwn(result, name, name === key ? value : record[name])
  }
  return result
}

const NO_ENTRIES: [string, unknown][] = []

// `record` with `key` replaced in place by the digest and the length, in the field order of the
// original (rebuild() without its entry tuples).
function withDigest(
  record: Record<string, unknown>,
  key: string,
  rule: PreparedRule,
  sha256: string,
  length: number,
): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  for (const name in record) {
    if (!isOwnKey.call(record, name)) continue
    if (name === key) {
      setOwn(result, rule.digestName, sha256)
      setOwn(result, rule.lengthName, length)
    } else setOwn(result, name, record[name])
  }
  return result
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

export function applyRule(
  value: unknown,
  path: string[],
  index: number,
  rule: PreparedRule,
  pointer: string,
  summary: GuardrailSummary,
  digests: string[],
): unknown {
  const token = path[index]!
  const last = index === path.length - 1
  if (token === '*') {
    // A list is copied only when the rule changed an item: where it applies to none (the field
    // absent from every item, the common case) the list and its items are answered as they are.
    if (!Array.isArray(value) || last) return value
    const nextToken = path[index + 1]!
    let result: unknown[] | undefined
    for (let position = 0; position < value.length; position++) {
      const item = value[position]
      // An item the rule cannot reach is skipped before its pointer is built (a string per item).
      if (nextToken === '*' ? !Array.isArray(item) : !isPlainObject(item) || !Object.hasOwn(item, nextToken))
        continue
      const next = applyRule(item, path, index + 1, rule, pointerJoin(pointer, position), summary, digests)
      if (next !== item) {
        result ??= value.slice()
        result[position] = next
      }
    }
    return result ?? value
  }
  if (!isPlainObject(value) || !Object.hasOwn(value, token)) return value
  const here = rule.pointers[index] ?? pointerJoin(pointer, token)
  if (!last) {
    const child = value[token]
    const next = applyRule(child, path, index + 1, rule, here, summary, digests)
    return next === child ? value : withValue(value, token, next)
  }
  const action = rule.action
  if (action.kind === 'drop') {
    summary.dropped.push(here)
    return rebuild(value, token, NO_ENTRIES)
  }
  if (action.kind === 'hash') {
    const { sha256, length } = canonicalDigest(value[token])
    summary.hashed.push(here)
    digests.push(sha256)
    return withDigest(value, token, rule, sha256, length)
  }
  let field = value[token] as string | unknown[]
  if ((typeof field === 'string' || Array.isArray(field)) && field.length > action.limit) {
    // Secrets are replaced before the cut, which could otherwise leave half a key behind.
    if (typeof field === 'string' && mayHoldSecret(field)) {
      const scrubbed = scrubSecrets(field)
      for (const _finding of scrubbed.findings) summary.replaced.push(here)
      field = scrubbed.text
    }
    summary.capped.push(here)
    return withValue(value, token, field.slice(0, action.limit))
  }
  return value
}
