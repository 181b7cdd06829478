import * as crypto from 'node:crypto'

// crypto.hash (Node ≥ 20.12) hashes in one call, several times cheaper than createHash for short text.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash
const { createHash } = crypto

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

/** sha256 of the text's UTF-8 bytes (a lone surrogate counts as U+FFFD, as Node encodes it), hex. */
export function sha256Hex(text: string): string {
  return oneShotHash === undefined
    ? createHash('sha256').update(text, 'utf8').digest('hex')
    : oneShotHash('sha256', text, 'hex')
}

/** The text with every lone UTF-16 surrogate replaced by U+FFFD (String#toWellFormed, ES2024). */
export function toWellFormed(text: string): string {
  let result: string | undefined
  let start = 0
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index)
    if (unit < 0xd800 || unit > 0xdfff) continue
    if (unit <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        index++
        continue
      }
    }
    result = (result ?? '') + text.slice(start, index) + '\ufffd'
    start = index + 1
  }
  return result === undefined ? text : result + text.slice(start)
}
