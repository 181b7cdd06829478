import { StringDecoder } from 'node:string_decoder'

/** A non-empty input line and its 1-based number (empty lines are counted, not yielded). */
export interface NumberedLine {
  line: number
  text: string
}

// The line ends readline knew (`crlfDelay: Infinity`): CRLF, LF, and a lone CR.
const LINE_END = /\r\n|\n|\r/

/**
 * The lines of a byte or text stream, one array per chunk read, so a line costs no await of its
 * own (readline's async iterator took one per line). Line numbers and line ends are readline's: a
 * CR at a chunk's end is held back until the next chunk says whether an LF follows it.
 */
export async function* readNumberedLines(
  source: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<NumberedLine[]> {
  const decoder = new StringDecoder('utf8')
  let rest = ''
  let number = 0
  const numbered = (texts: string[]): NumberedLine[] => {
    const lines: NumberedLine[] = []
    for (const text of texts) {
      number++
      if (text.trim() !== '') lines.push({ line: number, text })
    }
    return lines
  }
  for await (const chunk of source) {
    let text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer))
    const heldCr = text.endsWith('\r')
    if (heldCr) text = text.slice(0, -1)
    const texts = text.split(LINE_END)
    rest = texts.pop()! + (heldCr ? '\r' : '')
    const lines = numbered(texts)
    if (lines.length > 0) yield lines
  }
  rest += decoder.end()
  // The last line: readline gives it without its line end, and nothing for an empty rest.
  const lines = rest === '' ? [] : numbered([rest.endsWith('\r') ? rest.slice(0, -1) : rest])
  if (lines.length > 0) yield lines
}
