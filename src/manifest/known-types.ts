import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { HubError } from '../contracts/index.ts'
import { suggestType } from './manifest-labels.ts'

/** The catalog index shipped with this package (hand-written; entries have `type` and `version`). */
export const DEFAULT_REGISTRY_YAML_PATH = fileURLToPath(
  new URL('../../catalog/registry.yaml', import.meta.url),
)

export interface TypeEntryLike {
  type?: unknown
  version?: unknown
  aliases?: unknown
}

/**
 * The names a manifest may use for catalog types: every `type` and alias (decision 0102 keeps the
 * seed manifest's own names, such as llm.complete.stream, as aliases), each also as name@major
 * (seed 001 names subscriptions that way).
 */
export function knownTypesFromEntries(entries: Iterable<TypeEntryLike>): Set<string> {
  const names = new Set<string>()
  for (const entry of entries) {
    if (typeof entry?.type !== 'string' || entry.type.length === 0) continue
    const aliases = Array.isArray(entry.aliases)
      ? entry.aliases.filter((alias) => typeof alias === 'string')
      : []
    const versioned = Number.isInteger(entry.version) && (entry.version as number) >= 1
    for (const name of [entry.type, ...(aliases as string[])]) {
      names.add(name)
      if (versioned) names.add(`${name}@${entry.version}`)
    }
  }
  return names
}

/** Known type names from the text of catalog/registry.yaml. */
export function knownTypesFromRegistryYaml(text: string, source = 'registry.yaml'): Set<string> {
  let document: { entries?: unknown }
  try {
    document = parseYaml(text, { version: '1.2', uniqueKeys: true, maxAliasCount: 100 }) as typeof document
  } catch (cause) {
    throw new HubError('E_VALIDATION', `${source} is not valid YAML: ${(cause as Error).message}`, { cause })
  }
  if (document === null || typeof document !== 'object' || !Array.isArray(document.entries)) {
    throw new HubError('E_VALIDATION', `${source} has no entries list`)
  }
  return knownTypesFromEntries(document.entries as TypeEntryLike[])
}

export function readKnownTypes(path: string = DEFAULT_REGISTRY_YAML_PATH): Set<string> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw new HubError('E_IO', `cannot read the catalog index ${path}`, { cause })
  }
  return knownTypesFromRegistryYaml(text, path)
}

function patternMatcher(pattern: string): RegExp {
  const tokens = pattern.split('.').map((token) => {
    if (token === '*') return '[^.]+'
    if (token === '>') return '.+'
    return token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  })
  return new RegExp(`^${tokens.join('\\.')}$`)
}

/** Why `reference` names no catalog type, with the fix; undefined when it does. */
export function typeReferenceProblem(
  reference: string,
  knownTypes: ReadonlySet<string>,
): { problem: string; fix: string } | undefined {
  const at = reference.lastIndexOf('@')
  const name = at === -1 ? reference : reference.slice(0, at)
  const plainNames = [...knownTypes].filter((known) => !known.includes('@'))
  if (name.split('.').some((token) => token === '*' || token === '>')) {
    const matcher = patternMatcher(name)
    if (plainNames.some((known) => matcher.test(known))) return undefined
    const wider = name.endsWith('.*') ? `${name.slice(0, -1)}>` : undefined
    const widerMatches = wider !== undefined && plainNames.some((known) => patternMatcher(wider).test(known))
    return {
      problem: `the pattern ${reference} matches no catalog type`,
      fix: widerMatches
        ? `did you mean ${wider}? (* stands for exactly one token, > for all the rest)`
        : 'name a namespace that exists in catalog/registry.yaml',
    }
  }
  if (knownTypes.has(reference)) return undefined
  if (at !== -1 && knownTypes.has(name)) {
    const versions = [...knownTypes].filter((known) => known.startsWith(`${name}@`))
    return {
      problem: `${name} has no major version ${reference.slice(at + 1)} in the catalog`,
      fix: versions.length > 0 ? `use ${versions.join(' or ')}` : `write ${name} without a version`,
    }
  }
  const guess = suggestType(name, plainNames)
  return {
    problem: `${reference} is not a catalog type`,
    fix:
      guess !== undefined
        ? `did you mean ${guess}${at === -1 ? '' : reference.slice(at)}?`
        : `use a type from catalog/registry.yaml, or add ${name} to the catalog`,
  }
}
