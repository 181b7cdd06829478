import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { entryKey } from '../contracts/index.ts'
import { entryFolder } from './catalog-paths.ts'
import { finding, type IndexedEntry, type LintFinding } from './lint-types.ts'

function listDirectory(path: string): string[] {
  try {
    return readdirSync(path).sort()
  } catch {
    return []
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** Duplicate type@version, alias collisions, and index entries without their folder files. */
export function lintEntryFolders(dir: string, entries: readonly IndexedEntry[]): LintFinding[] {
  const out: LintFinding[] = []
  const firstAt = new Map<string, IndexedEntry>()
  const types = new Set(entries.flatMap((entry) => (entry.type ? [entry.type] : [])))
  const aliasOwner = new Map<string, string>()
  for (const entry of entries) {
    if (entry.type === undefined || entry.version === undefined) continue
    const key = entryKey(entry.type, entry.version)
    const earlier = firstAt.get(key)
    if (earlier !== undefined) {
      out.push(
        finding(
          'error',
          entry.at('type'),
          `duplicate ${key} (also entry ${earlier.index})`,
          'remove one, or give the new schema the next version',
        ),
      )
      continue
    }
    firstAt.set(key, entry)
    out.push(...lintFolderFiles(dir, entry.type, entry.version))
    const aliases = Array.isArray(entry.raw.aliases)
      ? entry.raw.aliases.filter((alias) => typeof alias === 'string')
      : []
    if (new Set(aliases).size !== aliases.length) {
      out.push(finding('error', entry.at('aliases'), 'aliases lists a name twice', 'list each alias once'))
    }
    for (const alias of new Set(aliases)) {
      if (types.has(alias)) {
        out.push(
          finding(
            'error',
            entry.at('aliases'),
            `alias "${alias}" is itself a type in the catalog`,
            'remove the alias; a name means one type',
          ),
        )
      }
      const owner = aliasOwner.get(alias)
      if (owner !== undefined && owner !== entry.type) {
        out.push(
          finding(
            'error',
            entry.at('aliases'),
            `alias "${alias}" is also an alias of ${owner}`,
            'give each alias to one type only',
          ),
        )
      }
      aliasOwner.set(alias, entry.type)
    }
  }
  out.push(...lintUnindexedFolders(dir, new Set(firstAt.keys())))
  return out
}

function lintFolderFiles(dir: string, type: string, version: number): LintFinding[] {
  const out: LintFinding[] = []
  const key = entryKey(type, version)
  const folder = entryFolder(type, version)
  if (!isDirectory(join(dir, folder))) {
    return [
      finding(
        'error',
        key,
        `folder ${folder}/ is missing`,
        `run \`localhub registry scaffold ${type} --version ${version}\` or create it`,
      ),
    ]
  }
  if (!existsSync(join(dir, folder, 'schema.json'))) {
    out.push(
      finding(
        'error',
        `${folder}/schema.json`,
        `${key} has no schema.json`,
        'write its JSON Schema 2020-12 payload schema',
      ),
    )
  }
  for (const [sub, meaning] of [
    ['examples', 'a valid payload'],
    ['invalid', 'a payload that must fail validation'],
  ] as const) {
    const names = listDirectory(join(dir, folder, sub))
    if (!names.some((name) => name.endsWith('.json'))) {
      out.push(
        finding(
          'error',
          `${folder}/${sub}/`,
          `${key} has no ${sub}/*.json`,
          `add at least one file with ${meaning}`,
        ),
      )
    }
    for (const name of names.filter((other) => !other.endsWith('.json'))) {
      out.push(
        finding(
          'warning',
          `${folder}/${sub}/${name}`,
          'not a .json file; lint and generators ignore it',
          'rename it to .json or remove it',
        ),
      )
    }
  }
  return out
}

/** Folders under events/ that no index entry names, and version folders not named v<major>. */
function lintUnindexedFolders(dir: string, indexed: ReadonlySet<string>): LintFinding[] {
  const out: LintFinding[] = []
  const events = join(dir, 'events')
  for (const namespace of listDirectory(events)) {
    if (!isDirectory(join(events, namespace))) continue
    for (const name of listDirectory(join(events, namespace))) {
      if (!isDirectory(join(events, namespace, name))) continue
      for (const versionFolder of listDirectory(join(events, namespace, name))) {
        const where = `events/${namespace}/${name}/${versionFolder}/`
        if (!isDirectory(join(events, namespace, name, versionFolder))) continue
        const match = /^v([1-9][0-9]*)$/.exec(versionFolder)
        if (match === null) {
          out.push(
            finding(
              'error',
              where,
              'version folders are named v<major> (v1, v2, ...)',
              'rename the folder, e.g. v1',
            ),
          )
          continue
        }
        const key = entryKey(`${namespace}.${name}`, Number(match[1]))
        if (!indexed.has(key)) {
          out.push(
            finding(
              'error',
              where,
              `folder is not in registry.yaml (no entry ${key})`,
              `add an entry for ${key}, or delete the folder`,
            ),
          )
        }
      }
    }
  }
  return out
}
