import assert from 'node:assert/strict'
import { test } from 'node:test'
import { serverTiming } from './consumer-setup.ts'
import { DEFAULT_ROLE_PERMISSIONS, expandPermissions, parsePolicy } from './federation-policy.ts'
import { consumerToken, hubNames } from './names.ts'
import { serverFeatures, unavailableFeatures } from './server-features.ts'

test('policy roles expand per hub and user; defaults apply to roles not given', () => {
  const policy = parsePolicy({
    roles: { member: { publish: ['hub.{hubId}.chat.{user}.>'], subscribe: ['hub.{hubId}.>'] } },
    users: [{ user: 'alice', password: 'alice-secret', role: 'member' }],
  })
  assert.deepEqual(expandPermissions(policy, 'member', 'h1', 'alice'), {
    publish: ['hub.h1.chat.alice.>'],
    subscribe: ['hub.h1.>'],
  })
  assert.deepEqual(policy.roles.owner, DEFAULT_ROLE_PERMISSIONS.owner)
  assert.ok(expandPermissions(policy, 'hub', 'h7', 'x').publish.includes('hub.h7.>'))
  assert.deepEqual(policy.export, ['>'])
})

test('policy problems are reported with their paths; hostile documents do not crash', () => {
  for (const hostile of [
    null,
    42,
    'text',
    [],
    { users: 'x' },
    { roles: [] },
    { users: [null, 7] },
    { export: [1] },
  ]) {
    assert.throws(() => parsePolicy(hostile), { code: 'E_VALIDATION' }, JSON.stringify(hostile))
  }
  assert.throws(
    () =>
      parsePolicy({
        users: [
          { user: 'a', password: 'pass"word1', role: 'owner' },
          { user: 'a', password: 'password2', role: 'owner' },
        ],
      }),
    (error: Error & { details?: { issues?: { path: string }[] } }) => {
      const paths = error.details?.issues?.map((issue) => issue.path) ?? []
      assert.deepEqual(paths, ['/users/0/password', '/users/1/user'])
      return true
    },
  )
})

test('consumer names become JetStream-safe tokens; hub names follow the hub id', () => {
  assert.equal(consumerToken('stt'), 'stt')
  const generated = consumerToken('queue.workers.chat.>')
  assert.match(generated, /^[A-Za-z0-9_-]+$/)
  assert.notEqual(
    generated,
    consumerToken('queue.workers.chat.*'),
    'different names never collide on the cleaned form',
  )
  assert.ok(consumerToken('x'.repeat(200)).length <= 48)
  const names = hubNames('hub.h1')
  assert.equal(names.stream, 'LH_h1')
  assert.equal(names.redoSubject('c'), 'hub.h1._redo.c')
  assert.throws(() => hubNames('root'), { code: 'E_BAD_REQUEST' })
})

test('server timing: BackOff = ackWait + backoff, shorter than MaxDeliver as JetStream requires', () => {
  assert.deepEqual(serverTiming({ ackWaitMs: 1000, backoffMs: [100, 400, 900], maxDeliver: 3 }), {
    ackWaitMs: 1100,
    backoffMs: [1100, 1400],
  })
  assert.deepEqual(serverTiming({ ackWaitMs: 1000, backoffMs: [100], maxDeliver: 1 }), {
    ackWaitMs: 1000,
    backoffMs: [],
  })
  assert.deepEqual(serverTiming({ ackWaitMs: 50, backoffMs: [], maxDeliver: 5 }), {
    ackWaitMs: 50,
    backoffMs: [],
  })
})

test('features are detected from the server version', () => {
  const old = serverFeatures('2.9.10')
  assert.equal(old.syncIntervalConfig, false)
  assert.equal(old.multipleFilterSubjects, false)
  assert.ok(unavailableFeatures(old).some((text) => text.includes('sync_interval')))
  const newer = serverFeatures('v2.11.3')
  assert.equal(newer.perMessageTtl, true)
  assert.deepEqual(unavailableFeatures(newer), [])
  assert.equal(serverFeatures('garbage').syncIntervalConfig, false)
})
