// A line diff (Myers' O(ND) greedy algorithm, written for this tool) and its unified-diff rendering,
// used for previews. Lines keep their '\r'; the last line may lack its '\n'.

export const DEFAULT_CONTEXT_LINES = 3
export const MAX_EDIT_DISTANCE = 4000

type Edit = { op: ' ' | '-' | '+'; line: string; lastWithoutNewline: boolean }

/** Lines of a text without their '\n' (a '\r' stays), and whether the text ends without a newline. */
export function splitLines(text: string): { lines: string[]; endsWithoutNewline: boolean } {
  if (text === '') return { lines: [], endsWithoutNewline: false }
  const lines = text.split('\n')
  const endsWithoutNewline = lines[lines.length - 1] !== ''
  if (!endsWithoutNewline) lines.pop()
  return { lines, endsWithoutNewline }
}

/** Shortest edit script between a and b; falls back to replace-all past MAX_EDIT_DISTANCE. */
function diffLines(a: string[], b: string[]): ('=' | '-' | '+')[] {
  let start = 0
  while (start < a.length && start < b.length && a[start] === b[start]) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--
    endB--
  }
  const n = endA - start
  const m = endB - start
  const middle = myers(a.slice(start, endA), b.slice(start, endB)) ?? [
    ...Array<'-'>(n).fill('-'),
    ...Array<'+'>(m).fill('+'),
  ]
  return [...Array<'='>(start).fill('='), ...middle, ...Array<'='>(a.length - endA).fill('=')]
}

function myers(a: string[], b: string[]): ('=' | '-' | '+')[] | undefined {
  const n = a.length
  const m = b.length
  const max = Math.min(n + m, MAX_EDIT_DISTANCE)
  const offset = max + 1
  const v = new Int32Array(2 * max + 3)
  const trace: Int32Array[] = []
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice())
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)
          ? v[offset + k + 1]!
          : v[offset + k - 1]! + 1
      let y = x - k
      while (x < n && y < m && a[x] === b[y]) {
        x++
        y++
      }
      v[offset + k] = x
      if (x >= n && y >= m) return backtrack(trace, offset, n, m, d)
    }
  }
  return undefined
}

function backtrack(
  trace: Int32Array[],
  offset: number,
  n: number,
  m: number,
  steps: number,
): ('=' | '-' | '+')[] {
  const script: ('=' | '-' | '+')[] = []
  let x = n
  let y = m
  for (let d = steps; d > 0; d--) {
    const v = trace[d]!
    const k = x - y
    const down = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)
    const prevK = down ? k + 1 : k - 1
    const prevX = v[offset + prevK]!
    const prevY = prevX - prevK
    while (x > prevX && y > prevY) {
      script.push('=')
      x--
      y--
    }
    script.push(down ? '+' : '-')
    x = prevX
    y = prevY
  }
  while (x > 0 && y > 0) {
    script.push('=')
    x--
    y--
  }
  return script.reverse()
}

function toEdits(before: string, after: string): Edit[] {
  const a = splitLines(before)
  const b = splitLines(after)
  const edits: Edit[] = []
  let i = 0
  let j = 0
  for (const op of diffLines(a.lines, b.lines)) {
    if (op === '=') {
      // Equal text but different end-of-file newline is a change of that line.
      const aLast = i === a.lines.length - 1 && a.endsWithoutNewline
      const bLast = j === b.lines.length - 1 && b.endsWithoutNewline
      if (aLast === bLast) edits.push({ op: ' ', line: a.lines[i]!, lastWithoutNewline: aLast })
      else {
        edits.push({ op: '-', line: a.lines[i]!, lastWithoutNewline: aLast })
        edits.push({ op: '+', line: b.lines[j]!, lastWithoutNewline: bLast })
      }
      i++
      j++
    } else if (op === '-') {
      edits.push({
        op: '-',
        line: a.lines[i]!,
        lastWithoutNewline: i === a.lines.length - 1 && a.endsWithoutNewline,
      })
      i++
    } else {
      edits.push({
        op: '+',
        line: b.lines[j]!,
        lastWithoutNewline: j === b.lines.length - 1 && b.endsWithoutNewline,
      })
      j++
    }
  }
  return edits
}

/**
 * A unified diff of one file (`before`/`after` null = absent). Returns '' when nothing changes.
 * Binary content is summarised, not printed.
 */
export function unifiedDiff(
  path: string,
  before: string | null,
  after: string | null,
  context = DEFAULT_CONTEXT_LINES,
): string {
  if (before === after) return ''
  const oldName = before === null ? '/dev/null' : `a/${path}`
  const newName = after === null ? '/dev/null' : `b/${path}`
  if ((before ?? '').includes('\0') || (after ?? '').includes('\0'))
    return `Binary files ${oldName} and ${newName} differ\n`
  const edits = toEdits(before ?? '', after ?? '')
  const out: string[] = [`--- ${oldName}`, `+++ ${newName}`]
  const changed = edits.map((edit, index) => (edit.op === ' ' ? -1 : index)).filter((index) => index >= 0)
  let cursor = 0
  while (cursor < changed.length) {
    const first = changed[cursor]!
    let last = first
    while (cursor + 1 < changed.length && changed[cursor + 1]! - last <= 2 * context + 1)
      last = changed[++cursor]!
    cursor++
    const from = Math.max(0, first - context)
    const to = Math.min(edits.length, last + context + 1)
    let oldStart = 1
    let newStart = 1
    for (let index = 0; index < from; index++) {
      if (edits[index]!.op !== '+') oldStart++
      if (edits[index]!.op !== '-') newStart++
    }
    const slice = edits.slice(from, to)
    const oldCount = slice.filter((edit) => edit.op !== '+').length
    const newCount = slice.filter((edit) => edit.op !== '-').length
    out.push(
      `@@ -${oldCount === 0 ? oldStart - 1 : oldStart},${oldCount} +${newCount === 0 ? newStart - 1 : newStart},${newCount} @@`,
    )
    for (const edit of slice) {
      out.push(`${edit.op}${edit.line}`)
      if (edit.lastWithoutNewline) out.push('\\ No newline at end of file')
    }
  }
  return `${out.join('\n')}\n`
}
