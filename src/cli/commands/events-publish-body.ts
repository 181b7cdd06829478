import { isUtf8 } from 'node:buffer'
import { bytesOf } from './ndjson-lines.ts'

// What `localhub events publish` sends a running hub, read from the file as bytes (decision 2088).
// The lines are readNumberedLines' (ndjson-lines.ts): the same numbers, the same line ends (LF,
// CRLF, a lone CR), the same BOM, blank-line and UTF-8 rules. But a run of whole LF-ended lines
// that is valid UTF-8 is sent as the very bytes read, one slice of the chunk: the hub splits and
// decodes it into the texts readNumberedLines would have made, so no string, Buffer or object per
// line is made here, nor the body's encoding again (~770 bytes and a copy per event on the CLI's
// side). Any other line (CR-ended, the BOM's, one across chunks, one of a run that is not UTF-8,
// the last without a line end) is decoded alone and sent as its text and an LF, as before.

/** Lines sent as they are: `bytes` holds whole lines, each ended by LF. */
export interface LineRun {
  kind: 'run'
  bytes: Buffer
  /** The file line number of the first line in `bytes`. */
  first: number
  /** The numbers of its lines that are not blank, in order: the hub answers one result for each. */
  sent: number[]
}

/** A line whose bytes are not UTF-8: refused here, never sent. */
export interface RefusedLine {
  kind: 'refused'
  line: number
}

export type BodySegment = LineRun | RefusedLine

const LF = 0x0a
const CR = 0x0d
const OPEN_BRACE = 0x7b
const BOM = '\uFEFF'
const REPLACEMENT = '\uFFFD'

function startsWithBomBytes(bytes: Buffer, at: number): boolean {
  return bytes[at] === 0xef && bytes[at + 1] === 0xbb && bytes[at + 2] === 0xbf
}

/** Whether a line's text is blank (`trim()` empty): one starting with `{` never is, so only others are decoded. */
function isBlank(bytes: Buffer, start: number, end: number): boolean {
  if (start < end && bytes[start] === OPEN_BRACE) return false
  return bytes.toString('utf8', start, end).trim() === ''
}

/**
 * The byte offset just after the LF ending line `line` of `run` (a line the run holds): where a
 * request's share of the run ends.
 */
export function runEndAfter(run: LineRun, line: number): number {
  let offset = -1
  for (let count = line - run.first; count >= 0; count--) offset = run.bytes.indexOf(LF, offset + 1)
  return offset + 1
}

/**
 * Segments of the body in file order, one array per chunk read. A run holds whole lines only, so
 * no character is cut at its edges and each run's UTF-8 check is one call over its bytes.
 */
export async function* readBodySegments(
  source: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<BodySegment[]> {
  let number = 0
  let pending: Buffer[] = []
  let heldCr = false
  /** A line decoded alone, as readNumberedLines' add(). */
  const addSlow = (bytes: Buffer, line: number, segments: BodySegment[]) => {
    let text = bytes.toString('utf8')
    if (line === 1 && text.startsWith(BOM)) text = text.slice(1)
    if (text.trim() === '') return
    if (text.includes(REPLACEMENT) && !isUtf8(bytes)) segments.push({ kind: 'refused', line })
    else segments.push({ kind: 'run', bytes: Buffer.from(`${text}\n`, 'utf8'), first: line, sent: [line] })
  }
  for await (const chunk of source) {
    const bytes = bytesOf(chunk)
    if (bytes.length === 0) continue
    let at = 0
    if (heldCr) {
      heldCr = false
      if (bytes[0] === LF) at = 1
    }
    const segments: BodySegment[] = []
    // The run being gathered: from runStart to `at`, its first line's number and its non-blank ones.
    let runStart = -1
    let runFirst = 0
    let runSent: number[] = []
    const endRun = () => {
      if (runStart === -1) return
      const start = runStart
      runStart = -1
      if (runSent.length === 0) return
      const run = bytes.subarray(start, at)
      if (isUtf8(run)) {
        segments.push({ kind: 'run', bytes: run, first: runFirst, sent: runSent })
        return
      }
      // Some line of it is not UTF-8: each is taken alone, as readNumberedLines would.
      let lineStart = 0
      for (let line = runFirst; lineStart < run.length; line++) {
        const lineEnd = run.indexOf(LF, lineStart)
        addSlow(run.subarray(lineStart, lineEnd), line, segments)
        lineStart = lineEnd + 1
      }
    }
    let cr = bytes.indexOf(CR, at)
    for (;;) {
      if (cr !== -1 && cr < at) cr = bytes.indexOf(CR, at)
      const lf = bytes.indexOf(LF, at)
      const end = cr !== -1 && (lf === -1 || cr < lf) ? cr : lf
      if (end === -1) break
      number++
      if (pending.length === 0 && end === lf && !(number === 1 && startsWithBomBytes(bytes, at))) {
        if (runStart === -1) {
          runStart = at
          runFirst = number
          runSent = []
        }
        if (!isBlank(bytes, at, end)) runSent.push(number)
        at = end + 1
        continue
      }
      endRun()
      const piece = bytes.subarray(at, end)
      addSlow(pending.length === 0 ? piece : Buffer.concat([...pending, piece]), number, segments)
      pending = []
      at = end + 1
      if (end === cr) {
        if (at === bytes.length) heldCr = true
        else if (bytes[at] === LF) at++
      }
    }
    endRun()
    if (at < bytes.length) pending.push(bytes.subarray(at))
    if (segments.length > 0) yield segments
  }
  // The last line: given without its line end, nothing for an empty rest.
  const segments: BodySegment[] = []
  if (pending.length > 0) addSlow(Buffer.concat(pending), ++number, segments)
  if (segments.length > 0) yield segments
}
