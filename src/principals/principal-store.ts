import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { compileTypePattern } from '../bus/index.ts'
import { HubError } from '../contracts/index.ts'
import {
  DEFAULT_MAX_PATTERNS,
  MAX_NAME_CHARS,
  PRINCIPALS_FILE_NAME,
  type PrincipalStoreOptions,
  type ResolvedStoreOptions,
  resolveStoreOptions,
} from './principal-options.ts'
import {
  type CreatedPrincipal,
  type CreatePrincipalInput,
  DEFAULT_MEMBER_PUBLISH,
  DEFAULT_MEMBER_SUBSCRIBE,
  PRINCIPAL_ROLES,
  type PrincipalView,
  type StoredPrincipal,
} from './principal-types.ts'
import { bytesEqual, digestBytes, hashToken, newToken } from './token-hash.ts'

const FILE_VERSION = 1
const PEER_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/
const FINGERPRINT_PATTERN = /^sha256:[0-9a-f]{64}$/

function view(stored: StoredPrincipal): PrincipalView {
  const { tokenSha256: _hidden, ...rest } = stored
  return structuredClone(rest)
}

function patternsOf(value: readonly string[] | undefined, label: string): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.length > DEFAULT_MAX_PATTERNS)
    throw new HubError('E_BAD_REQUEST', `${label} must be a list of at most ${DEFAULT_MAX_PATTERNS} patterns`)
  for (const pattern of value) compileTypePattern(pattern)
  return [...value]
}

