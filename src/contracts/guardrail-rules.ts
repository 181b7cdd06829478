// Declared x-redact rules (drop, hash, cap:n) at their paths; split from guardrails.ts by concern.
import canonicalize from 'canonicalize'
import { codePointLength, sha256Hex, toWellFormed } from './digest.ts'
import { type GuardrailSummary, rebuild, setOwn } from './guardrail-common.ts'
import { pointerJoin } from './issue-format.ts'
import type { RedactionRule } from './redaction-rules.ts'
import { mayHoldSecret, scrubSecrets } from './secret-detectors.ts'

// canonicalize refuses lone UTF-16 surrogates ("x\ud800y"); guardrails must never throw on a
// validated envelope, so such values are hashed with U+FFFD in their place.
function canonicalJson(value: unknown): string {
  try {
    return canonicalize(value) ?? 'null'
  } catch {
    return canonicalize(wellFormedDeep(value)) ?? 'null'
  }
}

function wellFormedDeep(value: unknown): unknown {
  if (typeof value === 'string') return toWellFormed(value)
  if (Array.isArray(value)) return value.map(wellFormedDeep)
  if (value === null || typeof value !== 'object') return value
  const result: Record<string, unknown> = {}
  for (const key in value as Record<string, unknown>) {
    if (Object.hasOwn(value, key))
      setOwn(result, toWellFormed(key), wellFormedDeep((value as Record<string, unknown>)[key]))
  }
  return result
}

function hashValue(value: unknown): { sha256: string; length: number } {
  const text = typeof value === 'string' ? value : canonicalJson(value)
  return { sha256: sha256Hex(text), length: codePointLength(text) }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

export function applyRule(
  value: unknown,
  path: string[],
  index: number,
  rule: RedactionRule,
  pointer: string,
  summary: GuardrailSummary,
  digests: string[],
): unknown {
  const token = path[index]!
  const last = index === path.length - 1
  if (token === '*') {
    if (!Array.isArray(value)) return value
    return value.map((item, position) =>
      last ? item : applyRule(item, path, index + 1, rule, pointerJoin(pointer, position), summary, digests),
    )
  }
  if (!isPlainObject(value) || !Object.hasOwn(value, token)) return value
  const here = pointerJoin(pointer, token)
  if (!last) {
    return rebuild(value, token, [
      [token, applyRule(value[token], path, index + 1, rule, here, summary, digests)],
    ])
  }
  const action = rule.action
  if (action.kind === 'drop') {
    summary.dropped.push(here)
    return rebuild(value, token, [])
  }
  if (action.kind === 'hash') {
    const { sha256, length } = hashValue(value[token])
    summary.hashed.push(here)
    digests.push(sha256)
    return rebuild(value, token, [
      [`${token}_sha256`, sha256],
      [`${token}_len`, length],
    ])
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
    return rebuild(value, token, [[token, field.slice(0, action.limit)]])
  }
  return value
}
