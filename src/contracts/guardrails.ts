import { createHash } from 'node:crypto'
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
  return createHash('sha256').update(text, 'utf8').digest('hex')
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
  const rulesByEntry = new Map<string, RedactionRule[]>()
  for (const entry of registry.entries) {
    rulesByEntry.set(
      entryKey(entry.type, entry.version),
      collectRedactionRules(entry.schema, entryKey(entry.type, entry.version)),
    )
  }

  return function applyGuardrails(envelope: Envelope): Envelope {
    const summary: GuardrailSummary = { dropped: [], hashed: [], capped: [] }
    const rules = rulesByEntry.get(entryKey(envelope.type, envelope.version)) ?? []
    let payload = envelope.payload as unknown
    for (const rule of rules) payload = applyRule(payload, rule.path, 0, rule, '/payload', summary)
    // Digests written by hash rules are never capped by the general string limit.
    const limits: Limits = {
      denied,
      maxStringChars: settings.maxStringChars,
      maxListItems: settings.maxListItems,
      exempt: new Set(summary.hashed.map((pointer) => `${pointer}_sha256`)),
    }
    payload = sanitize(payload, '/payload', summary, limits)
    const meta = envelope.meta === undefined ? undefined : sanitize(envelope.meta, '/meta', summary, limits)
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
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
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
  const copy = { ...value }
  if (!last) {
    setOwn(copy, token, applyRule(value[token], path, index + 1, rule, here, summary))
    return copy
  }
  const action = rule.action
  if (action.kind === 'drop') {
    delete copy[token]
    summary.dropped.push(here)
  } else if (action.kind === 'hash') {
    const { sha256, length } = hashValue(value[token])
    delete copy[token]
    copy[`${token}_sha256`] = sha256
    copy[`${token}_len`] = length
    summary.hashed.push(here)
  } else {
    const field = value[token]
    if (typeof field === 'string' && field.length > action.limit) {
      copy[token] = field.slice(0, action.limit)
      summary.capped.push(here)
    } else if (Array.isArray(field) && field.length > action.limit) {
      copy[token] = field.slice(0, action.limit)
      summary.capped.push(here)
    }
  }
  return copy
}

interface Limits {
  denied: Set<string>
  maxStringChars: number
  maxListItems: number
  exempt: Set<string>
}

function sanitize(value: unknown, pointer: string, summary: GuardrailSummary, limits: Limits): unknown {
  const { denied, maxStringChars, maxListItems } = limits
  if (typeof value === 'string') {
    if (value.length <= maxStringChars || limits.exempt.has(pointer)) return value
    summary.capped.push(pointer)
    return value.slice(0, maxStringChars)
  }
  if (Array.isArray(value)) {
    let items = value
    if (items.length > maxListItems) {
      summary.capped.push(pointer)
      items = items.slice(0, maxListItems)
    }
    let changed = items !== value
    const result = items.map((item, position) => {
      const next = sanitize(item, pointerJoin(pointer, position), summary, limits)
      if (next !== item) changed = true
      return next
    })
    return changed ? result : value
  }
  if (!isPlainObject(value)) return value
  let result: Record<string, unknown> | undefined
  for (const key of Object.keys(value)) {
    const here = pointerJoin(pointer, key)
    if (denied.has(key.toLowerCase())) {
      result ??= { ...value }
      delete result[key]
      summary.dropped.push(here)
      continue
    }
    const next = sanitize(value[key], here, summary, limits)
    if (next !== value[key]) {
      result ??= { ...value }
      setOwn(result, key, next)
    }
  }
  return result ?? value
}
