// NDJSON bodies split into lines as their chunks arrive, for POST /events (decisions 1635, 1791).
import { isUtf8 } from 'node:buffer'

/** The lines one chunk completed: their texts, the first one's 1-based line number. */
export interface ChunkLines {
  first: number
  texts: string[]
  /** Indexes into `texts` of lines whose bytes were not valid UTF-8 (absent when none were). */
  invalid?: number[]
}

const LINE_FEED = 0x0a
const NO_BYTES = Buffer.alloc(0)

/** How many bytes at the end start a UTF-8 sequence that the next chunk finishes (0 to 3). */
function unfinishedSequenceBytes(bytes: Buffer): number {
  const length = bytes.length
  for (let back = 1; back <= 3 && back <= length; back++) {
    const byte = bytes[length - back]!
    if ((byte & 0xc0) === 0x80) continue
    if (byte < 0xc0) return 0
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2
    return needed > back ? back : 0
  }
  return 0
}

/**
 * Which line segments of `bytes` (split at LF, the first one continuing the unfinished line) are
 * not valid UTF-8. Only run for a chunk that failed the whole-chunk check, which valid text never
 * does, so the common case pays one `isUtf8` per chunk.
 */
function invalidSegments(bytes: Buffer): Set<number> {
  const invalid = new Set<number>()
  let start = 0
  for (let segment = 0; ; segment++) {
    const end = bytes.indexOf(LINE_FEED, start)
    if (!isUtf8(bytes.subarray(start, end === -1 ? bytes.length : end))) invalid.add(segment)
    if (end === -1) return invalid
    start = end + 1
  }
}

/**
 * NDJSON lines split as the chunks arrive: one array per chunk, so a line costs no await of its
 * own, and no object of its own (line numbers follow `first`). Only each new chunk is searched for
 * line ends; the start of an unfinished line waits as pieces, joined once its end arrives, so a
 * long line sent in small chunks costs linear time, not the square of its length (decision 1791).
 * A UTF-8 sequence cut at a chunk's edge waits for the next chunk. Bytes that are not UTF-8 would
 * decode to U+FFFD and be stored changed, so their line is marked and refused instead.
 */
export async function* splitLines(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  position: { line: number },
): AsyncGenerator<ChunkLines> {
  let pieces: string[] = []
  let carried: Buffer = NO_BYTES
  // The unfinished line already holds bytes that are not UTF-8.
  let unfinishedInvalid = false
  for await (const chunk of chunks) {
    let text: string
    let invalid: Set<number> | undefined
    if (typeof chunk === 'string') text = chunk
    else {
      const received = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)
      const bytes = carried.length === 0 ? received : Buffer.concat([carried, received])
      const cut = bytes.length - unfinishedSequenceBytes(bytes)
      // Copied: the chunk's buffer may be reused by the stream.
      carried = cut === bytes.length ? NO_BYTES : Buffer.from(bytes.subarray(cut))
      const complete = bytes.subarray(0, cut)
      if (!isUtf8(complete)) invalid = invalidSegments(complete)
      text = complete.toString('utf8')
    }
    let end = text.indexOf('\n')
    if (end === -1) {
      if (text !== '') pieces.push(text)
      if (invalid !== undefined) unfinishedInvalid = true
      continue
    }
    const first = position.line + 1
    const texts: string[] = []
    texts.push(pieces.length === 0 ? text.slice(0, end) : pieces.join('') + text.slice(0, end))
    let start = end + 1
    for (end = text.indexOf('\n', start); end !== -1; end = text.indexOf('\n', start)) {
      texts.push(text.slice(start, end))
      start = end + 1
    }
    pieces = start === text.length ? [] : [text.slice(start)]
    position.line += texts.length
    const marked: number[] = []
    if (unfinishedInvalid || invalid?.has(0) === true) marked.push(0)
    if (invalid !== undefined)
      for (const segment of invalid) if (segment > 0 && segment < texts.length) marked.push(segment)
    unfinishedInvalid = invalid?.has(texts.length) === true
    yield marked.length === 0 ? { first, texts } : { first, texts, invalid: marked }
  }
  // Bytes still waiting for the rest of their sequence: the body ended inside a character.
  if (carried.length > 0) unfinishedInvalid = true
  const rest = pieces.join('') + carried.toString('utf8')
  position.line++
  if (rest !== '')
    yield unfinishedInvalid
      ? { first: position.line, texts: [rest], invalid: [0] }
      : { first: position.line, texts: [rest] }
}
