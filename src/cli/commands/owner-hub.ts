// `localhub tokens`, `localhub pair list|approve|revoke` and, when a hub runs, `localhub approvals`
// and `localhub grants` (approvals-access.ts) talk to the running hub of the data directory with the
// owner's token.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { HubError, isErrorCode } from '../../contracts/index.ts'
import { AUTH_TOKEN_FILE, findRunningServer, TOKEN_ENV_VARIABLE } from '../../kernel/index.ts'
import type { CommandIo } from '../io.ts'

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000

export interface OwnerHub {
  readonly url: string
  call<T>(method: string, path: string, body?: unknown): Promise<T>
}

/** The owner token: LOCALHUB_TOKEN, else <data>/auth-token. */
export function readOwnerToken(dataDir: string, io: CommandIo): string {
  const token = io.env[TOKEN_ENV_VARIABLE]
  if (token !== undefined && token !== '') return token
  try {
    return readFileSync(join(dataDir, AUTH_TOKEN_FILE), 'utf8').trim()
  } catch {
    throw new HubError(
      'E_PERMISSION_REQUIRED',
      `cannot read ${join(dataDir, AUTH_TOKEN_FILE)}; set ${TOKEN_ENV_VARIABLE}`,
    )
  }
}

/** JSON calls to the hub at `url` with `token`; the hub's `{ ok, data | error }` answer unwrapped. */
export function ownerHubAt(url: string, token: string): OwnerHub {
  return {
    url,
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      let response: Response
      try {
        response = await fetch(new URL(path, url), {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(DEFAULT_REQUEST_TIMEOUT_MS),
        })
      } catch (error) {
        throw new HubError(
          'E_DEPENDENCY_UNAVAILABLE',
          `the hub at ${url} did not answer: ${(error as Error).message}`,
        )
      }
      const text = await response.text()
      let parsed: { ok?: boolean; data?: unknown; error?: { code?: unknown; message?: unknown } }
      try {
        parsed = JSON.parse(text) as typeof parsed
      } catch {
        throw new HubError('E_IO', `the hub answered ${response.status} with something that is not JSON`)
      }
      if (parsed?.ok === true) return parsed.data as T
      const code = isErrorCode(parsed?.error?.code) ? parsed.error.code : 'E_UNKNOWN'
      throw new HubError(code, String(parsed?.error?.message ?? `the hub answered ${response.status}`))
    },
  }
}

/** The running hub of `dataDir` with the owner token; an error when none runs. */
export async function openOwnerHub(dataDir: string, io: CommandIo): Promise<OwnerHub> {
  const running = await findRunningServer(dataDir)
  if (running === undefined)
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `no hub runs for ${dataDir}; start it with \`localhub serve\``,
    )
  return ownerHubAt(running.url, readOwnerToken(dataDir, io))
}
