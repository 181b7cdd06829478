// The architecture rules of docs/decisions/1361: folders are reached only through their index.ts,
// no import cycle runs between folders, and every name an index.ts exports is used outside it.
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { findCycles } from './find-cycles.ts'
import {
  contextOf,
  indexFileOf,
  isLoadedByName,
  relativePath,
  resolveModule,
  SCANNED_FOLDERS,
  sourceFiles,
} from './folders.ts'
import { ALL_NAMES, type ImportKind, readExports, readImports } from './parse-imports.ts'

export interface ImportSite {
  file: string
  line: number
  specifier: string
  kind: ImportKind
}

export interface DeepImport extends ImportSite {
  /** The folder reached past its index.ts. */
  context: string
  /** False when that folder has no index.ts at all. */
  hasIndex: boolean
}

export interface FolderCycle {
  /** The folders in order, the first repeated at the end. */
  path: string[]
  /** For each step of the path, the imports that make it. */
  steps: Array<{ from: string; to: string; imports: ImportSite[] }>
}

export interface UnusedExport {
  index: string
  name: string
  line: number
}

export interface BoundaryReport {
  filesChecked: number
  deepImports: DeepImport[]
  cycles: FolderCycle[]
  unusedExports: UnusedExport[]
}

export interface CheckOptions {
  /** Top-level folders to read; default SCANNED_FOLDERS. */
  folders?: readonly string[]
}

const TEST_FILE = /\.test\.tsx?$/

function isTestFile(file: string): boolean {
  return TEST_FILE.test(file)
}

interface ResolvedImport extends ImportSite {
  target: string
  names: string[]
}

/** `localhub/skill` and the like: the package importing itself through its package.json "exports". */
function selfExports(root: string): (specifier: string) => string | undefined {
  let manifest: { name?: string; exports?: Record<string, unknown> } = {}
  try {
    manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  } catch {
    return () => undefined
  }
  return (specifier) => {
    if (manifest.name === undefined || !specifier.startsWith(`${manifest.name}/`)) return undefined
    const entry = manifest.exports?.[`.${specifier.slice(manifest.name.length)}`]
    // A conditional export ({types, localhub-source, default}) counts as a use of its TypeScript source.
    const conditions = (entry ?? {}) as Record<string, unknown>
    const target = typeof entry === 'string' ? entry : (conditions['localhub-source'] ?? conditions.types)
    return typeof target === 'string' ? resolve(root, target) : undefined
  }
}

function readAllImports(root: string, folders: readonly string[]): Map<string, ResolvedImport[]> {
  const byFile = new Map<string, ResolvedImport[]>()
  const selfTarget = selfExports(root)
  for (const folder of folders) {
    for (const file of sourceFiles(join(root, folder))) {
      const records = readImports(file, readFileSync(file, 'utf8'))
      const resolved: ResolvedImport[] = []
      for (const record of records) {
        const own = selfTarget(record.specifier)
        if (!record.specifier.startsWith('.') && own === undefined) continue
        resolved.push({
          file: relativePath(root, file),
          line: record.line,
          specifier: record.specifier,
          kind: record.kind,
          names: record.names,
          target: own ?? resolveModule(resolve(dirname(file), record.specifier)),
        })
      }
      byFile.set(file, resolved)
    }
  }
  return byFile
}

function collectUnusedExports(root: string, imports: Map<string, ResolvedImport[]>): UnusedExport[] {
  const usedByIndex = new Map<string, Set<string>>()
  for (const [file, records] of imports) {
    const from = contextOf(root, file)
    for (const record of records) {
      const to = contextOf(root, record.target)
      if (to === undefined || indexFileOf(root, to) !== record.target) continue
      // The folder's own code does not count; its tests do (a name may stay exported for them).
      if (to === from && !isTestFile(file)) continue
      const used = usedByIndex.get(record.target) ?? new Set<string>()
      usedByIndex.set(record.target, used)
      for (const name of record.names) used.add(name)
    }
  }
  const unused: UnusedExport[] = []
  const indexes = [...imports.keys()].filter((file) => {
    const context = contextOf(root, file)
    return context !== undefined && indexFileOf(root, context) === file
  })
  for (const index of indexes.sort()) {
    const used = usedByIndex.get(index) ?? new Set<string>()
    if (used.has(ALL_NAMES)) continue
    const context = contextOf(root, index)!
    for (const { name, line } of readExports(index, readFileSync(index, 'utf8')).names) {
      if (!used.has(name) && !isLoadedByName(context, name))
        unused.push({ index: relativePath(root, index), name, line })
    }
  }
  return unused
}

