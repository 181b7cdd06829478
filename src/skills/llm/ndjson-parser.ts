// Incremental NDJSON (one JSON value per line) parser for Ollama's streaming answers. Bytes may
// arrive split anywhere: mid-line, mid-number, inside a multi-byte UTF-8 character.
import { HubError } from '../../contracts/index.ts'

export const DEFAULT_MAX_LINE_CHARS = 1_048_576

export interface NdjsonParserOptions {
  /** A line longer than this (before its newline) fails with E_RESOURCE_LIMIT instead of growing memory. */
  maxLineChars?: number
}

const EXCERPT_CHARS = 120

export class NdjsonParser {
  private readonly decoder = new TextDecoder('utf-8')
  private readonly maxLineChars: number
  private pending = ''

  constructor(options: NdjsonParserOptions = {}) {
    this.maxLineChars = options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS
  }

  /** Feeds bytes; returns the values of every line completed by them, in order. */
  push(chunk: Uint8Array): unknown[] {
    return this.consume(this.decoder.decode(chunk, { stream: true }))
  }

  /** Ends the input; a last line without a newline is still parsed. */
  end(): unknown[] {
    const values = this.consume(this.decoder.decode())
    const rest = this.pending
    this.pending = ''
    if (rest.trim() !== '') values.push(parseLine(rest))
    return values
  }

  private consume(text: string): unknown[] {
    const values: unknown[] = []
    let buffer = this.pending + text
    let newline = buffer.indexOf('\n')
    while (newline !== -1) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + 1)
      if (line.trim() !== '') values.push(parseLine(line))
      newline = buffer.indexOf('\n')
    }
    if (buffer.length > this.maxLineChars) {
      this.pending = ''
      throw new HubError('E_RESOURCE_LIMIT', `NDJSON line longer than ${this.maxLineChars} characters`, {
        details: { reason: 'protocol', limitChars: this.maxLineChars },
      })
    }
    this.pending = buffer
    return values
  }
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line)
  } catch (error) {
    throw new HubError('E_IO', `invalid JSON line in NDJSON stream: ${excerpt(line)}`, {
      details: { reason: 'protocol', line: excerpt(line) },
      cause: error,
    })
  }
}

export function excerpt(text: string): string {
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text
}
