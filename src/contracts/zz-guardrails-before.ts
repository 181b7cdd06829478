import * as crypto from 'node:crypto'

// crypto.hash (Node ≥ 20.12) hashes in one call, several times cheaper than createHash for short text.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash
const { createHash } = crypto

import canonicalize from 'canonicalize'
import type { Envelope } from './envelope.ts'
import { pointerJoin } from './issue-format.ts'
import { collectRedactionRules, type RedactionRule } from './redaction-rules.ts'
import { entryKey, type RegistryDocument } from './registry-types.ts'

/** Seed 003's denied keys: dropped wherever they appear in a payload or in meta. */
export const DEFAULT_DENIED_KEYS: readonly string[] = Object.freeze([
  'authorization',
  'token',
  'api_key',
  'secret',
  'prompt',
  'html',
  'snippet',
])
/** Strings longer than this (in characters) are cut in the persisted form. */
export const DEFAULT_MAX_STRING_CHARS = 4096
/** Lists longer than this are cut in the persisted form. */
export const DEFAULT_MAX_LIST_ITEMS = 256

export interface GuardrailOptions {
  deniedKeys?: readonly string[]
  maxStringChars?: number
  maxListItems?: number
}

/** What guardrails changed, as JSON pointers into the payload (or meta, prefixed /meta). */
export interface GuardrailSummary {
  dropped: string[]
  hashed: string[]
  capped: string[]
}

const NO_RULES: readonly RedactionRule[] = Object.freeze([])

export type Guardrails = (envelope: Envelope) => Envelope

/** Number of Unicode code points, so `_len` agrees with Python's len() and other languages. */
export function codePointLength(text: string): number {
  let count = text.length
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index)
    if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--
        index++
      }
    }
  }
  return count
}

export function sha256Hex(text: string): string {
  return oneShotHash === undefined
    ? createHash('sha256').update(text, 'utf8').digest('hex')
    : oneShotHash('sha256', text, 'hex')
}

function hashValue(value: unknown): { sha256: string; length: number } {
  const text = typeof value === 'string' ? value : (canonicalize(value) ?? 'null')
  return { sha256: sha256Hex(text), length: codePointLength(text) }
}

/**
 * Builds the pure function from an envelope to its persisted and broadcast form: declared
 * x-redact rules first (drop, hash to <field>_sha256 + <field>_len, cap:n), then denied keys
 * anywhere, then the general caps. The input is never mutated.
 */
export function createGuardrails(registry: RegistryDocument, options: GuardrailOptions = {}): Guardrails {
  const settings = Object.freeze({
    deniedKeys: DEFAULT_DENIED_KEYS,
    maxStringChars: DEFAULT_MAX_STRING_CHARS,
    maxListItems: DEFAULT_MAX_LIST_ITEMS,
    ...options,
  })
  const denied = new Set(settings.deniedKeys.map((key) => key.toLowerCase()))
  // type -> version -> rules; two lookups avoid building a key string per event.
  const rulesByEntry = new Map<string, Map<number, readonly RedactionRule[]>>()
  for (const entry of registry.entries) {
    const versions = rulesByEntry.get(entry.type) ?? new Map<number, readonly RedactionRule[]>()
    versions.set(entry.version, collectRedactionRules(entry.schema, entryKey(entry.type, entry.version)))
    rulesByEntry.set(entry.type, versions)
  }

  return function applyGuardrails(envelope: Envelope): Envelope {
    const summary: GuardrailSummary = { dropped: [], hashed: [], capped: [] }
    const rules = rulesByEntry.get(envelope.type)?.get(envelope.version) ?? NO_RULES
    let payload = envelope.payload as unknown
    for (const rule of rules) payload = applyRule(payload, rule.path, 0, rule, '/payload', summary)
    // Digests written by hash rules are never capped by the general string limit.
    const limits: Limits = {
      denied,
      maxStringChars: settings.maxStringChars,
      maxListItems: settings.maxListItems,
      hashed: summary.hashed,
    }
    payload = sanitize(payload, ['payload'], summary, limits)
    const meta = envelope.meta === undefined ? undefined : sanitize(envelope.meta, ['meta'], summary, limits)
    const changed = summary.dropped.length + summary.hashed.length + summary.capped.length > 0
    if (!changed) return envelope
    const persisted = { ...(payload as Record<string, unknown>), _guardrails: summary }
    return meta === undefined
      ? { ...envelope, payload: persisted }
      : { ...envelope, payload: persisted, meta: meta as Record<string, unknown> }
  }
}

// Plain assignment of a key such as `__proto__` (legal in parsed JSON) would change the prototype.
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  else target[key] = value
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function applyRule(
  value: unknown,
  path: string[],
  index: number,
  rule: RedactionRule,
  pointer: string,
  summary: GuardrailSummary,
): unknown {
  const token = path[index]!
  const last = index === path.length - 1
  if (token === '*') {
    if (!Array.isArray(value)) return value
    return value.map((item, position) =>
      last ? item : applyRule(item, path, index + 1, rule, pointerJoin(pointer, position), summary),
    )
  }
  if (!isPlainObject(value) || !Object.hasOwn(value, token)) return value
  const here = pointerJoin(pointer, token)
  if (!last) {
    return rebuild(value, token, [[token, applyRule(value[token], path, index + 1, rule, here, summary)]])
  }
  const action = rule.action
  if (action.kind === 'drop') {
    summary.dropped.push(here)
    return rebuild(value, token, [])
  }
  if (action.kind === 'hash') {
    const { sha256, length } = hashValue(value[token])
    summary.hashed.push(here)
    return rebuild(value, token, [
      [`${token}_sha256`, sha256],
      [`${token}_len`, length],
    ])
  }
  const field = value[token]
  if ((typeof field === 'string' || Array.isArray(field)) && field.length > action.limit) {
    summary.capped.push(here)
    return rebuild(value, token, [[token, field.slice(0, action.limit)]])
  }
  return value
}

// A fresh object with `key` replaced in place by `entries` (none: removed). Building anew rather than
// `delete` keeps V8's fast object shapes and the field order of the original.
function rebuild(
  record: Record<string, unknown>,
  key: string,
  entries: [string, unknown][],
): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  for (const name in record) {
    if (!Object.hasOwn(record, name)) continue
    if (name === key) for (const [newName, newValue] of entries) setOwn(result, newName, newValue)
    else setOwn(result, name, record[name])
  }
  return result
}

interface Limits {
  denied: Set<string>
  maxStringChars: number
  maxListItems: number
  /** Pointers hashed by rules: their `_sha256` digests are exempt from the string cap. */
  hashed: string[]
}

// `trail` holds the keys from the root; pointers are only built when something changes, so the
// common case (nothing to redact) allocates nothing.
function sanitize(
  value: unknown,
  trail: (string | number)[],
  summary: GuardrailSummary,
  limits: Limits,
): unknown {
  if (typeof value === 'string') {
    if (value.length <= limits.maxStringChars) return value
    const pointer = pointerJoin('', ...trail)
    if (pointer.endsWith('_sha256') && limits.hashed.includes(pointer.slice(0, -'_sha256'.length)))
      return value
    summary.capped.push(pointer)
    return value.slice(0, limits.maxStringChars)
  }
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
    if (!Object.hasOwn(record, key)) continue
    if (limits.denied.has(key.toLowerCase())) {
      result = rebuild(result ?? record, key, [])
      summary.dropped.push(pointerJoin('', ...trail, key))
      continue
    }
    const child = record[key]
    if (typeof child !== 'object' && (typeof child !== 'string' || child.length <= limits.maxStringChars))
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
