import type { ErrorObject } from 'ajv'
import { renderValue } from '../contracts/index.ts'
import { type IssueDraft, isWithin, pointerJoin, valueAt } from './manifest-issue.ts'
import { describe, suggest } from './manifest-labels.ts'
import { collectSteps, STEP_FORMS, stepDrafts } from './step-issues.ts'

// Ajv reports what the schema engine saw; people need one sentence per real defect. This turns
// Ajv's errors into drafts: it names things by id, suggests the key or value that was probably
// meant, and drops the cascades (anyOf/if bookkeeping, everything inside a step whose kind is
// already wrong).

type Schema = Record<string, unknown>

function resolve(schema: unknown, root: Schema): Schema | undefined {
  if (schema === null || typeof schema !== 'object') return undefined
  const ref = (schema as Schema).$ref
  if (typeof ref === 'string' && ref.startsWith('#/$defs/')) {
    const definition = (root.$defs as Record<string, Schema> | undefined)?.[ref.slice('#/$defs/'.length)]
    return definition === undefined
      ? (schema as Schema)
      : { ...definition, ...(schema as Schema), $ref: undefined }
  }
  return schema as Schema
}

/** `$defs/<name>` of a schema path such as `#/$defs/Llm/allOf/0/then/required`. */
function definitionOf(schemaPath: string, root: Schema): { name: string; schema: Schema } | undefined {
  const match = /#\/\$defs\/([^/]+)/.exec(schemaPath)
  const schema = match === null ? undefined : (root.$defs as Record<string, Schema> | undefined)?.[match[1]!]
  return schema === undefined ? undefined : { name: match![1]!, schema }
}

/** What to write for a value of this schema, e.g. `realtime_audio|hybrid` or `{ type: http|ws }`. */
function hintFor(schemaValue: unknown, root: Schema, depth = 0): string {
  const schema = resolve(schemaValue, root)
  if (schema === undefined) return '…'
  if (Array.isArray(schema.enum)) return schema.enum.map(String).join('|')
  if (schema.const !== undefined) return String(schema.const)
  const type = schema.type
  if (type === 'array' || (Array.isArray(type) && type.includes('array') && !type.includes('string')))
    return '[…]'
  if (type === 'object') {
    const required = Array.isArray(schema.required) ? (schema.required as string[]) : []
    const properties = (schema.properties ?? {}) as Schema
    if (depth > 0 || required.length === 0) return '{ … }'
    return `{ ${required.map((key) => `${key}: ${hintFor(properties[key], root, depth + 1)}`).join(', ')} }`
  }
  if (type === 'boolean') return 'true|false'
  if (type === 'integer' || type === 'number') return '<number>'
  return '<text>'
}

function propertySchema(error: ErrorObject, property: string, root: Schema): unknown {
  const parent = error.parentSchema as Schema | undefined
  const own = (parent?.properties as Schema | undefined)?.[property]
  // if/then branches declare their required keys as `true`; the real schema sits on the definition.
  if (own !== null && typeof own === 'object') return own
  return (definitionOf(error.schemaPath, root)?.schema.properties as Schema | undefined)?.[property]
}

/** `(needed when type is http)` for a requirement that comes from an if/then branch. */
function condition(error: ErrorObject, root: Schema): string {
  const branch = /\/allOf\/(\d+)\/then\//.exec(error.schemaPath)
  const definition = definitionOf(error.schemaPath, root)
  if (branch === null || definition === undefined) return ''
  const allOf = definition.schema.allOf as { if?: { properties?: Record<string, { const?: unknown }> } }[]
  const properties = allOf?.[Number(branch[1])]?.if?.properties ?? {}
  const [key, rule] = Object.entries(properties)[0] ?? []
  return key === undefined || rule?.const === undefined
    ? ''
    : ` (needed when ${key} is ${String(rule.const)})`
}

function kindOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  return `the ${typeof value} ${renderValue(value).replace(/^\w+ /, '')}`
}

const TYPE_WORDS: Readonly<Record<string, string>> = Object.freeze({
  object: 'a mapping',
  array: 'a list',
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
})

