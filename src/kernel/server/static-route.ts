import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { STATIC_FILE_SCHEMA } from './route-schemas.ts'
import type { RouteAccessConfig } from './security-hooks.ts'

// The dashboard (web/, built by `npm run build:web` into web/dist) served at /. The page and its
// assets hold no data, so they are public: a browser without the login cookie must be able to load
// the page that tells it how to log in. Every API call the page makes still needs the token.

/** Where `vite build` puts the dashboard, relative to this file. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url))
/** Only hashed file names under /assets/ are served (no dots first, no separators, no traversal). */
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/
const ROOT_FILES = new Set(['favicon.svg'])
const HTML_CONSTRAINT = 'dashboardHtml'
const COMPRESSIBLE = /\.(js|css|html|svg|json|map|txt)$/
const MIN_GZIP_BYTES = 1024

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

// The page talks only to this origin (HTTP and ws), is never framed (approve buttons must not be
// clickjacked), and runs no inline script.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Local Hub: dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 10vh auto; line-height: 1.5">
<h1>The dashboard is not built yet</h1>
<p>Run <code>npm run build:web</code> in the localhub folder, then reload this page.
The API (<code>/chat</code>, <code>/events</code>, <code>/ws/events</code>, <code>/health</code>, <code>/metrics</code>) works without it.</p>
</body></html>
`

interface CachedFile {
  mtimeMs: number
  size: number
  body: Buffer
  gzip?: Buffer
}

export interface DashboardRouteOptions {
  /** The built dashboard folder (holds index.html and assets/). */
  dir?: string
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot < 0 ? '' : name.slice(dot).toLowerCase()
}

/** True when a request asks for a page (a browser navigation), not JSON. */
export function acceptsHtml(accept: string | string[] | undefined): boolean {
  const value = Array.isArray(accept) ? accept.join(',') : (accept ?? '')
  return /(^|,)\s*text\/html\b/i.test(value)
}

/**
 * GET / (for clients that accept HTML), /assets/<file> and /favicon.svg, all public. `/` is bound
 * with a route constraint on Accept, so a JSON answer at `/` for API clients can live beside it.
 */
export function registerDashboardRoutes(app: FastifyInstance, options: DashboardRouteOptions = {}): void {
  const dir = options.dir ?? DEFAULT_DASHBOARD_DIR
  const cache = new Map<string, CachedFile>()

  // Re-read when the file changed (a rebuild while the hub runs); small files, kept in memory.
  const load = (path: string): CachedFile | undefined => {
    let stats: ReturnType<typeof statSync>
    try {
      stats = statSync(path)
    } catch {
      return undefined
    }
    if (!stats.isFile()) return undefined
    const cached = cache.get(path)
    if (cached !== undefined && cached.mtimeMs === stats.mtimeMs && cached.size === stats.size) return cached
    const body = readFileSync(path)
    const file: CachedFile = {
      mtimeMs: stats.mtimeMs,
      size: stats.size,
      body,
      ...(COMPRESSIBLE.test(path) && body.length >= MIN_GZIP_BYTES ? { gzip: gzipSync(body) } : {}),
    }
    cache.set(path, file)
    return file
  }

  const send = (
    request: FastifyRequest,
    reply: FastifyReply,
    file: CachedFile,
    name: string,
    cacheControl: string,
  ) => {
    reply
      .header('content-type', CONTENT_TYPES[extensionOf(name)] ?? 'application/octet-stream')
      .header('cache-control', cacheControl)
      .header('x-content-type-options', 'nosniff')
      .header('vary', 'accept-encoding')
    const wantsGzip = /\bgzip\b/i.test(String(request.headers['accept-encoding'] ?? ''))
    if (file.gzip !== undefined && wantsGzip) return reply.header('content-encoding', 'gzip').send(file.gzip)
    return reply.send(file.body)
  }

  if (!app.hasConstraintStrategy(HTML_CONSTRAINT)) {
    app.addConstraintStrategy({
      name: HTML_CONSTRAINT,
      storage() {
        const handlers = new Map<string, unknown>()
        return {
          get: (value: string) => (handlers.get(value) ?? null) as never,
          set: (value: string, handler: unknown) => void handlers.set(value, handler),
        }
      },
      deriveConstraint: (request: { headers: Record<string, string | string[] | undefined> }) =>
        acceptsHtml(request.headers.accept) ? 'yes' : (undefined as unknown as string),
      mustMatchWhenDerived: false,
    })
  }

  const publicRoute: { config: RouteAccessConfig } = { config: { public: true } }
  app.route({
    method: 'GET',
    url: '/',
    constraints: { [HTML_CONSTRAINT]: 'yes' },
    ...publicRoute,
    handler: async (request, reply) => {
      const file = load(join(dir, 'index.html'))
      reply
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('x-frame-options', 'DENY')
        .header('referrer-policy', 'no-referrer')
      if (file === undefined) {
        return reply
          .code(503)
          .header('content-type', 'text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(NOT_BUILT_PAGE)
      }
      return send(request, reply, file, 'index.html', 'no-cache')
    },
  })

  const notFound = (reply: FastifyReply, path: string) =>
    reply.code(404).send({ ok: false, error: { code: 'E_BAD_REQUEST', message: `no file ${path}` } })

  app.get('/assets/:name', { ...publicRoute, schema: STATIC_FILE_SCHEMA }, async (request, reply) => {
    const { name } = request.params as { name: string }
    if (!ASSET_NAME.test(name) || name.includes('..')) return notFound(reply, '/assets/…')
    const file = load(join(dir, 'assets', name))
    if (file === undefined) return notFound(reply, `/assets/${name}`)
    // Vite puts a content hash in every asset name, so a name never changes its content.
    return send(request, reply, file, name, 'public, max-age=31536000, immutable')
  })

  for (const name of ROOT_FILES) {
    app.get(`/${name}`, { ...publicRoute, schema: STATIC_FILE_SCHEMA }, async (request, reply) => {
      const file = load(join(dir, name))
      if (file === undefined) return notFound(reply, `/${name}`)
      return send(request, reply, file, name, 'public, max-age=3600')
    })
  }
}
