import { randomBytes } from 'node:crypto'
import { lstatSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { HubError } from '../../contracts/index.ts'
import { createPrivateFileExclusive, writePrivateFile } from './private-file.ts'

export const AUTH_TOKEN_FILE = 'auth-token'
export const TOKEN_ENV_VARIABLE = 'LOCALHUB_TOKEN'
export const TOKEN_BYTES = 32
/** Shortest token accepted from the environment or an option (a guessable token is no protection). */
export const MIN_TOKEN_CHARS = 16
const MAX_TOKEN_CHARS = 512
const TOKEN_PATTERN = /^[A-Za-z0-9._~+/=-]+$/

export type TokenSource = 'option' | 'env' | 'file' | 'created' | 'replaced'

export interface LoadedToken {
  token: string
  source: TokenSource
  /** Set when the file was replaced; the caller logs it. */
  warning?: string
}

export function generateToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url')
}

function isUsableToken(token: string): boolean {
  return token.length >= MIN_TOKEN_CHARS && token.length <= MAX_TOKEN_CHARS && TOKEN_PATTERN.test(token)
}

function checkGivenToken(token: string, origin: string): string {
  if (!isUsableToken(token)) {
    throw new HubError(
      'E_BAD_REQUEST',
      `${origin} must be ${MIN_TOKEN_CHARS}-${MAX_TOKEN_CHARS} characters of A-Z a-z 0-9 . _ ~ + / = -`,
    )
  }
  return token
}

/**
 * The server's token: an explicit option, else LOCALHUB_TOKEN, else <dataDir>/auth-token (created
 * on first start with 32 random bytes, mode 0600). A token file readable by others may have leaked,
 * so it is replaced by a fresh token (with a warning) rather than trusted or merely chmod-ed.
 */
export function loadAuthToken(input: {
  dataDir: string
  token?: string | undefined
  env?: Readonly<Record<string, string | undefined>>
}): LoadedToken {
  if (input.token !== undefined)
    return { token: checkGivenToken(input.token, 'the token option'), source: 'option' }
  const fromEnv = input.env?.[TOKEN_ENV_VARIABLE]
  if (fromEnv !== undefined && fromEnv !== '') {
    return { token: checkGivenToken(fromEnv, TOKEN_ENV_VARIABLE), source: 'env' }
  }
  const path = join(input.dataDir, AUTH_TOKEN_FILE)
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = readTokenFile(path)
    if (existing === undefined) {
      const token = generateToken()
      if (createPrivateFileExclusive(path, `${token}\n`)) return { token, source: 'created' }
      continue // another process created it between our look and our link: read theirs
    }
    if (existing.problem === undefined) return { token: existing.token, source: 'file' }
    const token = generateToken()
    writePrivateFile(path, `${token}\n`)
    return { token, source: 'replaced', warning: `${path} ${existing.problem}; replaced it with a new token` }
  }
  throw new HubError('E_IO', `could not create ${path}: it keeps appearing and disappearing`)
}

function readTokenFile(path: string): { token: string; problem?: string } | undefined {
  let stats: ReturnType<typeof lstatSync>
  try {
    stats = lstatSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new HubError('E_IO', `cannot read ${path}: ${(error as Error).message}`, { cause: error })
  }
  if (!stats.isFile()) {
    throw new HubError(
      'E_PERMISSION_REQUIRED',
      `${path} is not a regular file (a symlink?); remove it and start again`,
    )
  }
  if (typeof process.getuid === 'function' && stats.uid !== process.getuid()) {
    throw new HubError(
      'E_PERMISSION_REQUIRED',
      `${path} belongs to another user (uid ${stats.uid}); remove it`,
    )
  }
  if ((stats.mode & 0o077) !== 0) {
    return { token: '', problem: `had mode ${(stats.mode & 0o777).toString(8)} (readable by others)` }
  }
  if (stats.size > MAX_TOKEN_CHARS + 2) return { token: '', problem: 'was too long to be a token' }
  const token = readFileSync(path, 'utf8').trim()
  return isUsableToken(token) ? { token } : { token: '', problem: 'was empty or malformed' }
}
