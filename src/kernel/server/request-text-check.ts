import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { HubError } from '../../contracts/index.ts'
import { type QueryFault, queryFaultsOf } from './query-string.ts'

// Query parameters and path parameters a route could not read faithfully are refused before the
// route runs and before its body is read, so a refused request changes nothing (decision 2071).

const REASONS: Readonly<Record<QueryFault['reason'], { expected: string; says: string }>> = {
  escape: {
    expected: 'percent-escapes that decode to UTF-8',
    says: 'has a percent-escape that does not decode to UTF-8 text',
  },
  nul: { expected: 'text without NUL (%00)', says: 'holds a NUL character (%00)' },
  hash: { expected: 'text with `#` escaped as %23', says: 'holds a raw # (escape it as %23)' },
}

/** The name the OpenAPI document gives a wildcard's path parameter. */
const WILDCARD_PARAMETER = 'path'

function escapePointer(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1')
}

function refusal(part: 'querystring' | 'params', list: readonly QueryFault[]): HubError {
  const where = part === 'querystring' ? 'query parameter' : 'path parameter'
  const first = list[0]!
  const issues = list.map((fault) => ({
    path: `/${escapePointer(fault.parameter)}`,
    expected: REASONS[fault.reason].expected,
    got: JSON.stringify(fault.got),
    message: `${where} ${JSON.stringify(fault.parameter)} ${REASONS[fault.reason].says}`,
  }))
  return new HubError('E_BAD_REQUEST', issues[0]!.message, {
    details: { in: part, parameter: first.parameter, issues },
  })
}

/** Path parameters holding a NUL (find-my-way has decoded them; a bad escape never gets a route). */
function paramFaults(request: FastifyRequest): QueryFault[] | undefined {
  // Only an escape makes a NUL (Node refuses a raw one), so most requests skip the walk.
  if (!request.url.includes('%00')) return undefined
  const params = request.params as Record<string, unknown> | null | undefined
  if (params === null || typeof params !== 'object') return undefined
  let found: QueryFault[] | undefined
  for (const [name, value] of Object.entries(params)) {
    if (typeof value !== 'string' || !value.includes('\0')) continue
    found ??= []
    found.push({
      parameter: name === '*' ? WILDCARD_PARAMETER : name,
      reason: 'nul',
      got: value.replaceAll('\0', '%00').slice(0, 80),
    })
  }
  return found
}

/**
 * A raw `#` before the query: clients never send a fragment, so the path was not escaped (%23), and
 * the router would read what follows as a query string (decision 2084).
 */
function pathHashRefusal(url: string): HubError | undefined {
  const hash = url.indexOf('#')
  if (hash === -1) return undefined
  const question = url.indexOf('?')
  if (question !== -1 && question < hash) return undefined
  const message = 'the path holds a raw # (escape it as %23)'
  return new HubError('E_BAD_REQUEST', message, {
    details: {
      in: 'path',
      issues: [
        {
          path: '',
          expected: 'a path with `#` escaped as %23',
          got: JSON.stringify(url.slice(0, question === -1 ? 80 : Math.min(question, 80))),
          message,
        },
      ],
    },
  })
}

function checkRequestText(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const hash = pathHashRefusal(request.url)
  if (hash !== undefined) {
    done(hash)
    return
  }
  const query = queryFaultsOf(request.query)
  if (query !== undefined) {
    done(refusal('querystring', query))
    return
  }
  const params = paramFaults(request)
  if (params !== undefined) {
    done(refusal('params', params))
    return
  }
  done()
}

/**
 * Installs the check as an onRequest hook. Registered after the security hooks, it answers a caller
 * without a token 401 first; the error goes through the route's own error handler, so /v1 and /api
 * answer in their shapes.
 */
export function installRequestTextCheck(app: FastifyInstance): void {
  app.addHook('onRequest', checkRequestText)
}
