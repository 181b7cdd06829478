export type LintLevel = 'error' | 'warning'

/** One problem found in the catalog: where exactly, what is wrong, and how to fix it. */
export interface LintFinding {
  level: LintLevel
  /** A catalog-relative file plus JSON pointer (`events/chat/query/v1/schema.json#/properties/text`), or `type@version`. */
  where: string
  message: string
  fix: string
}

/** One registry.yaml entry as written, with what lint needs to point back at it. */
export interface IndexedEntry {
  index: number
  raw: Record<string, unknown>
  /** Present when the entry's type and version are usable (valid name, integer ≥ 1). */
  type?: string
  version?: number
  /** `registry.yaml#/entries/<n>` plus the line, for findings about a field of this entry. */
  at(field?: string): string
}

export function finding(level: LintLevel, where: string, message: string, fix: string): LintFinding {
  return { level, where, message, fix }
}

/** The seeds whose names are kept as the seeds wrote them, even when they break the naming rule. */
export const SEED_ORIGINS: ReadonlySet<string> = new Set(['000', '001', '002', '003', '004'])
export const KNOWN_ORIGINS: ReadonlySet<string> = new Set([...SEED_ORIGINS, 'product'])

export function fromSeed(entry: IndexedEntry): boolean {
  const origin = entry.raw.origin
  return Array.isArray(origin) && origin.some((value) => SEED_ORIGINS.has(String(value)))
}

export const TYPE_NAME_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/
