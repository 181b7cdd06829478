import { HubError } from '../contracts/index.ts'

/** The store's file in the data directory (0600, tokens as sha256 only). */
export const PRINCIPALS_FILE_NAME = 'principals.json'
/** Most principals one hub keeps, revoked ones included. */
export const DEFAULT_MAX_PRINCIPALS = 1_000
/** Most patterns in one publish or subscribe list. */
export const DEFAULT_MAX_PATTERNS = 50
/** Longest principal name. */
export const MAX_NAME_CHARS = 100

export interface PrincipalStoreOptions {
  /** The data directory; the store is `<dataDir>/principals.json`. */
  dataDir: string
  maxPrincipals?: number
  /** Clock for createdAt / revokedAt (tests). */
  now?: () => number
}

export interface ResolvedStoreOptions {
  readonly dataDir: string
  readonly maxPrincipals: number
  readonly now: () => number
}

export function resolveStoreOptions(options: PrincipalStoreOptions): ResolvedStoreOptions {
  const maxPrincipals = options.maxPrincipals ?? DEFAULT_MAX_PRINCIPALS
  if (!Number.isInteger(maxPrincipals) || maxPrincipals < 1)
    throw new HubError('E_BAD_REQUEST', `maxPrincipals must be a whole number ≥ 1, got ${maxPrincipals}`)
  if (typeof options.dataDir !== 'string' || options.dataDir === '')
    throw new HubError('E_BAD_REQUEST', 'the principal store needs a data directory')
  return Object.freeze({ dataDir: options.dataDir, maxPrincipals, now: options.now ?? Date.now })
}
