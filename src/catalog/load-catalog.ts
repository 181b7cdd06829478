import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { HubError, type RegistryDocument, type RegistryEntry } from '../contracts/index.ts'
import { DEFAULT_CATALOG_DIR, entryFolder } from './catalog-paths.ts'

/** One entry as read from the folder, with the files it came from (lint and docs need them). */
export interface CatalogEntrySource extends RegistryEntry {
  folder: string
  exampleFiles: string[]
  invalidExamples: { file: string; payload: unknown }[]
}

export interface LoadedCatalog {
  dir: string
  document: RegistryDocument
  sources: CatalogEntrySource[]
}

function readJson(file: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (cause) {
    throw new HubError('E_IO', `cannot read ${file}`, { cause })
  }
  try {
    return JSON.parse(text) as Record<string, unknown>
  } catch (cause) {
    throw new HubError('E_VALIDATION', `${file} is not valid JSON: ${(cause as Error).message}`, { cause })
  }
}

function jsonFilesIn(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(dir, name))
}

function asStringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : []
}

/**
 * Reads the hand-written catalog (registry.yaml plus the per-entry folders) into the merged
 * document. Structural problems inside entries are left for `registry lint` to report in full;
 * this only refuses what it cannot read at all.
 */
export function loadCatalog(dir: string = DEFAULT_CATALOG_DIR): LoadedCatalog {
  const indexFile = join(dir, 'registry.yaml')
  let index: { catalogVersion?: unknown; entries?: unknown }
  try {
    index = parseYaml(readFileSync(indexFile, 'utf8'), { version: '1.2', uniqueKeys: true }) as typeof index
  } catch (cause) {
    throw new HubError('E_VALIDATION', `cannot read ${indexFile}: ${(cause as Error).message}`, { cause })
  }
  if (!Array.isArray(index?.entries)) {
    throw new HubError('E_VALIDATION', `${indexFile} has no entries list`)
  }
  const sources: CatalogEntrySource[] = []
  for (const raw of index.entries as Record<string, unknown>[]) {
    const type = String(raw.type)
    const version = Number(raw.version)
    const folder = join(dir, entryFolder(type, version))
    const schemaFile = join(folder, 'schema.json')
    const exampleFiles = jsonFilesIn(join(folder, 'examples'))
    const semantics = (raw.semantics ?? {}) as RegistryEntry['semantics']
    sources.push({
      type,
      version,
      kind: (raw.kind ?? 'event') as RegistryEntry['kind'],
      summary: String(raw.summary ?? ''),
      producers: asStringList(raw.producers),
      consumers: asStringList(raw.consumers),
      stored: raw.stored !== false,
      channel: raw.channel as RegistryEntry['channel'],
      ui: (raw.ui ?? { render: 'json', icon: 'circle' }) as RegistryEntry['ui'],
      semantics: {
        delivery: semantics.delivery ?? 'at-least-once',
        ordering: semantics.ordering ?? 'none',
        ...(semantics.idempotencyKey === undefined ? {} : { idempotencyKey: semantics.idempotencyKey }),
      },
      status: (raw.status ?? 'stable') as RegistryEntry['status'],
      aliases: asStringList(raw.aliases),
      origin: asStringList(raw.origin),
      schema: existsSync(schemaFile) ? readJson(schemaFile) : {},
      examples: exampleFiles.map(readJson),
      folder,
      exampleFiles,
      invalidExamples: jsonFilesIn(join(folder, 'invalid')).map((file) => ({
        file,
        payload: readJson(file),
      })),
    })
  }
  const document: RegistryDocument = {
    catalogVersion: String(index.catalogVersion ?? '0'),
    envelope: readJson(join(dir, 'envelope.schema.json')),
    result: readJson(join(dir, 'result.schema.json')),
    hubManifest: existsSync(join(dir, 'hub-manifest.schema.json'))
      ? readJson(join(dir, 'hub-manifest.schema.json'))
      : {},
    entries: sources.map(({ folder: _f, exampleFiles: _e, invalidExamples: _i, ...entry }) => entry),
  }
  return { dir, document, sources }
}

/** Reads the generated merged index (what the runtime uses: one file, no YAML). */
export function readRegistry(path: string): RegistryDocument {
  const document = readJson(path) as unknown as RegistryDocument
  if (!Array.isArray(document.entries)) {
    throw new HubError(
      'E_VALIDATION',
      `${path} is not a registry index (no entries); run \`localhub registry gen\``,
    )
  }
  return document
}
