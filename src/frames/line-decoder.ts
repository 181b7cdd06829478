import { renderValue } from '../contracts/index.ts'
import type { FrameCheck, FrameValidator } from './frame-validator.ts'

const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d

/**
 * Turns a byte stream into checked frames: lines split across reads are joined, many lines in one
 * read are split, a line over the limit is dropped up to its newline (reported once, the stream goes
 * on), bad UTF-8 or JSON is reported as data. Holds at most maxFrameBytes of a partial line.
 */
export class LineDecoder {
  readonly #validator: FrameValidator
  readonly #maxFrameBytes: number
  readonly #utf8 = new TextDecoder('utf-8', { fatal: true })
  #pending: Buffer[] = []
  #pendingBytes = 0
  /** Bytes of an oversized line dropped so far; undefined while not discarding. */
  #discarded: number | undefined

  constructor(validator: FrameValidator, maxFrameBytes: number) {
    this.#validator = validator
    this.#maxFrameBytes = maxFrameBytes
  }

  /** Feeds one read; returns the checks of the lines it completed, in order. */
  push(chunk: Buffer | string): FrameCheck[] {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    const results: FrameCheck[] = []
    let start = 0
    while (start < bytes.length) {
      const newline = bytes.indexOf(NEWLINE, start)
      const end = newline === -1 ? bytes.length : newline
      const piece = bytes.subarray(start, end)
      if (this.#discarded !== undefined) {
        this.#discarded += piece.length
      } else if (this.#pendingBytes + piece.length > this.#maxFrameBytes + 1) {
        // +1 leaves room for a "\r" before the newline.
        this.#discarded = this.#pendingBytes + piece.length
        this.#pending = []
        this.#pendingBytes = 0
      } else if (piece.length > 0) {
        this.#pending.push(piece)
        this.#pendingBytes += piece.length
      }
      if (newline === -1) break
      results.push(...this.#finishLine())
      start = newline + 1
    }
    return results
  }

  /** Bytes of a line begun and not finished (a peer that closes mid-line left these). */
  get pendingBytes(): number {
    return this.#pendingBytes
  }

  #finishLine(): FrameCheck[] {
    if (this.#discarded !== undefined) {
      const size = this.#discarded
      this.#discarded = undefined
      return [this.#tooLarge(size)]
    }
    let line = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending)
    this.#pending = []
    this.#pendingBytes = 0
    if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) line = line.subarray(0, -1)
    if (line.length > this.#maxFrameBytes) return [this.#tooLarge(line.length)]
    let text: string
    try {
      text = this.#utf8.decode(line)
    } catch {
      return [invalid('', 'UTF-8 text', `${line.length} bytes that are not UTF-8`, 'the line is not UTF-8')]
    }
    if (text.trim() === '') return []
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      return [invalid('', 'one JSON object', renderValue(text), `not JSON: ${(error as Error).message}`)]
    }
    return [this.#validator.check(value)]
  }

  #tooLarge(size: number): FrameCheck {
    return {
      ok: false,
      issue: {
        code: 'frame_too_large',
        message: `a line of ${size} bytes is over the limit of ${this.#maxFrameBytes}; it was dropped`,
        path: '',
        expected: `at most ${this.#maxFrameBytes} bytes`,
        got: `${size} bytes`,
      },
    }
  }
}

function invalid(path: string, expected: string, got: string, message: string): FrameCheck {
  return { ok: false, issue: { code: 'invalid_frame', message, path, expected, got } }
}
