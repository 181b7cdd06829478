import { realpathSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { HubError } from '../../contracts/index.ts'
import type { LedgerEntryDraft } from '../../ledger/index.ts'

export const PATH_MAX_BYTES = 4096
export const NAME_MAX_BYTES = 255
export const DEFAULT_MAX_READ_BYTES = 256 * 1024
export const DEFAULT_MAX_WRITE_BYTES = 10 * 1024 * 1024
export const DEFAULT_MAX_LIST_ENTRIES = 1000
export const DEFAULT_MAX_SEARCH_MATCHES = 200
export const DEFAULT_MAX_SEARCH_OUTPUT_BYTES = 64 * 1024
export const DEFAULT_MAX_SEARCH_FILES = 50_000
export const DEFAULT_MAX_SEARCHED_FILE_BYTES = 4 * 1024 * 1024
export const DEFAULT_SEARCH_TIME_BUDGET_MS = 10_000
export const DEFAULT_MAX_TREE_ENTRIES = 10_000
export const DEFAULT_MAX_TREE_HASH_BYTES = 256 * 1024 * 1024
export const DEFAULT_MAX_PREVIEW_ENTRIES = 200
export const DEFAULT_MAX_PATCH_BYTES = 4 * 1024 * 1024
export const DEFAULT_ACTOR_SKILL = 'skill.tools-fs'

export interface FsClock {
  now(): number
}

/** Where mutating tools record attempts and outcomes (the audit ledger's append, or anything like it). */
export interface AuditSink {
  append(draft: LedgerEntryDraft): unknown
}

/** A workspace root as the manifest names it; `access: 'read'` makes every change under it refused. */
export interface WorkspaceRootOption {
  path: string
  access?: WorkspaceAccess
}

export type WorkspaceAccess = 'read' | 'read_write'

export interface FsToolsOptions {
  /**
   * Workspace roots from the manifest; every path must resolve inside one of them. A bare string
   * is a read_write root.
   */
  roots: (string | WorkspaceRootOption)[]
  /**
   * The tools this registry serves and offers (the manifest's tool policy); absent: all of them.
   * A tool left out is refused by name, before any planning or approval.
   */
  offeredTools?: readonly string[]
  /** network_off_by_default: tools of that tier are refused unless this is true. */
  network?: boolean
  clock?: FsClock
  audit?: AuditSink
  actorSkill?: string
  maxReadBytes?: number
  maxWriteBytes?: number
  maxListEntries?: number
  maxSearchMatches?: number
  maxSearchOutputBytes?: number
  maxSearchFiles?: number
  maxSearchedFileBytes?: number
  searchTimeBudgetMs?: number
  maxTreeEntries?: number
  maxTreeHashBytes?: number
  maxPreviewEntries?: number
  maxPatchBytes?: number
}

export interface WorkspaceRoot {
  /** The root as configured, made absolute. */
  given: string
  /** Its real path (symlinks resolved); every containment check uses this. */
  real: string
  /** True for a manifest root with `access: read`: tools may read below it, never change it. */
  readOnly: boolean
}

export interface FsToolsSettings {
  roots: readonly WorkspaceRoot[]
  offeredTools: ReadonlySet<string> | undefined
  network: boolean
  clock: FsClock
  audit: AuditSink | undefined
  actorSkill: string
  maxReadBytes: number
  maxWriteBytes: number
  maxListEntries: number
  maxSearchMatches: number
  maxSearchOutputBytes: number
  maxSearchFiles: number
  maxSearchedFileBytes: number
  searchTimeBudgetMs: number
  maxTreeEntries: number
  maxTreeHashBytes: number
  maxPreviewEntries: number
  maxPatchBytes: number
}

const LIMIT_KEYS = [
  'maxReadBytes',
  'maxWriteBytes',
  'maxListEntries',
  'maxSearchMatches',
  'maxSearchOutputBytes',
  'maxSearchFiles',
  'maxSearchedFileBytes',
  'searchTimeBudgetMs',
  'maxTreeEntries',
  'maxTreeHashBytes',
  'maxPreviewEntries',
  'maxPatchBytes',
] as const

function resolveRoot(option: unknown): WorkspaceRoot {
  const root = typeof option === 'object' && option !== null ? (option as WorkspaceRootOption).path : option
  const access =
    typeof option === 'object' && option !== null ? (option as WorkspaceRootOption).access : undefined
  if (access !== undefined && access !== 'read' && access !== 'read_write') {
    throw new HubError(
      'E_BAD_REQUEST',
      `workspace root access must be read or read_write, got ${String(access)}`,
    )
  }
  if (typeof root !== 'string' || root.length === 0 || root.includes('\0')) {
    throw new HubError('E_BAD_REQUEST', 'every workspace root must be a non-empty path')
  }
  const given = resolve(root)
  let real: string
  try {
    real = realpathSync.native(given)
  } catch (error) {
    throw new HubError('E_BAD_REQUEST', `workspace root ${given} does not exist`, { cause: error })
  }
  if (!statSync(real).isDirectory())
    throw new HubError('E_BAD_REQUEST', `workspace root ${given} is not a directory`)
  return { given, real, readOnly: access === 'read' }
}

export function resolveFsToolsSettings(options: FsToolsOptions): Readonly<FsToolsSettings> {
  if (!Array.isArray(options?.roots) || options.roots.length === 0) {
    throw new HubError('E_BAD_REQUEST', 'createFsTools needs at least one workspace root')
  }
  const settings: FsToolsSettings = {
    roots: Object.freeze(options.roots.map(resolveRoot)),
    offeredTools: options.offeredTools === undefined ? undefined : new Set(options.offeredTools),
    network: options.network ?? false,
    clock: options.clock ?? { now: () => Date.now() },
    audit: options.audit,
    actorSkill: options.actorSkill ?? DEFAULT_ACTOR_SKILL,
    maxReadBytes: options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES,
    maxWriteBytes: options.maxWriteBytes ?? DEFAULT_MAX_WRITE_BYTES,
    maxListEntries: options.maxListEntries ?? DEFAULT_MAX_LIST_ENTRIES,
    maxSearchMatches: options.maxSearchMatches ?? DEFAULT_MAX_SEARCH_MATCHES,
    maxSearchOutputBytes: options.maxSearchOutputBytes ?? DEFAULT_MAX_SEARCH_OUTPUT_BYTES,
    maxSearchFiles: options.maxSearchFiles ?? DEFAULT_MAX_SEARCH_FILES,
    maxSearchedFileBytes: options.maxSearchedFileBytes ?? DEFAULT_MAX_SEARCHED_FILE_BYTES,
    searchTimeBudgetMs: options.searchTimeBudgetMs ?? DEFAULT_SEARCH_TIME_BUDGET_MS,
    maxTreeEntries: options.maxTreeEntries ?? DEFAULT_MAX_TREE_ENTRIES,
    maxTreeHashBytes: options.maxTreeHashBytes ?? DEFAULT_MAX_TREE_HASH_BYTES,
    maxPreviewEntries: options.maxPreviewEntries ?? DEFAULT_MAX_PREVIEW_ENTRIES,
    maxPatchBytes: options.maxPatchBytes ?? DEFAULT_MAX_PATCH_BYTES,
  }
  for (const key of LIMIT_KEYS) {
    const value = settings[key]
    if (!Number.isInteger(value) || value < 1)
      throw new HubError('E_BAD_REQUEST', `${key} must be a positive integer`)
  }
  if (typeof settings.network !== 'boolean')
    throw new HubError('E_BAD_REQUEST', 'network must be true or false')
  return Object.freeze(settings)
}
