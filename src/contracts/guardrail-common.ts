// Same answer as Object.hasOwn; inside for…in V8 checks it against the loop's key cache instead
// of calling out per key (decision 1762). Shared with guardrail-sanitize.ts.
export const isOwnKey = Object.prototype.hasOwnProperty
/**
 * What guardrails changed, as JSON pointers from the envelope root (`/payload/…`, `/meta/…`,
 * `/traceId`). `replaced` has one pointer per secret replaced by a marker inside a value (a
 * string holding two secrets is listed twice); the name is not a secret key name, so guarding a
 * persisted form again keeps the summary.
 */
export interface GuardrailSummary {
  dropped: string[]
  hashed: string[]
  capped: string[]
  replaced: string[]
}

/** Scan options: the generic high-entropy detector is off where values are random by nature. */
export const ID_SCAN = Object.freeze({ highEntropy: false })
export const FULL_SCAN = Object.freeze({ highEntropy: true })

// Plain assignment of a key such as `__proto__` (legal in parsed JSON) would change the prototype.
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  else target[key] = value
}

// A fresh object with `key` replaced in place by `entries` (none: removed). Building anew rather than
// `delete` keeps V8's fast object shapes and the field order of the original.
export function rebuild(
  record: Record<string, unknown>,
  key: string,
  entries: [string, unknown][],
): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  for (const name in record) {
    if (!isOwnKey.call(record, name)) continue
    if (name === key) for (const [newName, newValue] of entries) setOwn(result, newName, newValue)
    else setOwn(result, name, record[name])
  }
  return result
}
