// Applies parsed hunks to one file's text exactly: every context and removed line must match at the
// stated position, or the whole patch is rejected. Line endings of the file are kept.
import { HubError } from '../../contracts/index.ts'
import type { Hunk } from './patch-parse.ts'

interface FileLine {
  text: string
  eol: '\n' | '\r\n' | ''
}

function toFileLines(content: string): FileLine[] {
  if (content === '') return []
  const parts = content.split('\n')
  const last = parts.pop()!
  const lines: FileLine[] = parts.map((part) =>
    part.endsWith('\r') ? { text: part.slice(0, -1), eol: '\r\n' } : { text: part, eol: '\n' },
  )
  if (last !== '') lines.push({ text: last, eol: '' })
  return lines
}

function dominantEol(lines: FileLine[]): '\n' | '\r\n' {
  const crlf = lines.filter((line) => line.eol === '\r\n').length
  const lf = lines.filter((line) => line.eol === '\n').length
  return crlf > lf ? '\r\n' : '\n'
}

export function hunkMismatch(path: string, hunk: Hunk, message: string): HubError {
  return new HubError(
    'E_VALIDATION',
    `${path}: hunk at patch line ${hunk.patchLine} does not apply: ${message}`,
    {
      details: {
        issues: [
          {
            path: '/patch',
            expected: 'a hunk matching the file exactly',
            got: `@@ -${hunk.oldStart},${hunk.oldCount}`,
            message,
          },
        ],
      },
    },
  )
}

/**
 * New content of one file. A patch whose lines carry '\r' is matched byte for byte; one without any
 * (the usual LF patch for a CRLF file) is matched ignoring the file's '\r', and its added lines take
 * the file's dominant line ending.
 */
export function applyHunks(path: string, content: string, hunks: Hunk[]): string {
  const source = toFileLines(content)
  const crAware = hunks.some((hunk) => hunk.lines.some((line) => line.text.endsWith('\r')))
  const newEol = dominantEol(source)
  const result: FileLine[] = []
  let cursor = 0 // next unconsumed source line (0-based)
  for (const hunk of hunks) {
    const start = hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1
    if (start < cursor) throw hunkMismatch(path, hunk, 'hunks overlap or are out of order')
    if (start + hunk.oldCount > source.length)
      throw hunkMismatch(path, hunk, `the file has only ${source.length} lines`)
    while (cursor < start) result.push(source[cursor++]!)
    for (const line of hunk.lines) {
      if (line.op === '+') {
        // A last line without newline keeps a trailing '\r' as content.
        const text =
          crAware && !line.noNewline && line.text.endsWith('\r') ? line.text.slice(0, -1) : line.text
        const eol = line.noNewline ? '' : crAware ? (line.text.endsWith('\r') ? '\r\n' : '\n') : newEol
        result.push({ text, eol })
        continue
      }
      const actual = source[cursor]
      if (actual === undefined) throw hunkMismatch(path, hunk, 'the hunk runs past the end of the file')
      const actualText = crAware ? actual.text + (actual.eol === '\r\n' ? '\r' : '') : actual.text
      if (actualText !== line.text) {
        throw hunkMismatch(
          path,
          hunk,
          `line ${cursor + 1} is ${JSON.stringify(actual.text.slice(0, 80))}, the patch expects ${JSON.stringify(line.text.slice(0, 80))}`,
        )
      }
      if ((actual.eol === '') !== line.noNewline) {
        throw hunkMismatch(
          path,
          hunk,
          `line ${cursor + 1} ${actual.eol === '' ? 'has no' : 'has a'} newline at the end, the patch says otherwise`,
        )
      }
      if (line.op === ' ') result.push(actual)
      cursor++
    }
  }
  while (cursor < source.length) result.push(source[cursor++]!)
  // A line that used to be last (no newline) and now has lines after it gets one.
  for (let index = 0; index < result.length - 1; index++) {
    if (result[index]!.eol === '') result[index] = { ...result[index]!, eol: newEol }
  }
  return result.map((line) => line.text + line.eol).join('')
}
