import * as crypto from 'node:crypto'
import { createHash, timingSafeEqual } from 'node:crypto'

export const TOKEN_COOKIE = 'localhub_token'
export const TOKEN_QUERY_PARAMETER = 'token'
const MAX_COOKIE_HEADER_CHARS = 8 * 1024

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]']

/**
 * The Host header values this server answers to. A page on another site that re-binds its DNS name
 * to 127.0.0.1 still sends its own name in Host, so it is refused.
 */
export function allowedHostSet(
  boundHost: string,
  port: number,
  extraHosts: readonly string[],
): ReadonlySet<string> {
  const names = new Set(LOOPBACK_NAMES)
  if (boundHost !== '0.0.0.0' && boundHost !== '::') {
    names.add(boundHost.includes(':') && !boundHost.startsWith('[') ? `[${boundHost}]` : boundHost)
  }
  const allowed = new Set<string>()
  for (const name of names) {
    allowed.add(`${name}:${port}`.toLowerCase())
    if (port === 80) allowed.add(name.toLowerCase())
  }
  for (const entry of extraHosts) {
    const lower = entry.toLowerCase()
    allowed.add(lower)
    if (!/:\d+$/.test(lower)) allowed.add(`${lower}:${port}`)
  }
  return allowed
}

export function isHostAllowed(host: string | undefined, allowed: ReadonlySet<string>): boolean {
  return host !== undefined && allowed.has(host.toLowerCase())
}

/** An Origin is fine when it is one of our own host names over http, or explicitly allowed. */
export function isOriginAllowed(
  origin: string,
  allowedHosts: ReadonlySet<string>,
  allowedOrigins: readonly string[],
): boolean {
  const lower = origin.toLowerCase().replace(/\/$/, '')
  if (allowedOrigins.some((entry) => entry.toLowerCase() === lower)) return true
  const match = /^http:\/\/([^/?#@\s]+)$/.exec(lower)
  return match !== null && allowedHosts.has(match[1]!)
}

export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined
  const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(authorization)
  return match?.[1]
}

export function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  if (cookieHeader === undefined || cookieHeader.length > MAX_COOKIE_HEADER_CHARS) return undefined
  for (const part of cookieHeader.split(';')) {
    const separator = part.indexOf('=')
    if (separator < 0) continue
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim()
  }
  return undefined
}

// Node's one-shot digest (20.12 and later) keeps the algorithm it fetched from OpenSSL; a Hash
// object fetches it again on each creation, which was most of the token check on every request
// (decision 2097). Older Node 20 releases take the Hash object, as before.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'buffer') => Buffer })
  .hash

function sha256Of(text: string): Buffer {
  return oneShotHash === undefined
    ? createHash('sha256').update(text).digest()
    : oneShotHash('sha256', text, 'buffer')
}

// The hub's token is fixed for its life, so its digest is made once (decision 1777): the last
// expected token and its digest. Comparing `expected` with the remembered one compares the hub's
// own secret with itself, never with what a client sent.
let rememberedExpected: string | undefined
let rememberedDigest: Buffer = Buffer.alloc(0)

/** The sha256 of the expected token, made once per distinct token (the same Buffer each time). */
export function expectedTokenDigest(expected: string): Buffer {
  if (expected !== rememberedExpected) {
    rememberedDigest = sha256Of(expected)
    rememberedExpected = expected
  }
  return rememberedDigest
}

/** Compares in time independent of where the strings differ (hashing first also hides the length). */
export function tokensEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(sha256Of(presented), expectedTokenDigest(expected))
}

/** The login cookie: not readable by scripts, never sent by other sites. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`
}

/** Splits a request URL into its path and query parameters. */
export function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const mark = url.indexOf('?')
  return mark < 0
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, mark), query: new URLSearchParams(url.slice(mark + 1)) }
}

/**
 * Where the login redirect goes: the same path and query without the token. Leading slashes collapse
 * to one so `//evil.example/?token=…` cannot become a redirect to another site.
 */
export function urlWithoutToken(url: string): string {
  const { path, query } = splitUrl(url)
  query.delete(TOKEN_QUERY_PARAMETER)
  const safePath = `/${path.replace(/^[/\\]+/, '')}`
  const rest = query.toString()
  return rest === '' ? safePath : `${safePath}?${rest}`
}

/** For logs: the URL with any token value replaced. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]')
}
