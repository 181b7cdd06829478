import { fileURLToPath } from 'node:url'
import { type ErrorCode, HubError } from '../contracts/index.ts'
import { cappedIssues, deepFreeze, isMapping, notMappingIssue, readGuardedText } from './document-guards.ts'
import { type IssueDraft, type ManifestIssue, orderIssues } from './manifest-issue.ts'
import type { HubManifest } from './manifest-types.ts'
import { schemaIssueDrafts } from './schema-issues.ts'
import { defaultManifestValidator, type ManifestSchemaValidator } from './schema-validator.ts'
import { semanticDrafts } from './semantic-checks.ts'
import { locateIssues } from './yaml-positions.ts'
import { parseYamlSource } from './yaml-source.ts'

/** Largest manifest accepted, in bytes. A real one is a few kilobytes. */
export const DEFAULT_MANIFEST_MAX_BYTES = 1024 * 1024
/** Alias uses allowed while building the value (YAML "billion laughs" protection). */
export const DEFAULT_MANIFEST_MAX_ALIAS_COUNT = 100
/** Deepest nesting of mappings and lists. */
export const DEFAULT_MANIFEST_MAX_DEPTH = 64
/** Issues reported at most; the rest are counted in one last issue. */
export const DEFAULT_MANIFEST_MAX_ISSUES = 100

export interface ManifestLoadOptions {
  /** Catalog type names (and name@major forms) that provides/consumes/emit/recv/on must use. */
  knownTypes?: ReadonlySet<string>
  maxBytes?: number
  maxAliasCount?: number
  maxDepth?: number
  maxIssues?: number
  /** Another compiled schema (tests, newer schema); defaults to catalog/hub-manifest.schema.json. */
  validator?: ManifestSchemaValidator
  /**
   * Checks that need more than the manifest (the skill modules it names: their config keys,
   * conditions and emitted types); run after the schema and semantic checks pass.
   */
  extraChecks?: (manifest: HubManifest) => readonly IssueDraft[]
}

/** What a file or text is: a path (string or file URL) or the text itself with a name for messages. */
export type ManifestSource = string | URL | { text: string; name?: string }

export type ManifestCheck =
  | { ok: true; manifest: HubManifest }
  | { ok: false; code: ErrorCode; issues: ManifestIssue[] }

interface Settings {
  knownTypes: ReadonlySet<string> | undefined
  maxBytes: number
  maxAliasCount: number
  maxDepth: number
  maxIssues: number
  validator: ManifestSchemaValidator | undefined
  extraChecks: ((manifest: HubManifest) => readonly IssueDraft[]) | undefined
}

function settingsOf(options: ManifestLoadOptions): Readonly<Settings> {
  const settings: Settings = {
    knownTypes: undefined,
    maxBytes: DEFAULT_MANIFEST_MAX_BYTES,
    maxAliasCount: DEFAULT_MANIFEST_MAX_ALIAS_COUNT,
    maxDepth: DEFAULT_MANIFEST_MAX_DEPTH,
    maxIssues: DEFAULT_MANIFEST_MAX_ISSUES,
    validator: undefined,
    extraChecks: undefined,
    ...options,
  }
  for (const key of ['maxBytes', 'maxAliasCount', 'maxDepth', 'maxIssues'] as const) {
    const value = settings[key]
    if (!Number.isInteger(value) || value < (key === 'maxAliasCount' ? 0 : 1)) {
      throw new HubError(
        'E_BAD_REQUEST',
        `manifest option ${key} must be a positive integer, got ${String(value)}`,
      )
    }
  }
  return Object.freeze(settings)
}

/** Validates manifest text; never throws for bad input, returns every defect found instead. */
export function checkManifestText(text: string, options: ManifestLoadOptions = {}): ManifestCheck {
  const settings = settingsOf(options)
  const source = parseYamlSource(text, settings)
  if (!source.ok) {
    return {
      ok: false,
      code: source.code,
      issues: cappedIssues(locateIssues(source.drafts, text, source.document), settings.maxIssues),
    }
  }
  const { document, value } = source
  if (!isMapping(value)) {
    const draft = notMappingIssue(
      value,
      'manifest',
      'start from manifests/default.yaml or manifests/examples/minimal.yaml',
    )
    return { ok: false, code: 'E_VALIDATION', issues: locateIssues([draft], text, document) }
  }
  const validator = settings.validator ?? defaultManifestValidator()
  const drafts = [
    ...schemaIssueDrafts(validator.errors(value), value, validator.schema as Record<string, unknown>),
    ...semanticDrafts(value, { knownTypes: settings.knownTypes, ...validator.patterns }),
  ]
  if (drafts.length > 0) {
    const issues = orderIssues(locateIssues(drafts, text, document))
    return { ok: false, code: 'E_VALIDATION', issues: cappedIssues(issues, settings.maxIssues) }
  }
  const manifest = deepFreeze(value as HubManifest)
  const extra = settings.extraChecks?.(manifest) ?? []
  if (extra.length > 0) {
    const issues = orderIssues(locateIssues([...extra], text, document))
    return { ok: false, code: 'E_VALIDATION', issues: cappedIssues(issues, settings.maxIssues) }
  }
  return { ok: true, manifest }
}

function failure(check: Extract<ManifestCheck, { ok: false }>, name: string): HubError {
  const first = check.issues[0]
  const summary =
    first === undefined
      ? 'invalid'
      : `${check.issues.length === 1 ? '' : `${check.issues.length} problems, first: `}${first.line}:${first.column} ${first.problem}`
  return new HubError(check.code, `manifest ${name}: ${summary}`, { details: { issues: check.issues } })
}

/** Parses and validates manifest text; throws HubError (details.issues) when it has defects. */
export function parseManifest(text: string, options: ManifestLoadOptions = {}, name = '<text>'): HubManifest {
  const check = checkManifestText(text, options)
  if (!check.ok) throw failure(check, name)
  return check.manifest
}

/** Reads a file, refusing oversized and non-UTF-8 content before it is parsed. */
export function readManifestFile(
  path: string,
  maxBytes: number = DEFAULT_MANIFEST_MAX_BYTES,
): Promise<string> {
  return readGuardedText(path, {
    maxBytes,
    noun: 'manifest',
    sizeSubject: 'the manifest',
    sizeFix: 'split off large data',
  })
}

/**
 * Loads a hub manifest from a file (path or file URL) or from `{ text }`: YAML 1.2, validated
 * against catalog/hub-manifest.schema.json and the semantic rules. Returns the frozen manifest or
 * throws HubError E_VALIDATION / E_RESOURCE_LIMIT / E_IO with details.issues.
 */
export async function loadManifest(
  source: ManifestSource,
  options: ManifestLoadOptions = {},
): Promise<HubManifest> {
  if (typeof source === 'object' && !(source instanceof URL)) {
    return parseManifest(source.text, options, source.name ?? '<text>')
  }
  const path = source instanceof URL ? fileURLToPath(source) : source
  const text = await readManifestFile(path, options.maxBytes ?? DEFAULT_MANIFEST_MAX_BYTES)
  return parseManifest(text, options, path)
}
