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
import type { Principal } from './server-types.ts'
import { installWellFormedTextCheck } from './well-formed-text.ts'

/** The single principal every valid token maps to (roles arrive with bus permissions). */
export const OWNER_PRINCIPAL_ID = 'owner'

export interface SecurityState {
  token: string
  /** Filled once the port is known (after listen). */
  allowedHosts: ReadonlySet<string>
  allowedOrigins: readonly string[]
  closing: boolean
}

/** Route option `config: { public: true }` skips the token check (GET /health). */
export interface RouteAccessConfig {
  public?: boolean
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
      principals.set(request.raw, { id: OWNER_PRINCIPAL_ID, via: valid[1] })
      return
    }
    if ((request.routeOptions.config as RouteAccessConfig | undefined)?.public === true) return
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
