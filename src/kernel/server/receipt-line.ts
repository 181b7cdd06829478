import type { Result } from '../../contracts/index.ts'
import type { PublishReceipt } from './server-types.ts'

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype
}

/**
 * Whether `value`'s enumerable keys are exactly `first, second[, third]` in that order. A `for…in`
 * over a plain object walks V8's key cache and allocates nothing; `Object.keys` made two arrays per
 * receipt, ~130 of its ~560 bytes (decision 2088). A key inherited from Object.prototype (should
 * anyone add an enumerable one) shows up here and only sends the result the generic way.
 */
function hasKeys(value: object, first: string, second: string, third?: string): boolean {
  let count = 0
  for (const key in value) {
    if (count === 0 ? key !== first : count === 1 ? key !== second : count !== 2 || key !== third)
      return false
    count++
  }
  return count === (third === undefined ? 2 : 3)
}

/**
 * Text that JSON.stringify writes between its quotes unchanged: printable ASCII without the quote
 * and the backslash. The ids the bus makes always are; any other id goes through JSON.stringify.
 */
const VERBATIM = /^[ !#-[\]-~]*$/

/**
 * The text of a stored event's receipt, `{"ok":true,"data":{"id":…,"seq":…[,"sessionSeq":…]}}`,
 * when `result` is exactly that (plain objects, those keys in that order, a string id and safe
 * integers); else undefined.
 */
function storedReceiptText(result: unknown): string | undefined {
  if (!isPlainObject(result) || result.ok !== true) return undefined
  const data = result.data
  if (!isPlainObject(data)) return undefined
  const { id, seq, sessionSeq } = data
  if (typeof id !== 'string' || !Number.isSafeInteger(seq) || !hasKeys(result, 'ok', 'data')) return undefined
  const ordered =
    sessionSeq === undefined
      ? hasKeys(data, 'id', 'seq')
      : Number.isSafeInteger(sessionSeq) && hasKeys(data, 'id', 'seq', 'sessionSeq')
  if (!ordered) return undefined
  // An id written as it is saves JSON.stringify's copy of it, most of what a receipt cost.
  if (!VERBATIM.test(id))
    return storedReceiptTextOf(JSON.stringify(id), seq as number, sessionSeq as number | undefined)
  return sessionSeq === undefined
    ? `{"ok":true,"data":{"id":"${id}","seq":${seq}}}\n`
    : `{"ok":true,"data":{"id":"${id}","seq":${seq},"sessionSeq":${sessionSeq}}}\n`
}

function storedReceiptTextOf(quotedId: string, seq: number, sessionSeq: number | undefined): string {
  return sessionSeq === undefined
    ? `{"ok":true,"data":{"id":${quotedId},"seq":${seq}}}\n`
    : `{"ok":true,"data":{"id":${quotedId},"seq":${seq},"sessionSeq":${sessionSeq}}}\n`
}

/**
 * One result line of POST /events NDJSON: exactly `JSON.stringify(result)` and a newline. The
 * common case, a stored event's receipt, is written from its fields after its keys were checked
 * (decisions 1791, 2088). Anything else (failures, duplicates, any other shape) goes through
 * JSON.stringify.
 */
export function receiptLine(result: Result<PublishReceipt>): string {
  return storedReceiptText(result) ?? `${JSON.stringify(result)}\n`
}

/** The result lines of one published batch as one text, in order (a chunk of the answer). */
export function receiptsText(results: readonly Result<PublishReceipt>[]): string {
  let text = ''
  for (let index = 0; index < results.length; index++) text += receiptLine(results[index]!)
  return text
}
