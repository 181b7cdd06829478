import { isUtf8 } from 'node:buffer'

/**
 * A non-empty input line and its 1-based number (empty lines are counted, not yielded).
 * `notUtf8`: its bytes are not UTF-8 (the text holds U+FFFD for them); the line is refused, not
 * stored with its bytes replaced.
 */
export interface NumberedLine {
  line: number
  text: string
  notUtf8?: true
}

const BOM = '\uFEFF'

const REPLACEMENT = '\uFFFD'
// The line ends readline knew (`crlfDelay: Infinity`): CRLF, LF, and a lone CR, found as bytes (no
// byte of a multi-byte UTF-8 character is either, and a decoder never joins one to its neighbours).
const LF = 0x0a
const CR = 0x0d

/**
 * The lines of a byte or text stream, one array per chunk read, so a line costs no await of its
 * own (readline's async iterator took one per line). Line numbers and line ends are readline's: a
 * CR at a chunk's end ends its line, and an LF first in the next chunk is then that line end's.
 * Lines are split as bytes and each decoded whole, so a line's bytes can be checked as UTF-8.
 */
/** A chunk of a file or stream as bytes, without a copy when it is bytes already. */
export function bytesOf(chunk: Uint8Array | string): Buffer {
  return typeof chunk === 'string'
    ? Buffer.from(chunk, 'utf8')
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
}

export async function* readNumberedLines(
  source: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<NumberedLine[]> {
  let number = 0
  // The bytes of the line not ended yet (it may span chunks; a character may be cut between them).
  let pending: Buffer[] = []
  // The last chunk ended with CR: an LF first in the next one is the rest of that line end.
  let heldCr = false
  const add = (bytes: Buffer, lines: NumberedLine[]) => {
    number++
    let text = bytes.toString('utf8')
    // A byte order mark (editors on Windows write one) is not part of line 1's JSON.
    if (number === 1 && text.startsWith(BOM)) text = text.slice(1)
    if (text.trim() === '') return
    // U+FFFD is also what a byte that is not UTF-8 decodes to; only then are the bytes checked.
    if (text.includes(REPLACEMENT) && !isUtf8(bytes)) lines.push({ line: number, text, notUtf8: true })
    else lines.push({ line: number, text })
  }
  for await (const chunk of source) {
    const bytes = bytesOf(chunk)
    if (bytes.length === 0) continue
    let at = 0
    if (heldCr) {
      heldCr = false
      if (bytes[0] === LF) at = 1
    }
    const lines: NumberedLine[] = []
    let cr = bytes.indexOf(CR, at)
    for (;;) {
      if (cr !== -1 && cr < at) cr = bytes.indexOf(CR, at)
      const lf = bytes.indexOf(LF, at)
      const end = cr !== -1 && (lf === -1 || cr < lf) ? cr : lf
      if (end === -1) break
      const piece = bytes.subarray(at, end)
      add(pending.length === 0 ? piece : Buffer.concat([...pending, piece]), lines)
      pending = []
      at = end + 1
      if (end === cr) {
        if (at === bytes.length) heldCr = true
        else if (bytes[at] === LF) at++
      }
    }
    if (at < bytes.length) pending.push(bytes.subarray(at))
    if (lines.length > 0) yield lines
  }
  // The last line: readline gives it without its line end, and nothing for an empty rest.
  const lines: NumberedLine[] = []
  if (pending.length > 0) add(Buffer.concat(pending), lines)
  if (lines.length > 0) yield lines
}
