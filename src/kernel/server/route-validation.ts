// Route schemas are checked by Ajv (JSON Schema 2020-12, the dialect OpenAPI 3.1 speaks), and a
// refusal leaves as the hub's error envelope with JSON-pointer issues, not Fastify's own shape.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import { type HttpRouteSchema, HubError, issuesFromAjv } from '../../contracts/index.ts'
import { HttpHubError } from './error-replies.ts'

/** Keyword on a body schema: a request without a body is accepted. */
export const OPTIONAL_BODY = 'x-optional'

type HttpPart = 'body' | 'querystring' | 'params' | 'headers'

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020

function createRouteAjv(coerceTypes: boolean): Ajv2020 {
  // Bodies are JSON and keep their types ("true" is not true); query strings and path parameters
  // are text, so numbers and booleans there are coerced. Nothing is ever removed silently
  // (Fastify's default removeAdditional would drop the typo a person needs to hear about).
  // Every issue at once, so a client fixes its request in one round (bodies are size-limited first).
  const ajv = new Ajv2020({
    allErrors: true,
    strict: false,
    allowUnionTypes: true,
    coerceTypes: coerceTypes ? 'array' : false,
    useDefaults: false,
    removeAdditional: false,
  })
  addFormats(ajv)
  return ajv
}

/**
 * A query string's schema refuses names it does not list unless it says otherwise: a misspelt
 * `?limt=5` is heard about, not ignored (decision 2071). Routes that declare no query string
 * (the /v1 and /api clients add their own parameters) are not checked at all.
 */
function closedQuery(httpPart: string | undefined, schema: Record<string, unknown>): object {
  if (httpPart !== 'querystring' || schema.additionalProperties !== undefined) return schema
  return { ...schema, additionalProperties: false }
}

/**
 * Installs the validator: two Ajv instances, strict bodies and coercing query strings/params. Both
 * the instances and each route's validator are made on the first request that needs them, so an
 * idle hub holds no compiled validators (decision 1711; a broken schema shows in the contract test,
 * which calls every route).
 */
export function installRouteValidation(app: FastifyInstance): void {
  let bodies: Ajv2020 | undefined
  let texts: Ajv2020 | undefined
  const ajvFor = (httpPart: string | undefined): Ajv2020 => {
    if (httpPart === 'body') {
      bodies ??= createRouteAjv(false)
      return bodies
    }
    texts ??= createRouteAjv(true)
    return texts
  }
  app.setValidatorCompiler(({ schema, httpPart }) => {
    let validate: ValidateFunction | undefined
    // A body marked x-optional may be left out (Fastify hands a missing body over as null; a JSON
    // null counts as none too); anything else sent is still checked.
    const optional = httpPart === 'body' && (schema as Record<string, unknown>)[OPTIONAL_BODY] === true
    const check = (data: unknown) => {
      if (optional && (data === undefined || data === null)) return true
      validate ??= ajvFor(httpPart).compile(closedQuery(httpPart, schema as Record<string, unknown>))
      const passed = validate(data) as boolean
      check.errors = validate.errors
      return passed
    }
    check.errors = undefined as ErrorObject[] | null | undefined
    return check as ReturnType<Parameters<FastifyInstance['setValidatorCompiler']>[0]>
  })
}

function partOf(context: string | undefined): HttpPart {
  return context === 'querystring' || context === 'params' || context === 'headers' ? context : 'body'
}

function partValue(request: FastifyRequest, part: HttpPart): unknown {
  if (part === 'querystring') return request.query
  if (part === 'params') return request.params
  if (part === 'headers') return request.headers
  return request.body
}

/**
 * The hub's envelope for a schema refusal: a body that breaks its schema is E_VALIDATION (422),
 * a query string or path parameter is E_BAD_REQUEST (400), as the hand checks answered before.
 * Undefined when `error` is not a schema refusal.
 */
export function schemaRefusal(error: unknown, request: FastifyRequest): HubError | undefined {
  const validation = (error as { validation?: ErrorObject[] } | undefined)?.validation
  if (!Array.isArray(validation)) return undefined
  const part = partOf((error as FastifyError).validationContext)
  const issues = issuesFromAjv(validation, partValue(request, part))
  const first = issues[0]?.message ?? 'the request does not match its schema'
  const where = part === 'body' ? 'body' : part === 'querystring' ? 'query string' : part
  if (part === 'body') {
    return new HubError('E_VALIDATION', `${where}: ${first}`, { details: { in: part, issues } })
  }
  // `parameter` names the offending query or path parameter, as the hand checks did before.
  const parameter = issues[0]?.path.split('/')[1]
  const said = part === 'querystring' ? querySaying(validation[0], request) : undefined
  return new HttpHubError(400, 'E_BAD_REQUEST', said ?? `${where}: ${first}`, {
    in: part,
    ...(parameter ? { parameter: parameter.replaceAll('~1', '/').replaceAll('~0', '~') } : {}),
    issues,
  })
}

/**
 * Plainer words for the two query-string refusals a person meets most: an unknown name (with the
 * names the route knows) and a single-valued name given twice (`?limit=1&limit=2`).
 */
function querySaying(error: ErrorObject | undefined, request: FastifyRequest): string | undefined {
  if (error === undefined) return undefined
  const params = error.params as Record<string, unknown>
  if (error.keyword === 'additionalProperties') {
    const schema = request.routeOptions.schema?.querystring as { properties?: object } | undefined
    const known = Object.keys(schema?.properties ?? {})
    return `unknown query parameter ${JSON.stringify(String(params.additionalProperty))}; known: ${known.length === 0 ? 'none' : known.join(', ')}`
  }
  const name = error.instancePath.slice(1).replaceAll('~1', '/').replaceAll('~0', '~')
  const value = (request.query as Record<string, unknown> | undefined)?.[name]
  if (
    (error.keyword === 'type' || error.keyword === 'enum') &&
    name !== '' &&
    !name.includes('/') &&
    Array.isArray(value)
  )
    return `query parameter ${JSON.stringify(name)} may be given once (it came ${value.length} times)`
  return undefined
}

/** The schema of a route as registered, for the OpenAPI document. */
export type RouteSchema = HttpRouteSchema