/** Checks the tree under root; the report lists every problem, none of them means a pass. */
export function checkBoundaries(root: string, options: CheckOptions = {}): BoundaryReport {
  const imports = readAllImports(root, options.folders ?? SCANNED_FOLDERS)
  const deepImports: DeepImport[] = []
  const graph = new Map<string, Set<string>>()
  const edgeSites = new Map<string, ImportSite[]>()
  for (const [file, records] of imports) {
    const from = contextOf(root, file)
    for (const record of records) {
      const to = contextOf(root, record.target)
      if (to === undefined || to === from) continue
      const { target: _target, names: _names, ...site } = record
      const index = indexFileOf(root, to)
      if (index !== record.target) deepImports.push({ ...site, context: to, hasIndex: index !== undefined })
      // A test file is a leaf (nothing imports it), so it cannot close a cycle that code runs into.
      if (from === undefined || isTestFile(file)) continue
      graph.set(from, (graph.get(from) ?? new Set()).add(to))
      const key = `${from}\n${to}`
      edgeSites.set(key, [...(edgeSites.get(key) ?? []), site])
    }
  }
  const cycles = findCycles(graph).map((path) => ({
    path,
    steps: path.slice(0, -1).map((from, position) => {
      const to = path[position + 1]!
      return { from, to, imports: edgeSites.get(`${from}\n${to}`) ?? [] }
    }),
  }))
  return {
    filesChecked: imports.size,
    deepImports,
    cycles,
    unusedExports: collectUnusedExports(root, imports),
  }
}

export function isClean(report: BoundaryReport): boolean {
  return report.deepImports.length + report.cycles.length + report.unusedExports.length === 0
}

const SITES_SHOWN_PER_STEP = 3

function describeSite(site: ImportSite): string {
  const how = site.kind === 'dynamic' ? `import('${site.specifier}')` : `'${site.specifier}'`
  return `${site.file}:${site.line}  ${how}${site.kind === 're-export' ? ' (export … from)' : ''}`
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item])
  return new Map([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)))
}

const REPORT_WIDTH_CHARS = 110

/** Comma-separated items on indented lines no wider than the report. */
function wrap(items: string[], indent = '    '): string[] {
  const lines: string[] = []
  let line = ''
  for (const item of items) {
    const next = line === '' ? `${indent}${item}` : `${line}, ${item}`
    if (next.length > REPORT_WIDTH_CHARS && line !== '') {
      lines.push(`${line},`)
      line = `${indent}${item}`
    } else line = next
  }
  if (line !== '') lines.push(line)
  return lines
}

/** A report for people: grouped by folder, each line a file:line to open. */
export function formatReport(report: BoundaryReport): string {
  if (isClean(report)) {
    return `boundary check: ${report.filesChecked} files, 0 import cycles, every cross-folder import goes through an index.ts, every index export is used\n`
  }
  const lines: string[] = []
  if (report.cycles.length > 0) {
    lines.push(`Import cycles between folders (${report.cycles.length}); remove one import of each:`)
    report.cycles.forEach((cycle, position) => {
      lines.push(`  ${position + 1}. ${cycle.path.join(' → ')}`)
      for (const step of cycle.steps) {
        lines.push(`       ${step.from} → ${step.to}:`)
        for (const site of step.imports.slice(0, SITES_SHOWN_PER_STEP))
          lines.push(`         ${describeSite(site)}`)
        const more = step.imports.length - SITES_SHOWN_PER_STEP
        if (more > 0) lines.push(`         … and ${more} more`)
      }
    })
    lines.push('')
  }
  if (report.deepImports.length > 0) {
    lines.push(
      `Imports past a folder's index.ts (${report.deepImports.length}); import from the index instead:`,
    )
    for (const [context, sites] of groupBy(report.deepImports, (site) => site.context)) {
      const note = sites[0]!.hasIndex ? '' : ' (has no index.ts yet: add one)'
      lines.push(`  ${context}/index.ts${note}`)
      for (const site of sites) lines.push(`    ${describeSite(site)}`)
    }
    lines.push('')
  }
  if (report.unusedExports.length > 0) {
    lines.push(
      `Unused exports (${report.unusedExports.length}); exported by an index.ts, imported nowhere outside its folder:`,
    )
    for (const [index, names] of groupBy(report.unusedExports, (entry) => entry.index)) {
      lines.push(`  ${index} (${names.length}):`)
      lines.push(...wrap(names.map((entry) => `${entry.name} (line ${entry.line})`)))
    }
    lines.push('')
  }
  const counts = [
    `${report.cycles.length} import cycles`,
    `${report.deepImports.length} deep imports`,
    `${report.unusedExports.length} unused exports`,
  ]
  lines.push(`boundary check failed: ${counts.join(', ')} in ${report.filesChecked} files`)
  return `${lines.join('\n')}\n`
}
