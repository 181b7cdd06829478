import { isDeepStrictEqual } from 'node:util'
import { createAjv, entryKey, type RegistryDocument, type RegistryEntry } from '../contracts/index.ts'
import { entryFolder } from './catalog-paths.ts'
import { finding, type LintFinding } from './lint-types.ts'

// A published type@version is a promise: payloads valid yesterday stay valid. A change that can
// reject such a payload needs a new major folder (seed 001). The baseline is the last generated
// catalog/dist/registry.json, so the check compares against what was last shipped.

const MAX_DIFF_DEPTH = 32
type Node = Record<string, unknown>

function isRecord(value: unknown): value is Node {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function typeSet(node: Node): Set<string> | undefined {
  if (node.type === undefined) return undefined
  const types = new Set(Array.isArray(node.type) ? node.type.map(String) : [String(node.type)])
  if (types.has('number')) types.add('integer')
  return types
}

const UPPER_BOUNDS = ['maxLength', 'maxItems', 'maximum', 'exclusiveMaximum', 'maxProperties'] as const
const LOWER_BOUNDS = ['minLength', 'minItems', 'minimum', 'exclusiveMinimum', 'minProperties'] as const

/** Changes from `before` to `after` that can reject a payload `before` accepted (a heuristic subset). */
export function breakingChanges(before: unknown, after: unknown, pointer = '', depth = 0): string[] {
  if (!isRecord(before) || !isRecord(after) || depth > MAX_DIFF_DEPTH) return []
  const out: string[] = []
  const at = pointer || '/'
  const oldTypes = typeSet(before)
  const newTypes = typeSet(after)
  if (newTypes && (!oldTypes || [...oldTypes].some((type) => !newTypes.has(type)))) {
    out.push(
      `${at}: type narrowed from ${oldTypes ? [...oldTypes].join('|') : 'any'} to ${[...newTypes].join('|')}`,
    )
  }
  if (Array.isArray(after.enum)) {
    const allowed = after.enum
    const lost = Array.isArray(before.enum)
      ? before.enum.filter((value) => !allowed.some((other) => isDeepStrictEqual(value, other)))
      : ['(any value)']
    if (lost.length > 0)
      out.push(`${at}: enum no longer allows ${lost.map((value) => JSON.stringify(value)).join(', ')}`)
  }
  if (after.const !== undefined && !isDeepStrictEqual(before.const, after.const))
    out.push(`${at}: const changed`)
  if (after.pattern !== undefined && after.pattern !== before.pattern) out.push(`${at}: pattern changed`)
  for (const key of UPPER_BOUNDS) {
    const now = after[key]
    if (typeof now === 'number' && !(typeof before[key] === 'number' && (before[key] as number) <= now)) {
      out.push(`${at}: ${key} lowered to ${now}`)
    }
  }
  for (const key of LOWER_BOUNDS) {
    const now = after[key]
    if (typeof now === 'number' && !(typeof before[key] === 'number' && (before[key] as number) >= now)) {
      out.push(`${at}: ${key} raised to ${now}`)
    }
  }
  const oldRequired = new Set(Array.isArray(before.required) ? before.required : [])
  for (const name of Array.isArray(after.required) ? after.required : []) {
    if (!oldRequired.has(name)) out.push(`${at}: property ${JSON.stringify(name)} became required`)
  }
  const oldProperties = isRecord(before.properties) ? before.properties : {}
  const newProperties = isRecord(after.properties) ? after.properties : {}
  if (after.additionalProperties === false) {
    if (before.additionalProperties !== false) out.push(`${at}: additionalProperties closed`)
    for (const name of Object.keys(oldProperties)) {
      if (!Object.hasOwn(newProperties, name)) out.push(`${at}: property ${JSON.stringify(name)} removed`)
    }
  }
  for (const [name, child] of Object.entries(newProperties)) {
    if (Object.hasOwn(oldProperties, name)) {
      out.push(...breakingChanges(oldProperties[name], child, `${pointer}/properties/${name}`, depth + 1))
    }
  }
  out.push(...breakingChanges(before.items, after.items, `${pointer}/items`, depth + 1))
  return out
}

/** Compares the catalog with the baseline (the last generated index) entry by entry. */
export function lintBreaking(current: RegistryDocument, baseline: RegistryDocument): LintFinding[] {
  const out: LintFinding[] = []
  const ajv = createAjv()
  const now = new Map<string, RegistryEntry>(
    current.entries.map((entry) => [entryKey(entry.type, entry.version), entry]),
  )
  for (const old of baseline.entries) {
    const key = entryKey(old.type, old.version)
    const entry = now.get(key)
    if (entry === undefined) {
      out.push(
        finding(
          'warning',
          key,
          `${key} was in the last generated registry and is gone`,
          'deprecate a type before removing it; run `npm run gen` when intended',
        ),
      )
      continue
    }
    if (isDeepStrictEqual(old.schema, entry.schema)) continue
    const file = `${entryFolder(entry.type, entry.version)}/schema.json`
    const fix = `keep ${key} compatible, or put the new schema in ${entryFolder(entry.type, entry.version + 1)}/`
    for (const change of breakingChanges(old.schema, entry.schema)) {
      out.push(
        finding(
          'error',
          `${file}#${change.slice(0, change.indexOf(':'))}`,
          `breaking change to published ${key}: ${change.slice(change.indexOf(':') + 2)}`,
          fix,
        ),
      )
    }
    const { $id: _id, ...compilable } = entry.schema
    let validate: ReturnType<typeof ajv.compile>
    try {
      validate = ajv.compile(compilable)
    } catch {
      continue // reported by the schema checks
    }
    old.examples.forEach((example, index) => {
      if (!validate(example)) {
        out.push(
          finding(
            'error',
            file,
            `breaking change to published ${key}: its former example ${index + 1} no longer validates`,
            fix,
          ),
        )
      }
    })
  }
  return out
}
