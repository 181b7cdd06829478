import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Document, isNode, LineCounter, parseDocument } from 'yaml'
import { lintEntryFields } from './lint-entry-fields.ts'
import { finding, type IndexedEntry, type LintFinding, TYPE_NAME_PATTERN } from './lint-types.ts'

export interface IndexLint {
  findings: LintFinding[]
  entries: IndexedEntry[]
  catalogVersion?: string
}

function pointerOf(path: (string | number)[]): string {
  return `#/${path.map((token) => String(token).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`
}

/** Reads registry.yaml as written (no defaults) and checks the index and every entry's fields. */
export function lintIndex(dir: string): IndexLint {
  const findings: LintFinding[] = []
  let text: string
  try {
    text = readFileSync(join(dir, 'registry.yaml'), 'utf8')
  } catch (cause) {
    const reason = (cause as Error).message
    return {
      findings: [
        finding('error', 'registry.yaml', `cannot read the index: ${reason}`, 'create catalog/registry.yaml'),
      ],
      entries: [],
    }
  }
  const lines = new LineCounter()
  const document = parseDocument(text, {
    version: '1.2',
    uniqueKeys: true,
    lineCounter: lines,
    prettyErrors: false,
  })
  for (const error of document.errors) {
    const line = lines.linePos(error.pos[0]).line
    findings.push(
      finding(
        'error',
        `registry.yaml (line ${line})`,
        `YAML: ${error.message.split('\n')[0]}`,
        'fix the YAML syntax',
      ),
    )
  }
  if (document.errors.length > 0) return { findings, entries: [] }
  const at = (path: (string | number)[]) => locate(document, lines, path)
  const root = document.toJS({ maxAliasCount: 100 }) as unknown
  if (root === null || typeof root !== 'object' || Array.isArray(root)) {
    findings.push(
      finding(
        'error',
        'registry.yaml',
        'the index is not a mapping',
        'write `catalogVersion:` and `entries:`',
      ),
    )
    return { findings, entries: [] }
  }
  const index = root as Record<string, unknown>
  for (const key of Object.keys(index)) {
    if (key !== 'catalogVersion' && key !== 'entries') {
      findings.push(
        finding(
          'warning',
          at([key]),
          `unknown top-level key "${key}"`,
          'remove it; only catalogVersion and entries are read',
        ),
      )
    }
  }
  if (typeof index.catalogVersion !== 'string' || index.catalogVersion === '') {
    findings.push(
      finding(
        'error',
        at(['catalogVersion']),
        'catalogVersion must be a non-empty string',
        "quote it: catalogVersion: '1.0'",
      ),
    )
  }
  if (!Array.isArray(index.entries)) {
    findings.push(
      finding(
        'error',
        at(['entries']),
        'entries must be a list',
        'write `entries:` followed by `- type: ...` items',
      ),
    )
    return { findings, entries: [] }
  }
  const entries = index.entries.map((raw, position): IndexedEntry => {
    const record =
      raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {}
    const entry: IndexedEntry = {
      index: position,
      raw: record,
      at: (field) =>
        at(field === undefined ? ['entries', position] : ['entries', position, ...field.split('/')]),
    }
    if (record !== raw) {
      findings.push(
        finding(
          'error',
          entry.at(),
          'an entry must be a mapping',
          'write the entry as `- type: ...` with its fields',
        ),
      )
      return entry
    }
    findings.push(...lintEntryFields(entry))
    if (typeof record.type === 'string' && TYPE_NAME_PATTERN.test(record.type)) entry.type = record.type
    if (Number.isInteger(record.version) && (record.version as number) >= 1)
      entry.version = record.version as number
    return entry
  })
  return {
    findings,
    entries,
    ...(typeof index.catalogVersion === 'string' ? { catalogVersion: index.catalogVersion } : {}),
  }
}

function locate(document: Document, lines: LineCounter, path: (string | number)[]): string {
  for (let length = path.length; length >= 0; length--) {
    const node = document.getIn(path.slice(0, length), true)
    if (isNode(node) && node.range)
      return `registry.yaml${pointerOf(path)} (line ${lines.linePos(node.range[0]).line})`
  }
  return `registry.yaml${pointerOf(path)}`
}
