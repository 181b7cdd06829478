// Writes small catalogs (registry.yaml + events/ folders) into a temp dir, so catalog lint,
// generators and scaffolding are tested on known input rather than on the growing real catalog.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { makeTempDir } from './temp-dir.ts'

export interface FixtureEntry {
  type: string
  version?: number
  kind?: 'event' | 'command' | 'reply'
  schema?: Record<string, unknown>
  examples?: unknown[]
  invalid?: unknown[]
  /** Registry fields to override or add (set a field to undefined to leave it out). */
  fields?: Record<string, unknown>
}

export interface FixtureCatalog {
  /** The project root (generated files go here). */
  root: string
  /** root/catalog */
  dir: string
  remove: () => void
}

const REAL_CATALOG = new URL('../../catalog/', import.meta.url)

export function fixtureSchema(title: string, properties: Record<string, unknown>, required: string[] = []) {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title,
    description: `${title} for tests.`,
    type: 'object',
    additionalProperties: false,
    required,
    properties,
  }
}

export function registryFields(entry: FixtureEntry): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    type: entry.type,
    version: entry.version ?? 1,
    kind: entry.kind ?? 'event',
    summary: `Test entry ${entry.type}.`,
    producers: ['test'],
    consumers: ['test'],
    stored: true,
    channel: 'ops',
    ui: { render: 'json', icon: 'circle' },
    semantics: { delivery: 'at-least-once', ordering: 'none' },
    status: 'stable',
    aliases: [],
    origin: ['product'],
    ...entry.fields,
  }
  for (const key of Object.keys(fields)) if (fields[key] === undefined) delete fields[key]
  return fields
}

/** A catalog with the real envelope and result schemas and the given entries. */
export function writeFixtureCatalog(
  entries: FixtureEntry[],
  header = '# Fixture catalog.\n',
): FixtureCatalog {
  const temp = makeTempDir('localhub-catalog-')
  const dir = join(temp.path, 'catalog')
  mkdirSync(dir)
  copyFileSync(new URL('envelope.schema.json', REAL_CATALOG), join(dir, 'envelope.schema.json'))
  copyFileSync(new URL('result.schema.json', REAL_CATALOG), join(dir, 'result.schema.json'))
  const index = { catalogVersion: '1.0', entries: entries.map(registryFields) }
  writeFileSync(join(dir, 'registry.yaml'), header + stringify(index))
  for (const entry of entries) {
    const dot = entry.type.indexOf('.')
    const folder = join(
      dir,
      'events',
      entry.type.slice(0, dot),
      entry.type.slice(dot + 1),
      `v${entry.version ?? 1}`,
    )
    mkdirSync(join(folder, 'examples'), { recursive: true })
    mkdirSync(join(folder, 'invalid'), { recursive: true })
    const schema =
      entry.schema ?? fixtureSchema('Fixture', { text: { type: 'string', maxLength: 10 } }, ['text'])
    writeFileSync(join(folder, 'schema.json'), JSON.stringify(schema, null, 2))
    const examples = entry.examples ?? [{ text: 'hi' }]
    const invalid = entry.invalid ?? [{ text: 5 }]
    examples.forEach((example, index) => {
      writeFileSync(join(folder, 'examples', `example-${index + 1}.json`), JSON.stringify(example))
    })
    invalid.forEach((example, index) => {
      writeFileSync(join(folder, 'invalid', `invalid-${index + 1}.json`), JSON.stringify(example))
    })
  }
  return { root: temp.path, dir, remove: temp.remove }
}
