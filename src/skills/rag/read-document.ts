import { basename, extname } from 'node:path'

export type DocumentText = { kind: 'text'; text: string; title: string } | { kind: 'skip'; reason: string }

/** Bytes inspected for a NUL byte (the same heuristic git and grep use to call a file binary). */
const BINARY_SNIFF_BYTES = 8000
const MARKDOWN_EXTENSIONS = new Set(['.md', '.markdown', '.mdx'])
const HEADING = /^#{1,6}[ \t]+(.+?)[ \t#]*$/m
const MAX_TITLE_CHARS = 200

function titleOf(path: string, text: string): string {
  if (MARKDOWN_EXTENSIONS.has(extname(path).toLowerCase())) {
    const heading = HEADING.exec(text.slice(0, 4096))
    if (heading?.[1] !== undefined) return heading[1].slice(0, MAX_TITLE_CHARS)
  }
  return basename(path)
}

async function pdfText(path: string, bytes: Uint8Array): Promise<DocumentText> {
  // Loaded on first use: the PDF reader is large and most corpora have no PDF.
  const { getDocumentProxy, extractText } = await import('unpdf')
  try {
    const document = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 })
    try {
      const { text } = await extractText(document, { mergePages: false })
      const joined = text.join('\n\n')
      if (joined.trim().length === 0) return { kind: 'skip', reason: 'PDF has no text layer (scanned?)' }
      const info = await document.getMetadata().catch(() => undefined)
      const metaTitle = (info?.info as { Title?: unknown } | undefined)?.Title
      const title =
        typeof metaTitle === 'string' && metaTitle.trim() !== '' ? metaTitle.trim() : basename(path)
      return { kind: 'text', text: joined, title: title.slice(0, MAX_TITLE_CHARS) }
    } finally {
      await document.destroy()
    }
  } catch (error) {
    return { kind: 'skip', reason: `unreadable PDF: ${(error as Error).message}` }
  }
}

/**
 * Decides whether a file is text worth indexing and returns its text. Binary files (a NUL byte
 * early on) and files that are not valid UTF-8 are skipped with a reason; PDFs are read with
 * unpdf (text layer only, pages separated by a blank line).
 */
export async function readDocument(path: string, bytes: Uint8Array): Promise<DocumentText> {
  if (extname(path).toLowerCase() === '.pdf') return pdfText(path, bytes)
  if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return { kind: 'skip', reason: 'binary file' }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch {
    return { kind: 'skip', reason: 'not valid UTF-8 text' }
  }
  if (text.trim().length === 0) return { kind: 'skip', reason: 'empty file' }
  return { kind: 'text', text, title: titleOf(path, text) }
}
