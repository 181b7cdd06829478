// The OpenAPI 3.1 document is built from the route schemas the server registered (an onRoute hook
// keeps method, URL and schema), not by @fastify/swagger: nothing is loaded until someone asks for
// /openapi.json, and the build is a few hundred lines of plain data (decision 1911).
import type { FastifyInstance, RouteOptions } from 'fastify'
import { ERROR_ENVELOPE_SCHEMA, type JsonSchema, VALIDATION_ISSUE_SCHEMA } from '../../contracts/index.ts'
import type { RouteSchema } from './route-validation.ts'

export const OPENAPI_ROUTE = '/openapi.json'

export interface CollectedRoute {
  method: string
  url: string
  schema: RouteSchema | undefined
  public: boolean
}

export interface CollectedRoutes {
  http: CollectedRoute[]
  websocket: string[]
}

/** Schemas the document names once under components, found by identity in every route schema. */
const NAMED_SCHEMAS: ReadonlyMap<JsonSchema, string> = new Map([
  [ERROR_ENVELOPE_SCHEMA, 'ErrorEnvelope'],
  [VALIDATION_ISSUE_SCHEMA, 'ValidationIssue'],
])

const SKIPPED_METHODS = new Set(['HEAD', 'OPTIONS'])

/** Starts recording every route registered on `app` from now on (call before any route). */
export function collectRoutes(app: FastifyInstance): CollectedRoutes {
  const routes: CollectedRoutes = { http: [], websocket: [] }
  app.addHook('onRoute', (route: RouteOptions & { websocket?: boolean }) => {
    // The HTML variant of GET / is chosen by a constraint on Accept; the document lists the JSON one.
    if (route.constraints !== undefined && Object.keys(route.constraints).length > 0) return
    if (route.websocket === true) {
      routes.websocket.push(route.url)
      return
    }
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) {
      if (SKIPPED_METHODS.has(method)) continue
      routes.http.push({
        method,
        url: route.url,
        schema: route.schema as RouteSchema | undefined,
        public: (route.config as { public?: unknown } | undefined)?.public === true,
      })
    }
  })
  return routes
}

function named(schema: unknown, root?: unknown): unknown {
  if (schema === null || typeof schema !== 'object') return schema
  const name = NAMED_SCHEMAS.get(schema as JsonSchema)
  if (name !== undefined && schema !== root) return { $ref: `#/components/schemas/${name}` }
  if (Array.isArray(schema)) return schema.map((item) => named(item, root))
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, named(value, root)]))
}

