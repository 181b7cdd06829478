import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import { closestMatch, HubError, pointerJoin, renderValue } from '../contracts/index.ts'
import type { ManifestProblem } from '../manifest/index.ts'

// catalog/scenario.schema.json compiled once per ScenarioSchema, and Ajv's errors turned into one
// sentence per defect with a JSON pointer, what was expected, what was there and a fix — the
// manifest's error style (decision 0303), worded for scenario files.

export const DEFAULT_SCENARIO_SCHEMA_PATH = fileURLToPath(
  new URL('../../catalog/scenario.schema.json', import.meta.url),
)

type Schema = Record<string, unknown>

export interface ScenarioSchema {
  readonly schema: Readonly<Schema>
  /** One draft per defect (empty when the value follows the schema). */
  problems(value: unknown): ManifestProblem[]
}

const TYPE_WORDS: Readonly<Record<string, string>> = Object.freeze({
  object: 'a mapping',
  array: 'a list',
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
})

function valueAt(root: unknown, pointer: string): unknown {
  let current = root
  for (const raw of pointer.split('/').slice(1)) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, token)) return undefined
    current = (current as Record<string, unknown>)[token]
  }
  return current
}

function kindOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  return renderValue(value)
}

/** `/steps/2/need` → `step "find": need` so messages name things as the file does. */
function where(root: unknown, pointer: string): string {
  if (pointer === '') return 'the scenario'
  const step = /^\/steps\/(\d+)(.*)$/.exec(pointer)
  if (step !== null) {
    const id = valueAt(root, `/steps/${step[1]}/id`)
    const name = typeof id === 'string' && id.length <= 100 ? `step "${id}"` : `step ${Number(step[1]) + 1}`
    return step[2] === '' ? name : `${name}: ${step[2]!.slice(1).replaceAll('/', '.')}`
  }
  return pointer.slice(1).replaceAll('/', '.')
}

function draft(root: unknown, error: ErrorObject): ManifestProblem | undefined {
  const params = error.params as Record<string, unknown>
  const path = error.instancePath
  const value = valueAt(root, path)
  const got = renderValue(value)
  const at = where(root, path)
  const parent = error.parentSchema as Schema | undefined
  // A key of a prefer / fallback / forbid.steps mapping that breaks the key rules (Ajv reports it
  // on the mapping, naming the key in propertyName).
  const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName
  if (propertyName !== undefined) {
    return {
      path: pointerJoin(path, propertyName),
      atKey: true,
      problem: `key ${renderValue(propertyName)} in ${at} is not a step id or capability (${error.message ?? error.keyword})`,
      fix: 'use a step id or a capability name of at most 300 characters',
      expected: 'a step id or capability',
      got: renderValue(propertyName),
    }
  }
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty)
      return {
        path: pointerJoin(path, missing),
        problem: `${at} is missing ${missing}`,
        fix: `add ${missing}`,
        expected: `property ${missing}`,
        got: 'nothing',
      }
    }
    case 'additionalProperties': {
      const key = String(params.additionalProperty)
      const allowed = Object.keys((parent?.properties ?? {}) as Schema)
      const guess = closestMatch(key, allowed)
      return {
        path: pointerJoin(path, key),
        atKey: true,
        problem: `unknown key ${key} in ${at}`,
        fix:
          guess === undefined
            ? `remove it; allowed keys are ${allowed.join(', ')}${parent?.patternProperties === undefined ? '' : ' (or prefix your own with x-)'}`
            : `did you mean ${guess}?`,
        expected: `one of ${allowed.join(', ')}`,
        got: renderValue(key),
      }
    }
    case 'enum': {
      const allowed = ((params.allowedValues as unknown[]) ?? []).map(String)
      const guess = typeof value === 'string' ? closestMatch(value, allowed) : undefined
      return {
        path,
        problem: `${at} is ${got}, which is not allowed`,
        fix: `use one of ${allowed.join('|')}${guess === undefined ? '' : ` (did you mean ${guess}?)`}`,
        expected: `one of ${allowed.join('|')}`,
        got,
      }
    }
    case 'const':
      return {
        path,
        problem: `${at} is ${got}`,
        fix: `write ${JSON.stringify(params.allowedValue)}`,
        expected: JSON.stringify(params.allowedValue),
        got,
      }
    case 'type': {
      const words = String(params.type)
        .split(',')
        .map((type) => TYPE_WORDS[type] ?? type)
        .join(' or ')
      return {
        path,
        problem: `${at} must be ${words}, not ${kindOf(value)}`,
        fix: `write ${words}`,
        expected: words,
        got,
      }
    }
    case 'anyOf':
      // prefer/fallback: text, or a mapping of steps to text (the branches' own errors say less).
      return {
        path,
        problem: `${at} must be a hint (text) or a mapping of step id or capability to a hint, not ${kindOf(value)}`,
        fix: 'write e.g. hub, or { find: member:any, display: browser }',
        expected: 'a hint or a mapping of hints',
        got,
      }
    case 'pattern': {
      const words = patternWords(String(params.pattern))
      return {
        path,
        problem: `${at} is ${got}, not ${words.noun}`,
        fix: words.fix,
        expected: words.noun,
        got,
      }
    }
    case 'maxItems':
    case 'maxLength':
    case 'maxProperties':
    case 'minItems':
    case 'minLength':
    case 'minProperties': {
      const what = error.keyword.endsWith('Length')
        ? 'characters'
        : error.keyword.endsWith('Items')
          ? 'items'
          : 'keys'
      const most = error.keyword.startsWith('max')
      return {
        path,
        problem: most
          ? `${at} has more than the ${String(params.limit)} ${what} allowed`
          : `${at} needs at least ${String(params.limit)} ${what}`,
        fix: most ? `keep it to ${String(params.limit)} ${what}` : 'fill it in or remove it',
        expected: `${most ? '≤' : '≥'} ${String(params.limit)} ${what}`,
        got: Array.isArray(value) ? `${value.length} items` : got,
      }
    }
    case 'uniqueItems':
      return {
        path,
        problem: `${at} lists the same entry twice (items ${Number(params.j) + 1} and ${Number(params.i) + 1})`,
        fix: 'remove the repeated entry',
        expected: 'unique items',
        got,
      }
    case 'propertyNames':
      return undefined
    default:
      return {
        path,
        problem: `${at}: ${error.message ?? error.keyword}`,
        fix: 'see catalog/scenario.schema.json',
        expected: error.keyword,
        got,
      }
  }
}

