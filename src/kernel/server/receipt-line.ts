import type { Result } from '../../contracts/index.ts'
import type { PublishReceipt } from './server-types.ts'

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype
}

/**
 * The text of a stored event's receipt, `{"ok":true,"data":{"id":…,"seq":…[,"sessionSeq":…]}}`,
 * when `result` is exactly that (plain objects, those keys in that order, a string id and safe
 * integers); else undefined.
 */
function storedReceiptText(result: unknown): string | undefined {
  if (!isPlainObject(result)) return undefined
  const outer = Object.keys(result)
  if (outer.length !== 2 || outer[0] !== 'ok' || outer[1] !== 'data' || result.ok !== true) return undefined
  const data = result.data
  if (!isPlainObject(data)) return undefined
  const keys = Object.keys(data)
  const { id, seq, sessionSeq } = data
  if (keys[0] !== 'id' || keys[1] !== 'seq' || typeof id !== 'string' || !Number.isSafeInteger(seq))
    return undefined
  if (keys.length === 2) return `{"ok":true,"data":{"id":${JSON.stringify(id)},"seq":${seq}}}\n`
  if (keys.length === 3 && keys[2] === 'sessionSeq' && Number.isSafeInteger(sessionSeq))
    return `{"ok":true,"data":{"id":${JSON.stringify(id)},"seq":${seq},"sessionSeq":${sessionSeq}}}\n`
  return undefined
}

/**
 * One result line of POST /events NDJSON: exactly `JSON.stringify(result)` and a newline. The
 * common case, a stored event's receipt, is written from its fields after its keys were checked:
 * 0.2 µs instead of 0.45–0.55 per event (decision 1791). Anything else (failures, duplicates, any
 * other shape) goes through JSON.stringify.
 */
export function receiptLine(result: Result<PublishReceipt>): string {
  return storedReceiptText(result) ?? `${JSON.stringify(result)}\n`
}