/** `/tools/:name` → `/tools/{name}`; a trailing `*` is the `{path}` parameter. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{path}')
}

function parameters(schema: RouteSchema | undefined, url: string): unknown[] {
  const list: unknown[] = []
  const params = schema?.params as { properties?: Record<string, unknown> } | undefined
  const pathNames = [...openApiPath(url).matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string)
  for (const name of pathNames) {
    list.push({
      name,
      in: 'path',
      required: true,
      schema: named(params?.properties?.[name] ?? { type: 'string' }),
    })
  }
  const query = schema?.querystring as
    | { properties?: Record<string, unknown>; required?: string[] }
    | undefined
  for (const [name, property] of Object.entries(query?.properties ?? {})) {
    const description = (property as { description?: unknown }).description
    list.push({
      name,
      in: 'query',
      required: query?.required?.includes(name) ?? false,
      ...(typeof description === 'string' ? { description } : {}),
      schema: named(property),
    })
  }
  return list
}

function isContentMap(value: unknown): value is { description?: string; content: Record<string, unknown> } {
  return typeof value === 'object' && value !== null && 'content' in value && !('type' in value)
}

function responses(schema: RouteSchema | undefined): Record<string, unknown> {
  const produces = schema?.produces ?? ['application/json']
  const given = schema?.responses ?? {}
  const out: Record<string, unknown> = {}
  for (const [status, value] of Object.entries(given)) {
    const code = status.toUpperCase()
    if (isContentMap(value)) {
      out[code] = { description: value.description ?? `status ${code}`, content: named(value.content) }
      continue
    }
    const description = (value as { description?: unknown }).description
    out[code] = {
      description:
        typeof description === 'string'
          ? description
          : code.startsWith('2')
            ? 'success'
            : 'refused or failed',
      // Errors are always the JSON envelope, whatever the success answer's type.
      content: Object.fromEntries(
        (code.startsWith('2') ? produces : ['application/json']).map((type) => [
          type,
          { schema: named(value) },
        ]),
      ),
    }
  }
  if (Object.keys(out).length === 0) out.default = { description: 'not described' }
  return out
}

function requestBody(schema: RouteSchema | undefined): unknown {
  // A route that reads raw bytes documents its body without Fastify validating it.
  const documented = (schema as { 'x-documented-body'?: unknown } | undefined)?.['x-documented-body']
  if (documented !== undefined) return named(documented)
  if (schema?.body === undefined) return undefined
  const consumes = (schema as { consumes?: string[] }).consumes ?? ['application/json']
  return {
    required: (schema.body as Record<string, unknown>)['x-optional'] !== true,
    content: Object.fromEntries(consumes.map((type) => [type, { schema: named(schema.body) }])),
  }
}

function operationId(method: string, path: string): string {
  const words = path
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
  return `${method.toLowerCase()}${words.join('') || 'Root'}`
}

/** The OpenAPI 3.1 document of the routes collected so far, in a stable order. */
export function buildOpenApiDocument(routes: CollectedRoutes, version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  const sorted = [...routes.http].sort((a, b) =>
    a.url === b.url ? a.method.localeCompare(b.method) : a.url.localeCompare(b.url),
  )
  for (const route of sorted) {
    if (route.schema?.hide === true) continue
    const path = openApiPath(route.url)
    const body = requestBody(route.schema)
    const params = parameters(route.schema, route.url)
    const tag = route.schema?.tags ?? [route.url.split('/')[1] || 'hub']
    paths[path] ??= {}
    paths[path][route.method.toLowerCase()] = {
      operationId: operationId(route.method, path),
      tags: tag,
      ...(route.schema?.summary === undefined ? {} : { summary: route.schema.summary }),
      ...(route.schema?.description === undefined ? {} : { description: route.schema.description }),
      ...(route.public ? { security: [] } : {}),
      ...(params.length === 0 ? {} : { parameters: params }),
      ...(body === undefined ? {} : { requestBody: body }),
      responses: responses(route.schema),
    }
  }
  const schemas = Object.fromEntries(
    [...NAMED_SCHEMAS].map(([schema, name]) => [name, named(schema, schema)]),
  )
  return {
    'x-generated': 'do not edit docs/openapi.json: npm run gen:openapi writes it from GET /openapi.json',
    openapi: '3.1.0',
    info: {
      title: 'Local Hub HTTP API',
      version,
      description:
        'The kernel HTTP API of a Local Hub and the routes of the skills its manifest enables. ' +
        'WebSocket routes are listed under x-websocket-routes; their messages are in catalog/dist/asyncapi.yaml.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ bearerToken: [] }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The hub token (localhub token); the dashboard sends it as a cookie instead.',
        },
      },
    },
    'x-websocket-routes': [...new Set(routes.websocket)].sort(),
  }
}

/** GET /openapi.json: the document of every route registered on the server. */
export function registerOpenApiRoute(app: FastifyInstance, routes: CollectedRoutes, version: string): void {
  let cached: string | undefined
  app.get(OPENAPI_ROUTE, { schema: { hide: true } as RouteSchema }, async (_request, reply) => {
    // Routes are all registered before the server listens, so one build serves every request.
    cached ??= `${JSON.stringify(buildOpenApiDocument(routes, version), null, 2)}\n`
    return reply.type('application/json; charset=utf-8').send(cached)
  })
}
