import { DEFAULT_CHUNK_OVERLAP_CHARS, DEFAULT_CHUNK_SIZE_CHARS } from './rag-options.ts'

export interface TextChunk {
  text: string
  /** Offsets into the original text (UTF-16 code units): text === original.slice(start, end). */
  start: number
  end: number
  /** 1-based, inclusive. */
  startLine: number
  endLine: number
}

export interface ChunkOptions {
  sizeChars?: number
  overlapChars?: number
}

// A break is looked for only in the last half of a window, so chunks never get much smaller than
// half the configured size just because a paragraph ended early.
const MINIMUM_FILL = 0.5
const SENTENCE_END = /[.!?;:][)"'\]]*\s/g

function lineStarts(text: string): number[] {
  const starts = [0]
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1)
  return starts
}

function lineOf(starts: number[], offset: number): number {
  let low = 0
  let high = starts.length - 1
  while (low < high) {
    const middle = (low + high + 1) >> 1
    if (starts[middle]! <= offset) low = middle
    else high = middle - 1
  }
  return low + 1
}

/** Never split a surrogate pair (an emoji cut in half becomes U+FFFD in SQLite). */
function notInsidePair(text: string, offset: number): number {
  const code = text.charCodeAt(offset)
  return code >= 0xdc00 && code <= 0xdfff && offset > 0 ? offset - 1 : offset
}

/** Where to end a window [from, limit): after a paragraph break, else a line break, a sentence end, a space. */
function breakPoint(text: string, from: number, limit: number): number {
  const window = text.slice(from, limit)
  const paragraph = window.lastIndexOf('\n\n')
  if (paragraph !== -1) return from + paragraph + 2
  const line = window.lastIndexOf('\n')
  if (line !== -1) return from + line + 1
  let sentence = -1
  for (const match of window.matchAll(SENTENCE_END)) sentence = match.index + match[0].length
  if (sentence !== -1) return from + sentence
  const space = window.search(/\s\S*$/)
  if (space !== -1) return from + space + 1
  const cut = notInsidePair(text, limit)
  return cut > from ? cut : limit
}

/**
 * Moves an overlap start forward to the next line start within the overlap, else to the next word
 * start, so a chunk does not begin mid-word.
 */
function overlapStart(text: string, offset: number, limit: number): number {
  if (offset === 0 || text[offset - 1] === '\n') return offset
  const newline = text.indexOf('\n', offset)
  if (newline !== -1 && newline + 1 < limit) return newline + 1
  if (/\s/.test(text[offset - 1]!)) return offset
  for (let i = offset; i < limit; i++) {
    if (/\s/.test(text[i]!)) return i + 1
  }
  return notInsidePair(text, offset)
}

/**
 * Splits text into windows of at most `sizeChars`, preferring to end at a paragraph, line or
 * sentence boundary, each starting up to `overlapChars` before the previous one ended. Leading and
 * trailing whitespace is trimmed from each chunk; whitespace-only chunks are dropped.
 */
export function chunkText(text: string, options: ChunkOptions = {}): TextChunk[] {
  const size = options.sizeChars ?? DEFAULT_CHUNK_SIZE_CHARS
  const overlap = options.overlapChars ?? DEFAULT_CHUNK_OVERLAP_CHARS
  if (
    !Number.isInteger(size) ||
    size < 20 ||
    !Number.isInteger(overlap) ||
    overlap < 0 ||
    overlap >= size / 2
  ) {
    throw new RangeError(
      `chunk size ${size} / overlap ${overlap}: need size >= 20 and 0 <= overlap < size / 2`,
    )
  }
  const starts = lineStarts(text)
  const chunks: TextChunk[] = []
  let start = 0
  while (start < text.length) {
    const limit = Math.min(start + size, text.length)
    const end =
      limit === text.length ? limit : breakPoint(text, start + Math.floor(size * MINIMUM_FILL), limit)
    let from = start
    let to = end
    while (from < to && /\s/.test(text[from]!)) from++
    while (to > from && /\s/.test(text[to - 1]!)) to--
    if (to > from) {
      chunks.push({
        text: text.slice(from, to),
        start: from,
        end: to,
        startLine: lineOf(starts, from),
        endLine: lineOf(starts, to - 1),
      })
    }
    if (end >= text.length) break
    // Overlap, but always advance past the previous start.
    start = overlapStart(text, Math.max(end - overlap, start + 1), end)
  }
  return chunks
}
