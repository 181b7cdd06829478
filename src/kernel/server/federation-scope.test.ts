import assert from 'node:assert/strict'
import { test } from 'node:test'
import { HubError } from '../../contracts/index.ts'
import { DEFAULT_FEDERATION_BACKLOG, federationOf, scopeOf } from './federation-scope.ts'
import type { HubPort } from './server-types.ts'

const refused = (query: Record<string, unknown>, route: 'replay' | 'tail', parameter: string) =>
  assert.throws(
    () => scopeOf(query, route),
    (error: unknown) =>
      error instanceof HubError &&
      error.code === 'E_BAD_REQUEST' &&
      (error.details as { parameter?: string } | undefined)?.parameter === parameter,
    JSON.stringify(query),
  )

test('scope: hub passes the rest on untouched; federation takes filter and limit or backlog only', () => {
  assert.deepEqual(scopeOf({ from: '3', filter: 'chat.>' }, 'replay'), {
    scope: 'hub',
    rest: { from: '3', filter: 'chat.>' },
  })
  assert.deepEqual(scopeOf({ scope: 'hub', from: '3' }, 'tail'), { scope: 'hub', rest: { from: '3' } })
  assert.deepEqual(scopeOf({ scope: 'federation', type: 'turn.*', limit: '50' }, 'replay'), {
    scope: 'federation',
    parameters: { filter: 'turn.*', limit: 50 },
  })
  assert.deepEqual(scopeOf({ scope: 'federation', token: 't' }, 'tail'), {
    scope: 'federation',
    parameters: { limit: DEFAULT_FEDERATION_BACKLOG },
  })
})

test('scope: bad, repeated, oversized and hostile values are refused with the parameter named', () => {
  refused({ scope: 'root' }, 'replay', 'scope')
  refused({ scope: ['federation', 'hub'] }, 'replay', 'scope')
  refused({ scope: 'federation', from: '1' }, 'replay', 'from')
  refused({ scope: 'federation', sessionId: 's' }, 'replay', 'sessionId')
  refused({ scope: 'federation', backlog: '5' }, 'replay', 'backlog')
  refused({ scope: 'federation', limit: '5' }, 'tail', 'limit')
  refused({ scope: 'federation', limit: '0' }, 'replay', 'limit')
  refused({ scope: 'federation', limit: '1e3' }, 'replay', 'limit')
  refused({ scope: 'federation', backlog: '999999' }, 'tail', 'backlog')
  refused({ scope: 'federation', filter: 'a b' }, 'replay', 'filter')
  refused({ scope: 'federation', filter: `${'x.'.repeat(300)}y` }, 'replay', 'filter')
  refused({ scope: 'federation', filter: '>.a' }, 'tail', 'filter')
  refused({ scope: 'federation', filter: 'a', type: 'b' }, 'replay', 'type')
})

test('a hub without a NATS bus answers scope=federation with a 409 that says what is needed', () => {
  assert.throws(
    () => federationOf({} as HubPort),
    (error: unknown) =>
      (error as { status?: number }).status === 409 && /NATS bus joined to a root/.test(String(error)),
  )
})
