import { createHash } from 'node:crypto'

/**
 * Canonical JSON (docs/frame-protocol.md start-up step 2): object keys sorted by UTF-16 code unit at
 * every depth, no whitespace, numbers and strings as JSON.stringify writes them. Python's
 * `json.dumps(sort_keys=True)` does NOT agree (it writes 1.0 where JSON.stringify writes 1 and sorts
 * keys by code point, not UTF-16 code unit); Python uses `localhub_skill.canonical_json`.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value)
    // undefined, functions and symbols have no JSON form; a manifest must not carry them.
    if (text === undefined) throw new TypeError(`canonical JSON has no form for ${typeof value}`)
    return text
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`
  const record = value as Record<string, unknown>
  // Default sort compares UTF-16 code units, which is what the contract names.
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

function toolIdOf(entry: unknown): string {
  const id = (entry as { tool_id?: unknown } | null)?.tool_id
  return typeof id === 'string' ? id : ''
}

/**
 * `manifest_hash` of an adapter_manifest_sync: sha256 hex of the canonical JSON of its entries
 * sorted by `tool_id` (seed 002 invariant I3; UTF-16 code unit order, stable for equal ids), so the
 * hash does not depend on the order the entries are sent in (decision 1830).
 */
export function manifestHash(entries: readonly unknown[]): string {
  const sorted = [...entries].sort((a, b) => {
    const left = toolIdOf(a)
    const right = toolIdOf(b)
    return left < right ? -1 : left > right ? 1 : 0
  })
  return sha256Hex(canonicalJson(sorted))
}