function writePrivateJson(path: string, value: unknown): void {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`
  // 'wx' + 0600: private from the first byte; rename makes the replacement atomic.
  const fd = openSync(temporary, 'wx', 0o600)
  try {
    writeSync(fd, `${JSON.stringify(value, null, 2)}\n`)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  try {
    renameSync(temporary, path)
  } catch (error) {
    unlinkSync(temporary)
    throw error
  }
}

function readStored(path: string): StoredPrincipal[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new HubError('E_IO', `cannot read ${path}: ${(error as Error).message}`)
  }
  try {
    const parsed = JSON.parse(text) as { version?: unknown; principals?: unknown }
    if (parsed.version !== FILE_VERSION || !Array.isArray(parsed.principals))
      throw new Error('unknown layout')
    return parsed.principals as StoredPrincipal[]
  } catch (error) {
    throw new HubError('E_IO', `${path} is not a principal store: ${(error as Error).message}`)
  }
}

/**
 * Tokens and the principals they stand for, in `<dataDir>/principals.json` (0600). The token is
 * kept only as its sha256 and compared in constant time; revoking takes effect on the next
 * request, and listeners (open WebSockets) hear of it at once.
 */
export class PrincipalStore {
  readonly #options: ResolvedStoreOptions
  readonly #path: string
  readonly #principals: StoredPrincipal[]
  readonly #revokeListeners = new Set<(principalId: string) => void>()
  readonly #digestBytes = new WeakMap<StoredPrincipal, Buffer>()

  private constructor(options: ResolvedStoreOptions) {
    this.#options = options
    this.#path = join(options.dataDir, PRINCIPALS_FILE_NAME)
    this.#principals = readStored(this.#path)
  }

  static open(options: PrincipalStoreOptions): PrincipalStore {
    const resolved = resolveStoreOptions(options)
    mkdirSync(resolved.dataDir, { recursive: true, mode: 0o700 })
    return new PrincipalStore(resolved)
  }

  get path(): string {
    return this.#path
  }

  create(input: CreatePrincipalInput): CreatedPrincipal {
    if (!PRINCIPAL_ROLES.includes(input.role))
      throw new HubError('E_BAD_REQUEST', `role must be one of ${PRINCIPAL_ROLES.join(', ')}`)
    if (input.name !== undefined && (typeof input.name !== 'string' || input.name.length > MAX_NAME_CHARS))
      throw new HubError('E_BAD_REQUEST', `name must be text of at most ${MAX_NAME_CHARS} characters`)
    if (input.peerId !== undefined && !PEER_ID_PATTERN.test(input.peerId))
      throw new HubError('E_BAD_REQUEST', `peerId must match ${PEER_ID_PATTERN}`)
    if (input.fingerprint !== undefined && !FINGERPRINT_PATTERN.test(input.fingerprint))
      throw new HubError('E_BAD_REQUEST', 'fingerprint must be sha256:<64 hex digits>')
    const publish = patternsOf(input.publish, 'publish')
    const subscribe = patternsOf(input.subscribe, 'subscribe')
    if (input.role === 'owner' && (publish.length > 0 || subscribe.length > 0))
      throw new HubError('E_BAD_REQUEST', 'an owner may do everything; patterns are for member and custom')
    if (this.#principals.length >= this.#options.maxPrincipals)
      throw new HubError('E_RESOURCE_LIMIT', `at most ${this.#options.maxPrincipals} principals`)
    const grants =
      input.role === 'owner'
        ? { publish: ['>'], subscribe: ['>'] }
        : input.role === 'member'
          ? {
              publish: [...new Set([...DEFAULT_MEMBER_PUBLISH, ...publish])],
              subscribe: [...new Set([...DEFAULT_MEMBER_SUBSCRIBE, ...subscribe])],
            }
          : { publish, subscribe }
    const token = newToken()
    const stored: StoredPrincipal = {
      id: `pr_${randomBytes(9).toString('base64url')}`,
      ...(input.name === undefined ? {} : { name: input.name }),
      role: input.role,
      ...grants,
      ...(input.peerId === undefined ? {} : { peerId: input.peerId }),
      ...(input.fingerprint === undefined ? {} : { fingerprint: input.fingerprint }),
      createdAt: new Date(this.#options.now()).toISOString(),
      tokenSha256: hashToken(token),
    }
    this.#principals.push(stored)
    this.#save()
    return { principal: view(stored), token }
  }

  /** Every principal, revoked ones included, oldest first. */
  list(): PrincipalView[] {
    return this.#principals.map(view)
  }

  get(id: string): PrincipalView | undefined {
    const found = this.#principals.find((candidate) => candidate.id === id)
    return found === undefined ? undefined : view(found)
  }

  /** The active principal of a paired peer, if any. */
  byPeer(peerId: string): PrincipalView | undefined {
    const found = this.#principals.find((candidate) => candidate.peerId === peerId && !candidate.revokedAt)
    return found === undefined ? undefined : view(found)
  }

  /**
   * The active principal holding `token`. Every stored digest is compared (no early exit), each in
   * constant time, so the answer's timing says nothing about which digest came close.
   */
  authenticate(token: string): PrincipalView | undefined {
    const digest = digestBytes(token)
    let match: StoredPrincipal | undefined
    for (const candidate of this.#principals) {
      if (bytesEqual(digest, this.#bytesOf(candidate)) && match === undefined) match = candidate
    }
    return match === undefined || match.revokedAt !== undefined ? undefined : view(match)
  }

  /** Revokes at once: the token fails from the next request, listeners close open sockets. */
  revoke(id: string): PrincipalView {
    const found = this.#principals.find((candidate) => candidate.id === id)
    if (found === undefined)
      throw new HubError('E_BAD_REQUEST', `no principal with id '${id}'`, { details: { id } })
    if (found.revokedAt === undefined) {
      found.revokedAt = new Date(this.#options.now()).toISOString()
      this.#save()
    }
    for (const listener of this.#revokeListeners) listener(found.id)
    return view(found)
  }

  /** The stored digest as bytes, decoded once per principal (every request compares them all). */
  #bytesOf(principal: StoredPrincipal): Buffer {
    let bytes = this.#digestBytes.get(principal)
    if (bytes === undefined) {
      bytes = Buffer.from(principal.tokenSha256, 'hex')
      this.#digestBytes.set(principal, bytes)
    }
    return bytes
  }

  onRevoked(listener: (principalId: string) => void): () => void {
    this.#revokeListeners.add(listener)
    return () => this.#revokeListeners.delete(listener)
  }

  #save(): void {
    writePrivateJson(this.#path, { version: FILE_VERSION, principals: this.#principals })
  }
}