function patternWords(pattern: string): { noun: string; fix: string } {
  if (pattern.startsWith('^capability://'))
    return { noun: 'a capability URI', fix: 'write capability://<name>, e.g. capability://media.search' }
  if (pattern.startsWith('^agent://'))
    return { noun: 'an agent URI', fix: 'write agent://<hub|member|browser>/<id>, e.g. agent://member/tv' }
  if (pattern.startsWith('^skill://'))
    return {
      noun: 'a skill address',
      fix: 'write skill://<kind>/<id>/<capability>, e.g. skill://member/m1/media.search',
    }
  if (pattern.startsWith('^[a-z]'))
    return {
      noun: 'a lower-case name',
      fix: 'use lower-case letters, digits, . _ and -, starting with a letter',
    }
  return { noun: `text matching ${pattern}`, fix: 'use letters, digits, . _ : and -' }
}

/** Compiles the scenario schema (the package's, unless `schema` is given). */
export function createScenarioSchema(schema?: Schema): ScenarioSchema {
  const source = schema ?? (JSON.parse(readFileSync(DEFAULT_SCENARIO_SCHEMA_PATH, 'utf8')) as Schema)
  const { $id: _id, ...compilable } = source
  const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true })
  let validate: ValidateFunction
  try {
    validate = ajv.compile(compilable)
  } catch (cause) {
    throw new HubError('E_VALIDATION', `scenario schema does not compile: ${(cause as Error).message}`, {
      cause,
    })
  }
  return Object.freeze({
    schema: Object.freeze(source),
    problems(value: unknown): ManifestProblem[] {
      if (validate(value)) return []
      const errors = validate.errors ?? []
      // A value of the wrong type also fails its other rules: report the type only.
      const wrongType = new Set(
        errors.filter((error) => error.keyword === 'type').map((error) => error.instancePath),
      )
      // prefer/fallback (anyOf text | mapping): a mapping's entries explain themselves, text its
      // own rules; any other value gets the anyOf's one sentence.
      const anyOfPaths = new Set(
        errors.filter((error) => error.keyword === 'anyOf').map((error) => error.instancePath),
      )
      const drafts: ManifestProblem[] = []
      for (const error of errors) {
        if (anyOfPaths.has(error.instancePath)) {
          const found = valueAt(value, error.instancePath)
          const plain =
            typeof found === 'string' ||
            (typeof found === 'object' && found !== null && !Array.isArray(found))
          if (error.keyword === 'anyOf' ? plain : !plain || error.keyword === 'type') continue
        } else if (error.keyword !== 'type' && wrongType.has(error.instancePath)) continue
        const made = draft(value, error)
        if (made !== undefined) drafts.push(made)
      }
      return drafts
    },
  })
}
