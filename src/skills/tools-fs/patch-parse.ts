// A strict parser for unified diffs (several files, several hunks each; /dev/null for created and
// deleted files; '\ No newline at end of file'). Written for this tool; no fuzz, no guessing.
import { HubError, type ValidationIssue } from '../../contracts/index.ts'

export interface HunkLine {
  op: ' ' | '-' | '+'
  /** Text without '\n' (a '\r' stays). */
  text: string
  /** Followed by '\ No newline at end of file'. */
  noNewline: boolean
}

export interface Hunk {
  oldStart: number
  oldCount: number
  newStart: number
  newCount: number
  lines: HunkLine[]
  /** 1-based line of the '@@' header in the patch, for error messages. */
  patchLine: number
}

export interface FilePatch {
  /** Path relative to the workspace (a/ b/ prefixes removed); null side = /dev/null. */
  oldPath: string | null
  newPath: string | null
  hunks: Hunk[]
}

export const MAX_PATCH_FILES = 1000

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/

function problem(line: number, message: string, got = ''): HubError {
  const issue: ValidationIssue = {
    path: '/patch',
    expected: 'a unified diff',
    got: got.slice(0, 80),
    message: `line ${line}: ${message}`,
  }
  return new HubError('E_VALIDATION', `patch line ${line}: ${message}`, { details: { issues: [issue] } })
}

function headerPath(raw: string, prefix: 'a/' | 'b/'): string | null {
  // A tab separates an optional timestamp (diff -u); git quotes names with special characters.
  let name = raw.split('\t')[0]!.trimEnd()
  if (name === '/dev/null') return null
  if (name.startsWith('"'))
    throw new HubError('E_VALIDATION', `quoted file names are not supported: ${name.slice(0, 80)}`)
  if (name.startsWith(prefix)) name = name.slice(2)
  return name
}

export function parsePatch(text: string): FilePatch[] {
  if (typeof text !== 'string' || text.trim() === '') throw problem(1, 'the patch is empty')
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  const files: FilePatch[] = []
  let index = 0
  while (index < lines.length) {
    const line = lines[index]!
    if (!line.startsWith('--- ')) {
      if (line.startsWith('@@') || line.startsWith('+++ '))
        throw problem(index + 1, 'hunk or +++ header without a --- header', line)
      if (line.startsWith('rename ') || line.startsWith('copy ') || line.startsWith('GIT binary patch')) {
        throw problem(index + 1, 'renames, copies and binary patches are not supported', line)
      }
      index++ // `diff --git`, `index ...`, prose: ignored
      continue
    }
    const next = lines[index + 1]
    if (next === undefined || !next.startsWith('+++ '))
      throw problem(index + 2, "expected a '+++' header", next ?? '')
    const oldPath = headerPath(line.slice(4), 'a/')
    const newPath = headerPath(next.slice(4), 'b/')
    if (oldPath === null && newPath === null) throw problem(index + 1, 'both sides are /dev/null')
    if (oldPath !== null && newPath !== null && oldPath !== newPath) {
      throw problem(index + 1, `renames are not supported (${oldPath} -> ${newPath})`)
    }
    index += 2
    const hunks: Hunk[] = []
    while (index < lines.length && lines[index]!.startsWith('@@')) {
      const parsed = parseHunk(lines, index)
      hunks.push(parsed.hunk)
      index = parsed.next
    }
    if (hunks.length === 0) throw problem(index + 1, `no hunks for ${newPath ?? oldPath}`)
    files.push({ oldPath, newPath, hunks })
    if (files.length > MAX_PATCH_FILES) throw problem(index, `more than ${MAX_PATCH_FILES} files`)
  }
  if (files.length === 0) throw problem(1, "no '--- / +++' file headers found")
  const seen = new Set<string>()
  for (const file of files) {
    const path = (file.newPath ?? file.oldPath)!
    if (seen.has(path)) throw new HubError('E_VALIDATION', `the patch changes ${path} twice`)
    seen.add(path)
  }
  return files
}

function parseHunk(lines: string[], start: number): { hunk: Hunk; next: number } {
  const header = lines[start]!
  const match = HUNK_HEADER.exec(header)
  if (match === null) throw problem(start + 1, 'malformed hunk header', header)
  const hunk: Hunk = {
    oldStart: Number(match[1]),
    oldCount: match[2] === undefined ? 1 : Number(match[2]),
    newStart: Number(match[3]),
    newCount: match[4] === undefined ? 1 : Number(match[4]),
    lines: [],
    patchLine: start + 1,
  }
  if (![hunk.oldStart, hunk.oldCount, hunk.newStart, hunk.newCount].every(Number.isSafeInteger)) {
    throw problem(start + 1, 'hunk numbers out of range', header)
  }
  let oldSeen = 0
  let newSeen = 0
  let index = start + 1
  while (index < lines.length && (oldSeen < hunk.oldCount || newSeen < hunk.newCount)) {
    const line = lines[index]!
    const op = line === '' ? ' ' : line[0]
    if (op === '\\') {
      const previous = hunk.lines[hunk.lines.length - 1]
      if (previous === undefined) throw problem(index + 1, "'\\' marker before any line")
      previous.noNewline = true
    } else if (op === ' ' || op === '-' || op === '+') {
      hunk.lines.push({ op, text: line.slice(1), noNewline: false })
      if (op !== '+') oldSeen++
      if (op !== '-') newSeen++
    } else {
      throw problem(
        index + 1,
        `unexpected line in hunk (${hunk.oldCount - oldSeen} old and ${hunk.newCount - newSeen} new lines still due)`,
        line,
      )
    }
    index++
  }
  if (oldSeen !== hunk.oldCount || newSeen !== hunk.newCount) {
    throw problem(
      start + 1,
      `hunk is shorter than its header says (-${hunk.oldCount} +${hunk.newCount}, found -${oldSeen} +${newSeen})`,
    )
  }
  if (index < lines.length && lines[index]!.startsWith('\\')) {
    hunk.lines[hunk.lines.length - 1]!.noNewline = true
    index++
  }
  return { hunk, next: index }
}