const PATTERN_WORDS: readonly [RegExp, string][] = [
  [/^\^\[a-z\]\[a-z0-9_\]\*\(\\\.\[a-z0-9_\]\+\)\+/, 'a catalog type such as chat.query (or chat.query@1)'],
  [/^\^\(\[a-z\]/, 'a catalog type or pattern such as chat.query, event.* or chat.>'],
  [/^\^\[a-z\]\[a-z0-9_-\]\*\(/, 'a dotted lower-case id such as skill.llm'],
  [/^\^\(emit\|call\)/, 'emit:<type>, call:<skill id>, or a list of steps'],
  [/^\^https\?/, 'an http:// or https:// URL'],
  [/^\^\[a-z\]\[a-z0-9_\]\*\$$/, 'a lower-case snake_case name'],
  [/^\^\[a-z\]\[a-z0-9_-\]\*\$$/, 'a lower-case name (letters, digits, - and _)'],
  [/^\^\[A-Z_\]/, 'an environment variable name such as LOCALHUB_LLM_API_KEY'],
]

function patternWords(pattern: string): string {
  return PATTERN_WORDS.find(([test]) => test.test(pattern))?.[1] ?? `text matching ${pattern}`
}

function unknownKeyDraft(error: ErrorObject, root: unknown): IssueDraft {
  const key = String((error.params as { additionalProperty: unknown }).additionalProperty)
  const path = pointerJoin(error.instancePath, key)
  const parent = error.parentSchema as Schema | undefined
  const allowed = Object.keys((parent?.properties ?? {}) as Schema)
  const extensible = parent?.patternProperties !== undefined
  const where = describe(root, error.instancePath)
  const base = { path, expected: `one of ${allowed.join(', ')}`, got: renderValue(key), atKey: true }
  if (/^api_?key$|^token$|^secret$|^password$/i.test(key)) {
    const fix = Object.hasOwn(parent?.properties ?? {}, 'apiKeyEnv')
      ? 'secrets never go into the manifest: put the key in an environment variable and write apiKeyEnv: ITS_NAME'
      : 'secrets never go into the manifest: remove it'
    return { ...base, problem: `unknown key ${key} in ${where}`, fix }
  }
  const guess = suggest(key, allowed)
  const fix =
    guess !== undefined
      ? `did you mean ${guess}?`
      : `remove it; allowed keys are ${allowed.join(', ')}${extensible ? ' (or prefix your own keys with x-)' : ''}`
  return { ...base, problem: `unknown key ${key} in ${where}`, fix }
}

function enumDraft(error: ErrorObject, root: unknown): IssueDraft {
  const allowed = ((error.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String)
  const value = valueAt(root, error.instancePath)
  const shown = typeof value === 'string' ? `"${value}"` : renderValue(value)
  const guess = typeof value === 'string' ? suggest(value, allowed) : undefined
  let fix = `use one of ${allowed.join('|')}${guess === undefined ? '' : ` (did you mean ${guess}?)`}`
  if (error.instancePath.endsWith('/transport/type') && value === 'web') {
    fix = `${fix}; a browser UI reaches the hub over the kernel's WebSocket: type: ws, endpoint: /ws/events`
  }
  return {
    path: error.instancePath,
    problem: `${describe(root, error.instancePath)} is ${shown}, which is not allowed`,
    fix,
    expected: `one of ${allowed.join('|')}`,
    got: renderValue(value),
  }
}

function genericDraft(error: ErrorObject, root: unknown, schemaRoot: Schema): IssueDraft | undefined {
  const params = error.params as Record<string, unknown>
  const path = error.instancePath
  const value = valueAt(root, path)
  const where = describe(root, path)
  const got = renderValue(value)
  const draft = (problem: string, fix: string, expected: string): IssueDraft => ({
    path,
    problem,
    fix,
    expected,
    got,
  })
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty)
      const hint = hintFor(propertySchema(error, missing, schemaRoot), schemaRoot)
      return {
        path: pointerJoin(path, missing),
        problem: `${where} is missing ${missing}${condition(error, schemaRoot)}`,
        fix: `add ${missing}: ${hint}`,
        expected: `property ${missing}`,
        got: 'nothing',
      }
    }
    case 'additionalProperties':
      return unknownKeyDraft(error, root)
    case 'enum':
      return enumDraft(error, root)
    case 'type': {
      const types = String(params.type).split(',')
      const words = types.map((type) => TYPE_WORDS[type] ?? type).join(' or ')
      const isStep = /^\/pipelines\/\d+\/steps\/\d+(\/(then|else)\/\d+)*$/.test(path)
      const example = isStep ? STEP_FORMS : hintFor(error.parentSchema, schemaRoot)
      return draft(`${where} must be ${words}, not ${kindOf(value)}`, `write ${example}`, words)
    }
    case 'pattern': {
      const words = patternWords(String(params.pattern))
      return draft(`${where} is ${renderValue(value)}, not ${words}`, `write ${words}`, words)
    }
    case 'minItems':
    case 'minLength':
    case 'minProperties': {
      const what =
        error.keyword === 'minLength' ? 'characters' : error.keyword === 'minItems' ? 'items' : 'keys'
      return draft(
        `${where} needs at least ${String(params.limit)} ${what}`,
        'fill it in or remove it',
        `≥ ${String(params.limit)} ${what}`,
      )
    }
    case 'maximum':
    case 'minimum':
      return draft(
        `${where} is ${got}, out of range`,
        `use a number ${params.comparison} ${String(params.limit)}`,
        `${params.comparison} ${String(params.limit)}`,
      )
    case 'uniqueItems':
      return draft(
        `${where} lists the same entry twice (items ${Number(params.j) + 1} and ${Number(params.i) + 1})`,
        'remove the repeated entry',
        'unique items',
      )
    case 'if':
    case 'anyOf':
    case 'oneOf':
      // Bookkeeping of the branches; the branch's own errors say what is wrong.
      return undefined
    default:
      return draft(
        `${where}: ${error.message ?? error.keyword}`,
        'see catalog/hub-manifest.schema.json',
        error.keyword,
      )
  }
}

