import assert from 'node:assert/strict'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { patternsOverlap, principalAccess } from './principal-access.ts'
import { PRINCIPALS_FILE_NAME } from './principal-options.ts'
import { PrincipalStore } from './principal-store.ts'
import { DEFAULT_MEMBER_PUBLISH } from './principal-types.ts'
import { digestsEqual, hashToken } from './token-hash.ts'

function tempStore(t: { after(fn: () => void): void }, now?: () => number) {
  const dir = makeTempDir('localhub-principals-')
  t.after(() => dir.remove())
  return {
    dir: dir.path,
    store: PrincipalStore.open({ dataDir: dir.path, ...(now === undefined ? {} : { now }) }),
  }
}

test('a token is stored only as its sha256, in a 0600 file, and authenticates after a reopen', (t) => {
  const { dir, store } = tempStore(t)
  const created = store.create({ role: 'member', name: 'phone' })
  assert.match(created.token, /^lh_[A-Za-z0-9_-]{43}$/)
  const path = join(dir, PRINCIPALS_FILE_NAME)
  const text = readFileSync(path, 'utf8')
  assert.equal(text.includes(created.token), false, 'the token is never written in clear')
  assert.ok(text.includes(hashToken(created.token)))
  assert.equal(statSync(path).mode & 0o777, 0o600)
  assert.equal('tokenSha256' in created.principal, false, 'views never carry the hash')
  const reopened = PrincipalStore.open({ dataDir: dir })
  assert.equal(reopened.authenticate(created.token)?.id, created.principal.id)
  assert.equal(reopened.authenticate(`${created.token}x`), undefined)
  assert.equal(reopened.authenticate(''), undefined)
})

test('member grants are the defaults plus what is given; custom only what is given; owner takes none', (t) => {
  const { store } = tempStore(t)
  const member = store.create({ role: 'member', publish: ['calendar.event'] }).principal
  assert.deepEqual(member.publish, [...DEFAULT_MEMBER_PUBLISH, 'calendar.event'])
  assert.ok(!member.subscribe.includes('>'))
  assert.ok(
    !member.subscribe.some((pattern) => pattern.startsWith('ledger') || pattern.startsWith('approval')),
  )
  const custom = store.create({ role: 'custom', publish: ['timer.tick'], subscribe: ['timer.*'] }).principal
  assert.deepEqual(custom.publish, ['timer.tick'])
  assert.deepEqual(custom.subscribe, ['timer.*'])
  assert.throws(() => store.create({ role: 'owner', publish: ['a.b'] }), { code: 'E_BAD_REQUEST' })
  assert.throws(() => store.create({ role: 'custom', publish: ['a.>.b'] }), { code: 'E_BAD_REQUEST' })
  assert.throws(() => store.create({ role: 'admin' as never }), { code: 'E_BAD_REQUEST' })
  assert.throws(() => store.create({ role: 'member', name: 'x'.repeat(101) }), { code: 'E_BAD_REQUEST' })
})

test('revoking takes effect at once, tells listeners, survives a reopen and keeps the record', (t) => {
  let now = Date.parse('2026-01-01T00:00:00Z')
  const { dir, store } = tempStore(t, () => now)
  const { token, principal } = store.create({
    role: 'member',
    peerId: 'phone-1',
    fingerprint: `sha256:${'a'.repeat(64)}`,
  })
  const heard: string[] = []
  const stop = store.onRevoked((id) => heard.push(id))
  now += 1000
  const revoked = store.revoke(principal.id)
  assert.equal(revoked.revokedAt, '2026-01-01T00:00:01.000Z')
  assert.deepEqual(heard, [principal.id])
  assert.equal(store.authenticate(token), undefined)
  assert.equal(store.byPeer('phone-1'), undefined)
  assert.equal(PrincipalStore.open({ dataDir: dir }).authenticate(token), undefined)
  assert.equal(store.list().length, 1)
  stop()
  assert.throws(() => store.revoke('pr_unknown'), /no principal/)
})

test('digests compare in constant time and only as 32-byte sha256 values', () => {
  const a = hashToken('one')
  assert.equal(digestsEqual(a, hashToken('one')), true)
  assert.equal(digestsEqual(a, hashToken('two')), false)
  assert.equal(digestsEqual(a, a.slice(0, 62)), false)
  assert.equal(digestsEqual('zz', 'zz'), false)
})

test('patterns overlap by NATS rules', () => {
  assert.equal(patternsOverlap('chat.>', '>'), true)
  assert.equal(patternsOverlap('chat.>', 'chat'), false)
  assert.equal(patternsOverlap('chat.*', 'chat.query'), true)
  assert.equal(patternsOverlap('chat.*', 'chat.query.x'), false)
  assert.equal(patternsOverlap('*.query', 'chat.*'), true)
  assert.equal(patternsOverlap('ledger.>', 'chat.>'), false)
  assert.equal(patternsOverlap('a.b', 'a.b'), true)
})

test('a read is all, narrowed to the granted types, or refused', () => {
  const access = principalAccess('p1', { publish: ['chat.>'], subscribe: ['chat.>', 'stream.*'] })
  assert.equal(access.readScope('chat.query'), 'all')
  assert.equal(access.readScope('>'), 'visible')
  assert.equal(access.readScope('*.query'), 'visible')
  assert.throws(() => access.readScope('ledger.>'), { code: 'E_PERMISSION_REQUIRED' })
  assert.equal(access.mayRead('stream.chunk'), true)
  assert.equal(access.mayRead('ledger.entry'), false)
  assert.equal(access.mayPublish('chat.query'), true)
  assert.throws(
    () => access.checkPublish('ledger.entry'),
    (error: { details?: { type?: string } }) => {
      assert.equal(error.details?.type, 'ledger.entry')
      return true
    },
  )
})
