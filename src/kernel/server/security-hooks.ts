import type { FastifyInstance, FastifyRequest } from 'fastify'
import { HttpHubError, sendError } from './error-replies.ts'
import {
  bearerToken,
  cookieValue,
  isHostAllowed,
  isOriginAllowed,
  splitUrl,
  TOKEN_COOKIE,
  TOKEN_QUERY_PARAMETER,
  tokenCookie,
  tokensEqual,
  urlWithoutToken,
} from './request-guard.ts'
import type { Principal, PrincipalAuthority } from './server-types.ts'
import { installWellFormedTextCheck } from './well-formed-text.ts'

/** The principal of the hub's own token (other tokens come from a PrincipalAuthority). */
export const OWNER_PRINCIPAL_ID = 'owner'

export interface SecurityState {
  token: string
  /** Filled once the port is known (after listen). */
  allowedHosts: ReadonlySet<string>
  allowedOrigins: readonly string[]
  closing: boolean
  /** Tokens other than the owner's (member devices); without it only the owner's token is valid. */
  authority?: PrincipalAuthority
}

/**
 * Route option `config: { public: true }` skips the token check (GET /health); `members: true`
 * lets a non-owner principal in because the route checks its grants itself. Every other route is
 * the owner's (decision 2011).
 */
export interface RouteAccessConfig {
  public?: boolean
  members?: boolean
}

/** Whether the caller may do everything (the hub's token, or a stored principal with role owner). */
export function isOwner(principal: Principal | undefined): boolean {
  return principal !== undefined && (principal.role ?? 'owner') === 'owner'
}

const principals = new WeakMap<FastifyRequest['raw'], Principal>()

/** The authenticated caller of a request, or undefined on a public route called without a token. */
export function principalOf(request: FastifyRequest): Principal | undefined {
  return principals.get(request.raw)
}

function isUpgrade(request: FastifyRequest): boolean {
  return String(request.headers.upgrade ?? '').toLowerCase() === 'websocket'
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/**
 * Headers a request may carry once. Node keeps the first Host, Authorization, Origin or
 * Content-Type and drops the rest, while a proxy in front may honour another one: two parsers
 * disagreeing about the target or the credential is how smuggling starts, and RFC 9112 asks for
 * 400 on a repeated Host (decision 1343).
 */
const SINGLE_VALUED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'authorization',
  'origin',
  'content-type',
])

/** The first single-valued header that arrived more than once, lower-cased. */
function repeatedHeader(rawHeaders: readonly string[]): string | undefined {
  const seen = new Set<string>()
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!.toLowerCase()
    if (!SINGLE_VALUED_HEADERS.has(name)) continue
    if (seen.has(name)) return name
    seen.add(name)
  }
  return undefined
}

/** The first presented token the authority knows, as a principal. */
function authenticateStored(
  presented: ReadonlyArray<[string | undefined, Principal['via']]>,
  authority: PrincipalAuthority | undefined,
): Principal | undefined {
  if (authority === undefined) return undefined
  for (const [candidate, via] of presented) {
    if (candidate === undefined) continue
    const found = authority.authenticate(candidate)
    if (found !== undefined) return { ...found, via }
  }
  return undefined
}

/**
 * One onRequest hook, in this order: shutting down → 503, Host not ours → 403 (DNS rebinding),
 * foreign Origin → 403 (cross-site pages, WS upgrades included), `?token=` login → cookie + 303,
 * then the token from `Authorization: Bearer`, the cookie, or (WS upgrades only) the query.
 * A repeated Host, Authorization, Origin or Content-Type header → 400 before all of that. Parsed
 * bodies with unpaired surrogates are refused before the route runs (well-formed-text.ts).
 */
export function installSecurityHooks(app: FastifyInstance, state: SecurityState): void {
  installWellFormedTextCheck(app)
  app.addHook('onRequest', async (request, reply) => {
    if (state.closing) {
      return sendError(
        reply,
        new HttpHubError(503, 'E_DEPENDENCY_UNAVAILABLE', 'the server is shutting down'),
      )
    }
    const repeated = repeatedHeader(request.raw.rawHeaders)
    if (repeated !== undefined) {
      return sendError(
        reply,
        new HttpHubError(400, 'E_BAD_REQUEST', `the ${repeated} header may appear only once`),
      )
    }
    if (!isHostAllowed(singleHeader(request.headers.host), state.allowedHosts)) {
      return sendError(
        reply,
        new HttpHubError(403, 'E_PERMISSION_REQUIRED', 'Host header is not one of this server’s names'),
      )
    }
    const origin = singleHeader(request.headers.origin)
    if (origin !== undefined && !isOriginAllowed(origin, state.allowedHosts, state.allowedOrigins)) {
      return sendError(
        reply,
        new HttpHubError(403, 'E_PERMISSION_REQUIRED', 'cross-origin requests are not allowed'),
      )
    }
    const queryToken = splitUrl(request.url).query.get(TOKEN_QUERY_PARAMETER) ?? undefined
    const upgrade = isUpgrade(request)
    if (queryToken !== undefined && !upgrade && request.method === 'GET') {
      if (!tokensEqual(queryToken, state.token)) {
        return sendError(reply, new HttpHubError(401, 'E_PERMISSION_REQUIRED', 'the login token is wrong'))
      }
      return reply
        .code(303)
        .header('set-cookie', tokenCookie(state.token))
        .header('location', urlWithoutToken(request.url))
        .send()
    }
    const presented: Array<[string | undefined, Principal['via']]> = [
      [bearerToken(singleHeader(request.headers.authorization)), 'bearer'],
      [cookieValue(singleHeader(request.headers.cookie), TOKEN_COOKIE), 'cookie'],
      [upgrade ? queryToken : undefined, 'query'],
    ]
    const valid = presented.find(
      ([candidate]) => candidate !== undefined && tokensEqual(candidate, state.token),
    )
    if (valid !== undefined) {
      principals.set(request.raw, { id: OWNER_PRINCIPAL_ID, via: valid[1], role: 'owner' })
      return
    }
    const access = request.routeOptions.config as RouteAccessConfig | undefined
    const stored = authenticateStored(presented, state.authority)
    if (stored !== undefined) {
      principals.set(request.raw, stored)
      if (isOwner(stored) || access?.public === true || access?.members === true) return
      return sendError(
        reply,
        new HttpHubError(
          403,
          'E_PERMISSION_REQUIRED',
          `${request.method} ${request.url.split('?')[0]} is for the owner`,
          {
            principal: stored.id,
            role: stored.role,
          },
        ),
      )
    }
    if (access?.public === true) return
    const anyPresented = presented.some(([candidate]) => candidate !== undefined)
    reply.header('www-authenticate', 'Bearer realm="localhub"')
    return sendError(
      reply,
      new HttpHubError(
        401,
        'E_PERMISSION_REQUIRED',
        anyPresented
          ? 'the token is wrong'
          : 'a token is required (Authorization: Bearer <token>, or log in with /?token=…)',
      ),
    )
  })
}