/** A transition keyed `true` instead of `on`: the file went through a YAML 1.1 parser. */
function booleanOnDrafts(root: unknown): { drafts: IssueDraft[]; paths: Set<string> } {
  const drafts: IssueDraft[] = []
  const paths = new Set<string>()
  const transitions = valueAt(root, '/kernel/stateMachine/transitions')
  if (!Array.isArray(transitions)) return { drafts, paths }
  transitions.forEach((transition, index) => {
    if (transition === null || typeof transition !== 'object') return
    if (!Object.hasOwn(transition, 'true') || Object.hasOwn(transition, 'on')) return
    const path = `/kernel/stateMachine/transitions/${index}`
    paths.add(path)
    drafts.push({
      path: `${path}/true`,
      atKey: true,
      problem: `${describe(root, path)} has the key true where on: belongs (a YAML 1.1 parser read the bare on: as the boolean true)`,
      fix: 'write "on": with quotes, or read the file as YAML 1.2 (localhub does)',
      expected: 'property on',
      got: 'property true',
    })
  })
  return { drafts, paths }
}

export function schemaIssueDrafts(
  errors: readonly ErrorObject[],
  root: unknown,
  schemaRoot: Schema,
): IssueDraft[] {
  const steps = collectSteps(root)
  const badSteps = steps.filter((step) => step.kinds.length !== 1 && step.isObject).map((step) => step.path)
  const booleanOn = booleanOnDrafts(root)
  const drafts: IssueDraft[] = [...stepDrafts(steps, root), ...booleanOn.drafts]
  // A value of the wrong type also fails its enum/pattern/length rules: report the type only.
  const wrongType = new Set(
    errors.filter((error) => error.keyword === 'type').map((error) => error.instancePath),
  )
  // `pipeline:` for `pipelines:` is one defect: the unknown key's advice covers the missing one.
  const misspelled = new Set<string>()
  for (const error of errors) {
    if (error.keyword !== 'additionalProperties') continue
    const key = String((error.params as { additionalProperty: unknown }).additionalProperty)
    const allowed = Object.keys(((error.parentSchema as Schema | undefined)?.properties ?? {}) as Schema)
    const guess = suggest(key, allowed)
    if (guess !== undefined) misspelled.add(pointerJoin(error.instancePath, guess))
  }
  for (const error of errors) {
    if (error.keyword !== 'type' && wrongType.has(error.instancePath)) continue
    if (error.keyword === 'required') {
      const missing = pointerJoin(
        error.instancePath,
        String((error.params as { missingProperty: unknown }).missingProperty),
      )
      if (misspelled.has(missing)) continue
    }
    if (badSteps.some((path) => isWithin(error.instancePath, path))) continue
    if (booleanOn.paths.has(error.instancePath)) {
      const params = error.params as Record<string, unknown>
      if (params.additionalProperty === 'true' || params.missingProperty === 'on') continue
    }
    if (/\/(anyOf|oneOf)\/\d+\//.test(error.schemaPath)) continue
    const draft = genericDraft(error, root, schemaRoot)
    if (draft !== undefined) drafts.push(draft)
  }
  return drafts
}
