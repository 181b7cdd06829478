import assert from 'node:assert/strict'
import { createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { test } from 'node:test'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { PrincipalStore } from '../principals/index.ts'
import { fingerprintOf, pairingMessage } from './pairing-keys.ts'
import { resolvePairingOptions } from './pairing-options.ts'
import { PairingService, type StartInput } from './pairing-service.ts'
import { WindowRateLimiter } from './rate-limit.ts'

const HUB_ID = 'hub-test'

function device() {
  const { privateKey } = generateKeyPairSync('ed25519')
  const x = (createPublicKey(privateKey).export({ format: 'jwk' }) as { x: string }).x
  return { privateKey, publicKey: Buffer.from(x, 'base64url').toString('base64') }
}

function signed(
  key: KeyObject,
  answer: { pairingId: string; challenge: string; hubId: string },
  peerId: string,
) {
  return sign(null, pairingMessage({ ...answer, peerId }), key).toString('base64')
}

function setup(t: { after(fn: () => void): void }) {
  const dir = makeTempDir('localhub-pairing-')
  t.after(() => dir.remove())
  let now = Date.parse('2026-03-01T10:00:00Z')
  const events: Array<{ type: string; payload: Record<string, unknown> }> = []
  const principals = PrincipalStore.open({ dataDir: dir.path, now: () => now })
  const service = new PairingService(
    { principals, hubId: HUB_ID, now: () => now, publish: async (draft) => events.push(draft) },
    { ttlMs: 60_000 },
  )
  return { service, principals, events, advance: (ms: number) => (now += ms) }
}

test('start, owner approves, complete: a member token bound to the peer id and key fingerprint', async (t) => {
  const { service, principals, events } = setup(t)
  const phone = device()
  const started = await service.start({ peerId: 'phone-1', publicKey: phone.publicKey, deviceName: 'Phone' })
  assert.equal(Buffer.from(started.challenge, 'base64').length, 32)
  assert.equal(started.hubId, HUB_ID)
  assert.equal(started.fingerprint, fingerprintOf(Buffer.from(phone.publicKey, 'base64')))
  const signature = signed(phone.privateKey, started, 'phone-1')
  await assert.rejects(
    service.complete({ pairingId: started.pairingId, signature }),
    (error: { details?: { status?: string } }) => {
      assert.equal(error.details?.status, 'awaiting_approval')
      return true
    },
  )
  assert.equal(service.list()[0]?.status, 'pending')
  service.approve(started.pairingId)
  const done = await service.complete({ pairingId: started.pairingId, signature })
  assert.equal(done.principal.role, 'member')
  assert.equal(done.principal.peerId, 'phone-1')
  assert.equal(done.principal.fingerprint, started.fingerprint)
  assert.equal(principals.authenticate(done.token)?.id, done.principal.id)
  assert.deepEqual(
    events.map((event) => event.type),
    ['pairing.started', 'pairing.completed'],
  )
  assert.equal(events[1]!.payload.remote_public_key_ed25519, phone.publicKey)
  assert.equal(events[1]!.payload.mtls_cert_fingerprint, started.fingerprint)
  assert.equal(events[0]!.payload.remote_uri, 'urn:localhub:peer:phone-1')
})

test('a wrong signature is SIGNATURE_INVALID; after the attempts run out the challenge is spent', async (t) => {
  const { service, events } = setup(t)
  const phone = device()
  const other = device()
  const started = await service.start({ peerId: 'phone-1', publicKey: phone.publicKey })
  service.approve(started.pairingId)
  const forged = signed(other.privateKey, started, 'phone-1')
  for (let attempt = 0; attempt < 3; attempt++) {
    await assert.rejects(service.complete({ pairingId: started.pairingId, signature: forged }), {
      details: { pairingError: 'SIGNATURE_INVALID', pairingId: started.pairingId },
    })
  }
  // Signed for another peer id or another hub: the same refusal.
  await assert.rejects(
    service.complete({
      pairingId: started.pairingId,
      signature: signed(phone.privateKey, started, 'phone-1'),
    }),
    { details: { pairingError: 'CHALLENGE_FAILED', pairingId: started.pairingId } },
  )
  const failed = events
    .filter((event) => event.type === 'pairing.failed')
    .map((event) => event.payload.error_code)
  assert.deepEqual(failed, [
    'SIGNATURE_INVALID',
    'SIGNATURE_INVALID',
    'SIGNATURE_INVALID',
    'CHALLENGE_FAILED',
  ])
})

test('signatures bind the peer id and the hub id', async (t) => {
  const { service } = setup(t)
  const phone = device()
  const started = await service.start({ peerId: 'phone-1', publicKey: phone.publicKey })
  service.approve(started.pairingId)
  for (const signature of [
    signed(phone.privateKey, started, 'phone-2'),
    signed(phone.privateKey, { ...started, hubId: 'other-hub' }, 'phone-1'),
    'not base64!',
  ]) {
    await assert.rejects(service.complete({ pairingId: started.pairingId, signature }), {
      details: { pairingError: 'SIGNATURE_INVALID', pairingId: started.pairingId },
    })
  }
})

test('an expired challenge is TIMEOUT; a replayed answer is CHALLENGE_FAILED', async (t) => {
  const { service, events, advance } = setup(t)
  const phone = device()
  const late = await service.start({ peerId: 'late', publicKey: phone.publicKey })
  service.approve(late.pairingId)
  advance(60_001)
  await assert.rejects(
    service.complete({ pairingId: late.pairingId, signature: signed(phone.privateKey, late, 'late') }),
    { code: 'E_TIMEOUT', details: { pairingError: 'TIMEOUT', pairingId: late.pairingId } },
  )
  assert.throws(() => service.approve(late.pairingId), { code: 'E_TIMEOUT' })
  const fresh = await service.start({ peerId: 'fresh', publicKey: phone.publicKey })
  service.approve(fresh.pairingId)
  const signature = signed(phone.privateKey, fresh, 'fresh')
  await service.complete({ pairingId: fresh.pairingId, signature })
  await assert.rejects(service.complete({ pairingId: fresh.pairingId, signature }), {
    details: { pairingError: 'CHALLENGE_FAILED', pairingId: fresh.pairingId },
  })
  const codes = events
    .filter((event) => event.type === 'pairing.failed')
    .map((event) => event.payload.error_code)
  assert.deepEqual(codes, ['TIMEOUT', 'CHALLENGE_FAILED'])
})

test('a long peer id without a device name still pairs', async (t) => {
  const { service } = setup(t)
  const phone = device()
  const peerId = 'p'.repeat(128)
  const started = await service.start({ peerId, publicKey: phone.publicKey })
  service.approve(started.pairingId)
  const done = await service.complete({
    pairingId: started.pairingId,
    signature: signed(phone.privateKey, started, peerId),
  })
  assert.equal(done.principal.peerId, peerId)
  assert.equal(done.principal.name?.length, 100)
})

test('pairing a peer again replaces its token; revoking the peer revokes its principal', async (t) => {
  const { service, principals } = setup(t)
  const phone = device()
  const pair = async () => {
    const started = await service.start({ peerId: 'phone-1', publicKey: phone.publicKey })
    service.approve(started.pairingId)
    return service.complete({
      pairingId: started.pairingId,
      signature: signed(phone.privateKey, started, 'phone-1'),
    })
  }
  const first = await pair()
  const second = await pair()
  assert.equal(principals.authenticate(first.token), undefined)
  assert.equal(principals.authenticate(second.token)?.id, second.principal.id)
  service.revokePeer('phone-1')
  assert.equal(principals.authenticate(second.token), undefined)
  assert.throws(() => service.revokePeer('phone-1'), /no paired peer/)
})

test('hostile starts are refused before anything is remembered', async (t) => {
  const { service, events } = setup(t)
  const phone = device()
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
    type: 'spki',
    format: 'der',
  })
  const cases: StartInput[] = [
    { peerId: 'a\nb', publicKey: phone.publicKey },
    { peerId: 'p', publicKey: 'not-base64-at-all-but-44-characters-long!!!=' },
    { peerId: 'p', publicKey: rsa.toString('base64') },
    { peerId: 'p', publicKey: Buffer.alloc(33).toString('base64') },
    { peerId: 'p', publicKey: phone.publicKey, x25519PublicKey: 'short' },
    { peerId: 'p', publicKey: phone.publicKey, componentType: 'robot' as never },
  ]
  for (const input of cases) await assert.rejects(service.start(input), { code: 'E_VALIDATION' })
  assert.equal(service.list().length, 0)
  assert.equal(events.length, 0)
  await assert.rejects(service.complete({ pairingId: 'nope', signature: 'x' }), /no pairing/)
})

test('at most maxPairings wait at once; options are checked', async (t) => {
  const dir = makeTempDir('localhub-pairing-')
  t.after(() => dir.remove())
  const service = new PairingService(
    { principals: PrincipalStore.open({ dataDir: dir.path }), hubId: HUB_ID, publish: async () => {} },
    { maxPairings: 2 },
  )
  const phone = device()
  await service.start({ peerId: 'a', publicKey: phone.publicKey })
  await service.start({ peerId: 'b', publicKey: phone.publicKey })
  await assert.rejects(service.start({ peerId: 'c', publicKey: phone.publicKey }), {
    code: 'E_RESOURCE_LIMIT',
  })
  assert.throws(() => resolvePairingOptions({ ttlMs: 10 }), { code: 'E_BAD_REQUEST' })
})

test('the rate limiter counts per key within a window', () => {
  let now = 0
  const limiter = new WindowRateLimiter({ limit: 2, windowMs: 1000, maxKeys: 2, now: () => now })
  assert.deepEqual([limiter.take('a'), limiter.take('a'), limiter.take('a')], [true, true, false])
  assert.equal(limiter.take('b'), true)
  assert.equal(limiter.retryAfterMs(), 1000)
  now = 1000
  assert.equal(limiter.take('a'), true)
})
