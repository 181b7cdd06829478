import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type Node } from 'yaml'
import { type IssueDraft, type ManifestIssue, pointerTokens } from './manifest-issue.ts'

/** Maps character offsets to 1-based line and column with one pass over the text. */
export function lineIndex(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0]
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1))
    starts.push(index + 1)
  return (offset) => {
    let low = 0
    let high = starts.length - 1
    while (low < high) {
      const middle = (low + high + 1) >> 1
      if (starts[middle]! <= offset) low = middle
      else high = middle - 1
    }
    return { line: low + 1, column: offset - starts[low]! + 1 }
  }
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value)
  return typeof key === 'string' ? key : undefined
}

/**
 * Offset of the node a JSON pointer names (or of its key), falling back to the deepest ancestor
 * that exists, so a missing property points at the mapping that should hold it.
 */
export function offsetOf(document: Document.Parsed, pointer: string, atKey: boolean): number {
  let node: unknown = document.contents
  let offset = (document.contents as Node | null)?.range?.[0] ?? 0
  const tokens = pointerTokens(pointer)
  for (let index = 0; index < tokens.length; index++) {
    if (isAlias(node)) node = node.resolve(document)
    const token = tokens[index]!
    let next: unknown
    let keyOffset: number | undefined
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && keyText(item.key) === token)
      if (pair === undefined) break
      keyOffset = (pair.key as Node | null)?.range?.[0]
      next = pair.value
    } else if (isSeq(node)) {
      next = node.items[Number(token)]
    } else break
    const last = index === tokens.length - 1
    const valueOffset = (next as Node | null)?.range?.[0]
    if (last && atKey && keyOffset !== undefined) return keyOffset
    const found = valueOffset ?? keyOffset
    if (found === undefined) break
    offset = found
    node = next
  }
  return offset
}

/** Attaches line and column to drafts: from their own offset, else from their path in the document. */
export function locateIssues(
  drafts: readonly IssueDraft[],
  text: string,
  document: Document.Parsed | undefined,
): ManifestIssue[] {
  const position = lineIndex(text)
  return drafts.map((draft) => {
    const offset =
      draft.offset ?? (document === undefined ? 0 : offsetOf(document, draft.path, draft.atKey === true))
    const { line, column } = position(offset)
    return {
      path: draft.path,
      expected: draft.expected,
      got: draft.got,
      message: `${draft.problem} — ${draft.fix}`,
      line,
      column,
      problem: draft.problem,
      fix: draft.fix,
    }
  })
}
