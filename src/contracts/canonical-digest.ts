// The sha256 and code-point length of a value's canonical JSON (RFC 8785, as the `canonicalize`
// package writes it), written as UTF-8 into one reused buffer instead of built as strings
// (decision 1775). `canonicalize` made, per hashed payload field, a string per value, a `Set`, a
// key array, a parts array and a joined string per object and array: ~60 KB of garbage per chat
// turn (its prompt and memory context are hashed). Anything the fast writer does not know to
// write byte for byte like `canonicalize` goes to the original path, so digests never differ.
import * as crypto from 'node:crypto'
import canonicalize from 'canonicalize'
import { codePointLength, sha256Hex, toWellFormed } from './digest.ts'
import { setOwn } from './guardrail-common.ts'

/** Bytes of the reused buffer a process keeps; a larger canonical text gets a buffer of its own. */
export const DEFAULT_RETAINED_BUFFER_BYTES = 64 * 1024
const INITIAL_BUFFER_BYTES = 4 * 1024
/** Deeper than this the writer hands over to `canonicalize` (which also finds cycles). */
const MAX_FAST_DEPTH = 64

const oneShotHash = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string })
  .hash

export interface CanonicalDigest {
  sha256: string
  /** Code points of the canonical text (what Python's len() gives). */
  length: number
}

/** Thrown inside the writer for what only `canonicalize` handles; never escapes this module. */
const NOT_FAST = Symbol('not-fast')

let retained = Buffer.allocUnsafe(INITIAL_BUFFER_BYTES)
let buffer = retained
let used = 0

function reserve(bytes: number): void {
  if (used + bytes <= buffer.length) return
  const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, used + bytes))
  buffer.copy(grown, 0, 0, used)
  buffer = grown
  if (grown.length <= DEFAULT_RETAINED_BUFFER_BYTES) retained = grown
}

function writeAscii(text: string): void {
  reserve(text.length)
  used += buffer.write(text, used, 'latin1')
}

const HEX = '0123456789abcdef'

/**
 * A string as JSON.stringify writes it (`"`, `\` and C0 controls escaped, the short forms where
 * JSON has them). Throws NOT_FAST on a lone surrogate: `canonicalize` refuses those, and the
 * caller's fallback replaces them first.
 */
function writeString(text: string): void {
  const length = text.length
  let clean = true
  for (let index = 0; index < length; index++) {
    const unit = text.charCodeAt(index)
    if (unit < 0x20 || unit === 0x22 || unit === 0x5c) clean = false
    else if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = text.charCodeAt(index + 1)
      if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) throw NOT_FAST
      index++
    }
  }
  if (clean) {
    reserve(length * 3 + 2)
    buffer[used++] = 0x22
    used += buffer.write(text, used, 'utf8')
    buffer[used++] = 0x22
    return
  }
  reserve(length * 6 + 2)
  buffer[used++] = 0x22
  // Encoded here unit by unit: writing the runs between escapes natively would need a substring each.
  for (let index = 0; index < length; index++) {
    const unit = text.charCodeAt(index)
    if (unit >= 0x80) {
      if (unit < 0x800) {
        buffer[used++] = 0xc0 | (unit >> 6)
        buffer[used++] = 0x80 | (unit & 0x3f)
      } else if (unit >= 0xd800 && unit <= 0xdbff) {
        // A pair (lone surrogates were refused above): one code point in four bytes.
        const point = 0x10000 + ((unit - 0xd800) << 10) + (text.charCodeAt(++index) - 0xdc00)
        buffer[used++] = 0xf0 | (point >> 18)
        buffer[used++] = 0x80 | ((point >> 12) & 0x3f)
        buffer[used++] = 0x80 | ((point >> 6) & 0x3f)
        buffer[used++] = 0x80 | (point & 0x3f)
      } else {
        buffer[used++] = 0xe0 | (unit >> 12)
        buffer[used++] = 0x80 | ((unit >> 6) & 0x3f)
        buffer[used++] = 0x80 | (unit & 0x3f)
      }
      continue
    }
    if (unit >= 0x20 && unit !== 0x22 && unit !== 0x5c) {
      buffer[used++] = unit
      continue
    }
    buffer[used++] = 0x5c
    switch (unit) {
      case 0x22:
      case 0x5c:
        buffer[used++] = unit
        break
      case 0x08:
        buffer[used++] = 0x62 // \b
        break
      case 0x09:
        buffer[used++] = 0x74 // \t
        break
      case 0x0a:
        buffer[used++] = 0x6e // \n
        break
      case 0x0c:
        buffer[used++] = 0x66 // \f
        break
      case 0x0d:
        buffer[used++] = 0x72 // \r
        break
      default:
        buffer[used++] = 0x75 // \u00XX, lower-case hex as JSON.stringify writes it
        buffer[used++] = 0x30
        buffer[used++] = 0x30
        buffer[used++] = HEX.charCodeAt(unit >> 4)
        buffer[used++] = HEX.charCodeAt(unit & 15)
    }
  }
  buffer[used++] = 0x22
}

