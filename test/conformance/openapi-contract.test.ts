// Issue 20: walks the OpenAPI document a real hub serves and calls every operation in it. Each answer's
// status must be one the document lists and its JSON body must validate against that status's schema;
// each operation is also sent a malformed request (broken body or query, else no token) that must be
// refused with a documented 4xx schema: the hub's envelope, or the dialect's shape under /v1 and /api.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import { type HubWithWorkspace, type Json, openHubWithWorkspace } from '../hostile/hub-with-workspace.ts'

const DOCUMENT_ID = 'https://localhub.invalid/openapi.json'
const METHODS = ['get', 'post', 'put', 'delete', 'patch'] as const

interface Operation {
  method: string
  path: string
  operation: Json
}

/** `#/components/…` refs resolve inside the document, which Ajv holds under DOCUMENT_ID. */
function absoluteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(absoluteRefs)
  if (node === null || typeof node !== 'object') return node
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' && value.startsWith('#')
        ? `${DOCUMENT_ID}${value}`
        : absoluteRefs(value),
    ]),
  )
}

function documentedResponse(operation: Json, status: number): Json | undefined {
  const responses = operation.responses as Record<string, Json>
  return responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default
}

/** A value for a path parameter that names nothing that exists. */
function concretePath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, (_match, name: string) => `missing-${name}`)
}

/** A query string that breaks the documented type of one parameter, if any parameter has a type. */
function brokenQuery(operation: Json): string | undefined {
  for (const parameter of (operation.parameters ?? []) as Json[]) {
    if (parameter.in !== 'query') continue
    const schema = parameter.schema
    if (schema.type === 'integer') return `?${parameter.name}=not-a-number`
    if (Array.isArray(schema.enum)) return `?${parameter.name}=not-one-of-them`
    if (typeof schema.pattern === 'string') return `?${parameter.name}=%20bad%20`
  }
  return undefined
}

describe('every route answers as the OpenAPI document says', { timeout: 120_000 }, () => {
  let fixture: HubWithWorkspace
  let operations: Operation[] = []
  const ajv = new Ajv2020({ strict: false, allErrors: true, allowUnionTypes: true })
  const compiled = new Map<unknown, ValidateFunction>()

  before(async () => {
    fixture = await openHubWithWorkspace('localhub-openapi-contract-')
    const served = await fixture.call('GET', '/openapi.json')
    assert.equal(served.status, 200)
    const document = served.body
    ajv.addSchema({ $id: DOCUMENT_ID, components: absoluteRefs(document.components) })
    operations = Object.entries(document.paths as Record<string, Json>).flatMap(([path, item]) =>
      METHODS.filter((method) => item[method] !== undefined).map((method) => ({
        method: method.toUpperCase(),
        path,
        operation: item[method],
      })),
    )
  })
  after(() => fixture?.close())

  /** Checks one answer against the document; answers a description of what is wrong, if anything. */
  function check(entry: Operation, status: number, contentType: string, body: Json): string | undefined {
    const documented = documentedResponse(entry.operation, status)
    if (documented === undefined) return `status ${status} is not documented`
    if (!contentType.includes('json')) return undefined
    const schema = documented.content?.['application/json']?.schema
    if (schema === undefined) return `a JSON answer with status ${status} is not documented`
    let validate = compiled.get(schema)
    if (validate === undefined) {
      validate = ajv.compile(absoluteRefs(schema) as object)
      compiled.set(schema, validate)
    }
    if (!validate(body)) return `the ${status} answer breaks its schema: ${ajv.errorsText(validate.errors)}`
    return undefined
  }

  async function send(
    entry: Operation,
    path: string,
    body: string | undefined,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; contentType: string; body: Json }> {
    const response = await fetch(`${fixture.hub.url}${path}`, {
      method: entry.method,
      headers: {
        ...(headers.authorization === '' ? {} : { authorization: `Bearer ${fixture.hub.token}` }),
        accept: 'application/json, text/event-stream',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body }),
    })
    const contentType = response.headers.get('content-type') ?? ''
    const text = await response.text()
    let parsed: Json = text
    if (contentType.includes('json') && !contentType.includes('ndjson')) parsed = JSON.parse(text)
    return {
      status: response.status,
      contentType: contentType.includes('ndjson') ? 'application/x-ndjson' : contentType,
      body: parsed,
    }
  }

  test('the document lists operations to walk', () => {
    assert.ok(operations.length >= 40, `${operations.length} operations`)
  })

  test('a plain call of each operation answers a documented status and body', async () => {
    const problems: string[] = []
    for (const entry of operations) {
      const path = concretePath(entry.path)
      const hasBody = entry.operation.requestBody !== undefined
      // An empty object: enough to reach the handler, never enough to change anything.
      const answer = await send(entry, path, hasBody ? '{}' : undefined)
      const problem = check(entry, answer.status, answer.contentType, answer.body)
      if (problem !== undefined) problems.push(`${entry.method} ${entry.path}: ${problem}`)
    }
    assert.deepEqual(problems, [])
  })

  test('a malformed request to each operation is refused with its documented error schema', async () => {
    const problems: string[] = []
    for (const entry of operations) {
      const path = concretePath(entry.path)
      const query = brokenQuery(entry.operation)
      const jsonBody = entry.operation.requestBody?.content?.['application/json'] !== undefined
      const malformed =
        query !== undefined
          ? await send(entry, `${path}${query}`, jsonBody ? '{}' : undefined)
          : jsonBody
            ? await send(entry, path, '"not an object"')
            : entry.operation.security === undefined
              ? await send(entry, path, undefined, { authorization: '' })
              : undefined
      if (malformed === undefined) continue
      if (malformed.status < 400 || malformed.status >= 500) {
        problems.push(`${entry.method} ${entry.path}: malformed request answered ${malformed.status}`)
        continue
      }
      const problem = check(entry, malformed.status, malformed.contentType, malformed.body)
      if (problem !== undefined) problems.push(`${entry.method} ${entry.path} (malformed): ${problem}`)
    }
    assert.deepEqual(problems, [])
  })

  test('a schema refusal carries the JSON pointer, what was expected and what came', async () => {
    const answer = await fixture.call('POST', '/runs/cancel', { traceId: 7 })
    assert.equal(answer.status, 422, JSON.stringify(answer.body))
    assert.equal(answer.body.error.code, 'E_VALIDATION')
    assert.deepEqual(answer.body.error.details.issues[0], {
      path: '/traceId',
      expected: 'string',
      got: 'number 7',
      message: '/traceId: expected string, got number 7',
    })
    const query = await fixture.call('GET', '/dlq?limit=many')
    assert.equal(query.status, 400)
    assert.equal(query.body.error.code, 'E_BAD_REQUEST')
    assert.equal(query.body.error.details.in, 'querystring')
    assert.equal(query.body.error.details.issues[0].path, '/limit')
    // POST /tools/:name's body is optional (x-optional): no body reaches the tool, which answers itself.
    const bodiless = await fixture.call('POST', '/tools/list_dir')
    assert.notEqual(bodiless.body.error?.details?.in, 'body', JSON.stringify(bodiless.body))
    const mistyped = await fixture.call('POST', '/tools/list_dir', { params: [] })
    assert.equal(mistyped.body.error.details.in, 'body')
    assert.equal(mistyped.body.error.details.issues[0].path, '/params')
  })
})
