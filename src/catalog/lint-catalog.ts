import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { RegistryDocument } from '../contracts/index.ts'
import { DEFAULT_CATALOG_DIR } from './catalog-paths.ts'
import { lintBreaking } from './lint-breaking.ts'
import { lintEntryFolders } from './lint-folders.ts'
import { lintIndex } from './lint-index.ts'
import { lintNaming } from './lint-naming.ts'
import { lintCatalogSchemas, lintEntrySchemas } from './lint-schemas.ts'
import { finding, type LintFinding } from './lint-types.ts'
import { loadCatalog, readRegistry } from './load-catalog.ts'

export interface LintOptions {
  /**
   * The last published index to check for breaking changes: a document, a path to a
   * registry.json, or false to skip. Default: <catalog>/dist/registry.json when it exists.
   */
  baseline?: RegistryDocument | string | false
}

function loadBaseline(
  dir: string,
  option: LintOptions['baseline'],
  out: LintFinding[],
): RegistryDocument | undefined {
  if (option === false) return undefined
  if (typeof option === 'object') return option
  const path = option ?? join(dir, 'dist', 'registry.json')
  if (!existsSync(path)) return undefined
  try {
    return readRegistry(path)
  } catch (cause) {
    out.push(
      finding('warning', path, `cannot read the baseline: ${(cause as Error).message}`, 'run `npm run gen`'),
    )
    return undefined
  }
}

/**
 * Every rule of the catalog: the index against the folders, entry fields, schemas and their
 * examples, naming, deprecations, and breaking changes against the last generated index.
 * Errors first, each group in catalog order.
 */
export function lintCatalog(dir: string = DEFAULT_CATALOG_DIR, options: LintOptions = {}): LintFinding[] {
  const index = lintIndex(dir)
  const findings = [
    ...index.findings,
    ...lintCatalogSchemas(dir),
    ...lintEntryFolders(dir, index.entries),
    ...lintEntrySchemas(dir, index.entries),
    ...lintNaming(index.entries),
  ]
  const baseline = loadBaseline(dir, options.baseline, findings)
  if (baseline !== undefined) {
    let current: RegistryDocument | undefined
    try {
      current = loadCatalog(dir).document
    } catch {
      current = undefined // whatever stops loading was reported above
    }
    if (current !== undefined) findings.push(...lintBreaking(current, baseline))
  }
  return [
    ...findings.filter((item) => item.level === 'error'),
    ...findings.filter((item) => item.level === 'warning'),
  ]
}

export function hasErrors(findings: readonly LintFinding[]): boolean {
  return findings.some((item) => item.level === 'error')
}

/** Human-readable lines: `error  <where>  <message>` then `       fix: <fix>`. */
export function formatFindings(findings: readonly LintFinding[]): string {
  const lines = findings.map(
    (item) =>
      `${item.level === 'error' ? 'error  ' : 'warning'}  ${item.where}  ${item.message}\n         fix: ${item.fix}`,
  )
  const errors = findings.filter((item) => item.level === 'error').length
  lines.push(`${errors} error(s), ${findings.length - errors} warning(s)`)
  return lines.join('\n')
}
