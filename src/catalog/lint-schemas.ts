import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ErrorObject, ValidateFunction } from 'ajv'
import { collectRedactionRules, createAjv } from '../contracts/index.ts'
import { entryFolder } from './catalog-paths.ts'
import { finding, type IndexedEntry, type LintFinding } from './lint-types.ts'

const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema'
const MAX_WALK_DEPTH = 32

type JsonRead = { ok: true; value: unknown } | { ok: false; message: string }

function readJsonFile(path: string): JsonRead {
  try {
    return { ok: true, value: JSON.parse(readFileSync(path, 'utf8')) }
  } catch (cause) {
    return { ok: false, message: (cause as Error).message }
  }
}

function jsonFiles(folder: string): string[] {
  try {
    return readdirSync(folder)
      .filter((name) => name.endsWith('.json'))
      .sort()
  } catch {
    return []
  }
}

function describeAjvError(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>
  const extra =
    params.additionalProperty !== undefined ? ` (${JSON.stringify(params.additionalProperty)})` : ''
  return `${error.instancePath || '/'} ${error.message ?? error.keyword}${extra}`
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Nested objects that declare properties but leave additionalProperties unsaid (open by omission). */
function openByOmission(node: unknown, pointer: string, depth: number, out: string[]): void {
  if (!isRecord(node) || depth > MAX_WALK_DEPTH) return
  const declaresObject = node.type === 'object' || (Array.isArray(node.type) && node.type.includes('object'))
  if (
    pointer !== '' &&
    declaresObject &&
    isRecord(node.properties) &&
    node.additionalProperties === undefined
  ) {
    out.push(pointer)
  }
  for (const key of ['properties', '$defs', 'definitions']) {
    const children = node[key]
    if (isRecord(children)) {
      for (const [name, child] of Object.entries(children)) {
        openByOmission(
          child,
          `${pointer}/${key}/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`,
          depth + 1,
          out,
        )
      }
    }
  }
  for (const key of ['items', 'additionalProperties'])
    openByOmission(node[key], `${pointer}/${key}`, depth + 1, out)
  for (const key of ['oneOf', 'anyOf', 'allOf', 'prefixItems']) {
    const list = node[key]
    if (!Array.isArray(list)) continue
    for (const [index, child] of list.entries())
      openByOmission(child, `${pointer}/${key}/${index}`, depth + 1, out)
  }
}

/** Checks the documentation and shape rules of one payload schema; returns its validator when it compiles. */
function lintSchemaDocument(
  schema: unknown,
  file: string,
  entry: IndexedEntry,
  ajv: ReturnType<typeof createAjv>,
  out: LintFinding[],
): ValidateFunction | undefined {
  if (!isRecord(schema)) {
    out.push(
      finding(
        'error',
        file,
        'a payload schema must be a JSON object',
        'start from `localhub registry scaffold`',
      ),
    )
    return undefined
  }
  if (schema.$schema !== DRAFT_2020_12) {
    out.push(
      finding(
        'warning',
        `${file}#/$schema`,
        `$schema is ${JSON.stringify(schema.$schema)}`,
        `set "$schema": "${DRAFT_2020_12}"`,
      ),
    )
  }
  for (const key of ['title', 'description'] as const) {
    if (typeof schema[key] !== 'string' || (schema[key] as string).trim() === '') {
      out.push(
        finding(
          'error',
          `${file}#/${key}`,
          `the schema has no ${key}`,
          key === 'title' ? 'e.g. "title": "ChatQueryPayload"' : 'say what the payload carries',
        ),
      )
    }
  }
  if (schema.type !== 'object') {
    out.push(
      finding(
        'error',
        `${file}#/type`,
        'a payload is an object: the root needs "type": "object"',
        'set "type": "object"',
      ),
    )
  }
  const isUnion = Array.isArray(schema.oneOf) || Array.isArray(schema.anyOf)
  if (schema.additionalProperties === undefined && !(isUnion && schema.properties === undefined)) {
    out.push(
      finding(
        'warning',
        `${file}#/additionalProperties`,
        'the payload is open by omission (additionalProperties unsaid)',
        'set "additionalProperties": false, or true to document an open payload',
      ),
    )
  }
  const open: string[] = []
  openByOmission(schema, '', 0, open)
  for (const pointer of open) {
    out.push(
      finding(
        'warning',
        `${file}#${pointer}`,
        'this object is open by omission (additionalProperties unsaid)',
        'set "additionalProperties": false (or true on purpose)',
      ),
    )
  }
  if (schema['x-redact'] !== undefined) {
    out.push(
      finding(
        'warning',
        `${file}#/x-redact`,
        'x-redact on the root is ignored',
        'put x-redact on the fields to redact',
      ),
    )
  }
  try {
    collectRedactionRules(schema, file)
  } catch (cause) {
    out.push(finding('error', file, (cause as Error).message, 'use drop, hash or cap:<n>'))
  }
  const semantics = entry.raw.semantics
  const idempotencyKey = isRecord(semantics) ? semantics.idempotencyKey : undefined
  if (
    typeof idempotencyKey === 'string' &&
    !(isRecord(schema.properties) && Object.hasOwn(schema.properties, idempotencyKey))
  ) {
    out.push(
      finding(
        'error',
        entry.at('semantics/idempotencyKey'),
        `idempotencyKey "${idempotencyKey}" is not a property of the payload`,
        'name a top-level payload field',
      ),
    )
  }
  const { $id: _id, ...compilable } = schema
  try {
    return ajv.compile(compilable)
  } catch (cause) {
    out.push(
      finding(
        'error',
        file,
        `does not compile (Ajv 2020, strict): ${(cause as Error).message}`,
        'fix the keyword named; custom keywords other than x-redact are not allowed',
      ),
    )
    return undefined
  }
}

/** Each entry's schema documents itself and compiles; its examples pass and its invalid ones fail. */
export function lintEntrySchemas(dir: string, entries: readonly IndexedEntry[]): LintFinding[] {
  const out: LintFinding[] = []
  const seen = new Set<string>()
  // One Ajv for all payloads ($id stripped, so versions cannot collide): adding formats is the costly part.
  const ajv = createAjv()
  for (const entry of entries) {
    if (entry.type === undefined || entry.version === undefined) continue
    const folder = entryFolder(entry.type, entry.version)
    if (seen.has(folder) || !existsSync(join(dir, folder, 'schema.json'))) continue
    seen.add(folder)
    const file = `${folder}/schema.json`
    const read = readJsonFile(join(dir, file))
    if (!read.ok) {
      out.push(finding('error', file, `not valid JSON: ${read.message}`, 'fix the JSON syntax'))
      continue
    }
    const validate = lintSchemaDocument(read.value, file, entry, ajv, out)
    if (validate === undefined) continue
    for (const name of jsonFiles(join(dir, folder, 'examples'))) {
      const where = `${folder}/examples/${name}`
      const example = readJsonFile(join(dir, where))
      if (!example.ok)
        out.push(finding('error', where, `not valid JSON: ${example.message}`, 'fix the JSON syntax'))
      else if (!validate(example.value)) {
        const problems = (validate.errors ?? []).map(describeAjvError)
        out.push(
          finding(
            'error',
            where,
            `example fails its schema: ${problems.join('; ')}`,
            'fix the example or the schema',
          ),
        )
      }
    }
    for (const name of jsonFiles(join(dir, folder, 'invalid'))) {
      const where = `${folder}/invalid/${name}`
      const example = readJsonFile(join(dir, where))
      if (!example.ok)
        out.push(
          finding(
            'error',
            where,
            `not valid JSON: ${example.message}`,
            'invalid/ holds JSON payloads that break the schema, not broken JSON',
          ),
        )
      else if (validate(example.value)) {
        out.push(
          finding(
            'error',
            where,
            'this invalid example passes validation',
            'tighten the schema so it fails, or move the file to examples/',
          ),
        )
      }
    }
  }
  return out
}

/** envelope.schema.json and result.schema.json must exist and compile; hub-manifest.schema.json and scenario.schema.json when present. */
export function lintCatalogSchemas(dir: string): LintFinding[] {
  const out: LintFinding[] = []
  for (const [file, required] of [
    ['envelope.schema.json', true],
    ['result.schema.json', true],
    ['hub-manifest.schema.json', false],
    ['scenario.schema.json', false],
  ] as const) {
    if (!existsSync(join(dir, file))) {
      if (required) out.push(finding('error', file, `${file} is missing`, 'restore it from version control'))
      continue
    }
    const read = readJsonFile(join(dir, file))
    if (!read.ok || !isRecord(read.value)) {
      out.push(
        finding(
          'error',
          file,
          read.ok ? 'not a JSON object' : `not valid JSON: ${read.message}`,
          'fix the JSON',
        ),
      )
      continue
    }
    const { $id: _id, ...compilable } = read.value
    try {
      createAjv().compile(compilable)
    } catch (cause) {
      out.push(
        finding(
          'error',
          file,
          `does not compile (Ajv 2020, strict): ${(cause as Error).message}`,
          'fix the keyword named',
        ),
      )
    }
  }
  return out
}