// Own-key test answered from for…in's key cache (decision 1762).
const isOwnKey = Object.prototype.hasOwnProperty
/** Up to this many keys an object's keys are taken in order by repeated scans, allocating nothing. */
const SCANNED_KEYS_MAX = 16

/**
 * The smallest own enumerable key after `previous` in code-unit order (Array#sort's order, the
 * one `canonicalize` uses), or undefined. Object.keys and sort would make two arrays per object
 * (V8's sort copies into a work array): ~1 KB of garbage per hashed prompt.
 */
function nextKey(record: Record<string, unknown>, previous: string | undefined): string | undefined {
  let best: string | undefined
  for (const key in record) {
    if (!isOwnKey.call(record, key)) continue
    if (previous !== undefined && key <= previous) continue
    if (best === undefined || key < best) best = key
  }
  return best
}

function countKeys(record: Record<string, unknown>): number {
  let count = 0
  for (const key in record) if (isOwnKey.call(record, key)) count++
  return count
}

function writeValue(value: unknown, depth: number): void {
  if (value === null) {
    writeAscii('null')
    return
  }
  switch (typeof value) {
    case 'string':
      writeString(value)
      return
    case 'boolean':
      writeAscii(value ? 'true' : 'false')
      return
    case 'number':
      // NaN and ±Infinity make `canonicalize` throw: its path keeps that behaviour.
      if (!Number.isFinite(value)) throw NOT_FAST
      writeAscii(JSON.stringify(value))
      return
    case 'object':
      break
    default:
      throw NOT_FAST
  }
  if (depth >= MAX_FAST_DEPTH) throw NOT_FAST
  // toJSON (a Date, a Buffer, a class) is `canonicalize`'s business; it looks before anything else.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') throw NOT_FAST
  if (Array.isArray(value)) {
    reserve(1)
    buffer[used++] = 0x5b
    for (let index = 0; index < value.length; index++) {
      if (index > 0) {
        reserve(1)
        buffer[used++] = 0x2c
      }
      const item = value[index]
      // An undefined item is written as null, as `canonicalize` does.
      if (item === undefined) writeAscii('null')
      else writeValue(item, depth + 1)
    }
    reserve(1)
    buffer[used++] = 0x5d
    return
  }
  const record = value as Record<string, unknown>
  reserve(1)
  buffer[used++] = 0x7b
  let first = true
  if (countKeys(record) <= SCANNED_KEYS_MAX) {
    for (let key = nextKey(record, undefined); key !== undefined; key = nextKey(record, key)) {
      if (writeField(record, key, first, depth)) first = false
    }
  } else {
    const keys = Object.keys(record)
    keys.sort()
    for (const key of keys) if (writeField(record, key, first, depth)) first = false
  }
  reserve(1)
  buffer[used++] = 0x7d
}

/** `"key":value` (after a comma unless first); false when the field is skipped as `canonicalize` does. */
function writeField(record: Record<string, unknown>, key: string, first: boolean, depth: number): boolean {
  const field = record[key]
  if (field === undefined || typeof field === 'symbol') return false
  if (!first) {
    reserve(1)
    buffer[used++] = 0x2c
  }
  writeString(key)
  reserve(1)
  buffer[used++] = 0x3a
  writeValue(field, depth + 1)
  return true
}

function digestOfWritten(): CanonicalDigest {
  let length = 0
  // UTF-8 continuation bytes are 10xxxxxx; every other byte starts a code point.
  for (let index = 0; index < used; index++) if ((buffer[index]! & 0xc0) !== 0x80) length++
  const written = buffer.subarray(0, used)
  const sha256 =
    oneShotHash === undefined
      ? crypto.createHash('sha256').update(written).digest('hex')
      : oneShotHash('sha256', written, 'hex')
  return { sha256, length }
}

/** Writes `value` canonically and digests it; undefined when only `canonicalize` can write it. */
let writing = false

function fastDigest(value: unknown): CanonicalDigest | undefined {
  // A getter that digests while a digest is being written would share the buffer: it (or anything
  // else re-entering) takes the original path instead.
  if (writing) return undefined
  writing = true
  used = 0
  try {
    writeValue(value, 0)
    return digestOfWritten()
  } catch (cause) {
    if (cause === NOT_FAST) return undefined
    throw cause
  } finally {
    used = 0
    buffer = retained
    writing = false
  }
}

/** The canonical JSON text, by `canonicalize` (lone surrogates as U+FFFD, as before). */
export function canonicalJson(value: unknown): string {
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

/**
 * sha256 (hex) and code-point length of `canonicalJson(value)`, equal to hashing that text: a
 * string is hashed as it is (not as JSON), anything else as its canonical JSON.
 */
export function canonicalDigest(value: unknown): CanonicalDigest {
  if (typeof value === 'string') return { sha256: sha256Hex(value), length: codePointLength(value) }
  const fast = fastDigest(value)
  if (fast !== undefined) return fast
  const text = canonicalJson(value)
  return { sha256: sha256Hex(text), length: codePointLength(text) }
}
