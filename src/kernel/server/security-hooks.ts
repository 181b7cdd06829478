import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
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
const SINGLE_VALUED_HEADERS: readonly string[] = ['host', 'authorization', 'origin', 'content-type']

/**
 * The first single-valued header that arrived more than once, lower-cased. A name is lower-cased
 * only when its length is one of theirs, and the ones seen are bits of a number (decision 2064):
 * this runs on every request, over every header.
 */
function repeatedHeader(rawHeaders: readonly string[]): string | undefined {
  let seen = 0
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const raw = rawHeaders[index]!
    const length = raw.length
    if (length !== 4 && length !== 13 && length !== 6 && length !== 12) continue
    const which = SINGLE_VALUED_HEADERS.indexOf(raw.toLowerCase())
    if (which < 0) continue
    const bit = 1 << which
    if ((seen & bit) !== 0) return SINGLE_VALUED_HEADERS[which]
    seen |= bit
  }
  return undefined
}

/**
 * The `token` query parameter, without parsing a query string that cannot hold one: no `token`
 * in it and no percent sign (a name may be escaped, `%74oken`, and URLSearchParams decodes it).
 */
export function queryTokenOf(url: string): string | undefined {
  const mark = url.indexOf('?')
  if (mark < 0) return undefined
  if (!url.includes(TOKEN_QUERY_PARAMETER, mark) && !url.includes('%', mark)) return undefined
  return splitUrl(url).query.get(TOKEN_QUERY_PARAMETER) ?? undefined
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
  // Callback style, not async: an async hook costs Fastify a promise and a `then` per request. The
  // guard answers the refusal it sent, or undefined to let the request through.
  app.addHook('onRequest', (request, reply, done) => {
    if (guard(request, reply) === undefined) done()
  })
  const guard = (request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
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
    const queryToken = queryTokenOf(request.url)
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
    const bearer = bearerToken(singleHeader(request.headers.authorization))
    // The usual case, the hub's own token as a bearer, without building the list of candidates.
    if (bearer !== undefined && tokensEqual(bearer, state.token)) {
      principals.set(request.raw, { id: OWNER_PRINCIPAL_ID, via: 'bearer', role: 'owner' })
      return undefined
    }
    const presented: Array<[string | undefined, Principal['via']]> = [
      [bearer, 'bearer'],
      [cookieValue(singleHeader(request.headers.cookie), TOKEN_COOKIE), 'cookie'],
      [upgrade ? queryToken : undefined, 'query'],
    ]
    // The bearer has been compared already.
    const valid = presented.find(
      ([candidate], index) => index > 0 && candidate !== undefined && tokensEqual(candidate, state.token),
    )
    if (valid !== undefined) {
      principals.set(request.raw, { id: OWNER_PRINCIPAL_ID, via: valid[1], role: 'owner' })
      return undefined
    }
    const access = request.routeOptions.config as RouteAccessConfig | undefined
    const stored = authenticateStored(presented, state.authority)
    if (stored !== undefined) {
      principals.set(request.raw, stored)
      if (isOwner(stored) || access?.public === true || access?.members === true) return undefined
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
    if (access?.public === true) return undefined
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
  }
}
