// Issue 16, seed 004 pairing on a real hub process (challenge TTL 2.5 s through
// LOCALHUB_PAIRING_TTL_MS): the happy path with the owner's approval, pairing.* events, events of
// the peer stamped with its peer id and fingerprint, spoofing refused, wrong signature, replay,
// expiry, revocation, hostile bodies and the rate limit.
import assert from 'node:assert/strict'
import { createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Envelope } from '../../src/contracts/index.ts'
import { pairingMessage } from '../../src/pairing/index.ts'
import { type HubProcess, startHubProcess } from '../kit/hub-process.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

// biome-ignore lint/suspicious/noExplicitAny: answers are arbitrary JSON read field by field
type Json = any

const TTL_MS = 2_500
const uiNotify: Json = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../catalog/events/ui/notify/v1/examples/basic.json', import.meta.url)),
    'utf8',
  ),
)

function device() {
  const { privateKey } = generateKeyPairSync('ed25519')
  const x = (createPublicKey(privateKey).export({ format: 'jwk' }) as { x: string }).x
  return { privateKey, publicKey: Buffer.from(x, 'base64url').toString('base64') }
}

describe('pairing on a real hub', () => {
  const root = makeTempDir('localhub-pairing-e2e-')
  let hub: HubProcess

  async function call(method: string, path: string, body?: unknown, token = hub.token) {
    const response = await fetch(`${hub.url}${path}`, {
      method,
      headers: {
        ...(token === '' ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    return { status: response.status, body: (await response.json()) as Json }
  }

  const sig = (key: KeyObject, started: Json, peerId: string) =>
    sign(
      null,
      pairingMessage({
        hubId: started.hubId,
        pairingId: started.pairingId,
        peerId,
        challenge: started.challenge,
      }),
      key,
    ).toString('base64')

  async function start(peerId: string, publicKey: string) {
    const answer = await call(
      'POST',
      '/pairing/start',
      { peerId, publicKey, x25519PublicKey: device().publicKey },
      '',
    )
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    return answer.body.data
  }

  async function pair(peerId: string) {
    const keys = device()
    const started = await start(peerId, keys.publicKey)
    assert.equal((await call('POST', `/pairing/${started.pairingId}/approve`)).status, 200)
    const done = await call(
      'POST',
      '/pairing/complete',
      { pairingId: started.pairingId, signature: sig(keys.privateKey, started, peerId) },
      '',
    )
    assert.equal(done.status, 200, JSON.stringify(done.body))
    return { keys, started, token: done.body.data.token as string, principal: done.body.data.principal }
  }

  async function pairingEvents(pairingId: string): Promise<Envelope[]> {
    const answer = await call('GET', '/events?filter=pairing.>&limit=1000')
    return (answer.body.data as Envelope[]).filter((event) => event.payload.pairing_id === pairingId)
  }

  before(async () => {
    hub = await startHubProcess(join(root.path, 'data'), [], { LOCALHUB_PAIRING_TTL_MS: String(TTL_MS) })
  })
  after(async () => {
    await hub?.stop()
    root.remove()
  })

  test('happy path: start, wait for the owner, complete; the principal carries peer id and fingerprint', async () => {
    const keys = device()
    const started = await start('phone-1', keys.publicKey)
    assert.equal(Buffer.from(started.challenge, 'base64').length, 32)
    const signature = sig(keys.privateKey, started, 'phone-1')
    const early = await call('POST', '/pairing/complete', { pairingId: started.pairingId, signature }, '')
    assert.equal(early.status, 409)
    assert.equal(early.body.error.details.status, 'awaiting_approval')
    const pending = await call('GET', '/pairing')
    assert.equal(pending.body.data.pairings[0].fingerprint, started.fingerprint)
    assert.equal((await call('POST', `/pairing/${started.pairingId}/approve`)).status, 200)
    const done = await call('POST', '/pairing/complete', { pairingId: started.pairingId, signature }, '')
    assert.equal(done.status, 200)
    assert.equal(done.body.data.principal.peerId, 'phone-1')
    assert.equal(done.body.data.principal.fingerprint, started.fingerprint)
    assert.equal(done.body.data.principal.role, 'member')
    const events = await pairingEvents(started.pairingId)
    assert.deepEqual(
      events.map((event) => event.type),
      ['pairing.started', 'pairing.completed'],
    )
    assert.equal(events[1]!.payload.mtls_cert_fingerprint, started.fingerprint)
    assert.equal(events[1]!.payload.remote_public_key_ed25519, keys.publicKey)
    assert.equal(events[1]!.payload.remote_component_id, 'phone-1')
    // A replayed answer: the challenge was used.
    const replay = await call('POST', '/pairing/complete', { pairingId: started.pairingId, signature }, '')
    assert.equal(replay.status, 403)
    assert.equal(replay.body.error.details.pairingError, 'CHALLENGE_FAILED')
    const failed = await pairingEvents(started.pairingId)
    assert.equal(failed.at(-1)?.type, 'pairing.failed')
    assert.equal(failed.at(-1)?.payload.error_code, 'CHALLENGE_FAILED')
  })

  test("a peer's events carry its peer id and verified fingerprint; it cannot claim another's", async () => {
    const first = await pair('watch-1')
    const second = await pair('watch-2')
    const posted = await call(
      'POST',
      '/events',
      {
        type: 'ui.notify',
        payload: uiNotify,
        meta: { peer: { id: 'watch-1', fingerprint: first.started.fingerprint } },
      },
      second.token,
    )
    assert.equal(posted.status, 200, JSON.stringify(posted.body))
    const stored = await call('GET', `/events?from=${posted.body.data.seq}&limit=1`)
    assert.deepEqual(stored.body.data[0].meta.peer, {
      id: 'watch-2',
      fingerprint: second.started.fingerprint,
    })
    assert.equal(stored.body.data[0].meta.principal, second.principal.id)
    // The owner cannot write a peer identity either: only the hub stamps it.
    const byOwner = await call('POST', '/events', {
      type: 'ui.notify',
      payload: uiNotify,
      meta: { peer: { id: 'watch-1' } },
    })
    const ownerStored = await call('GET', `/events?from=${byOwner.body.data.seq}&limit=1`)
    assert.equal(ownerStored.body.data[0].meta?.peer, undefined)
  })

  test('a wrong signature is SIGNATURE_INVALID with a pairing.failed event', async () => {
    const keys = device()
    const started = await start('tablet-1', keys.publicKey)
    await call('POST', `/pairing/${started.pairingId}/approve`)
    const forged = sig(device().privateKey, started, 'tablet-1')
    const refused = await call(
      'POST',
      '/pairing/complete',
      { pairingId: started.pairingId, signature: forged },
      '',
    )
    assert.equal(refused.status, 403)
    assert.equal(refused.body.ok, false)
    assert.equal(refused.body.error.details.pairingError, 'SIGNATURE_INVALID')
    const events = await pairingEvents(started.pairingId)
    assert.equal(events.at(-1)?.payload.error_code, 'SIGNATURE_INVALID')
  })

  test('an expired challenge is TIMEOUT (410) with a pairing.failed event', async () => {
    const keys = device()
    const started = await start('slow-1', keys.publicKey)
    await call('POST', `/pairing/${started.pairingId}/approve`)
    await new Promise((resolve) => setTimeout(resolve, TTL_MS + 200))
    const late = await call(
      'POST',
      '/pairing/complete',
      { pairingId: started.pairingId, signature: sig(keys.privateKey, started, 'slow-1') },
      '',
    )
    assert.equal(late.status, 410)
    assert.equal(late.body.error.details.pairingError, 'TIMEOUT')
    const events = await pairingEvents(started.pairingId)
    assert.equal(events.at(-1)?.payload.error_code, 'TIMEOUT')
  })

  test('revoking the peer: its token fails at once', async () => {
    const paired = await pair('old-phone')
    assert.equal((await call('GET', '/events?filter=chat.>&limit=1', undefined, paired.token)).status, 200)
    const revoked = await call('DELETE', '/pairing/peers/old-phone')
    assert.equal(revoked.status, 200)
    assert.equal((await call('GET', '/events?filter=chat.>&limit=1', undefined, paired.token)).status, 401)
    assert.equal((await call('DELETE', '/pairing/peers/old-phone')).status, 404)
    // A member cannot approve or revoke pairings.
    const member = await pair('member-device')
    const keys = device()
    const started = await start('another', keys.publicKey)
    assert.equal(
      (await call('POST', `/pairing/${started.pairingId}/approve`, undefined, member.token)).status,
      403,
    )
    assert.equal((await call('DELETE', '/pairing/peers/watch-1', undefined, member.token)).status, 403)
  })

  test('hostile bodies are refused with 4xx envelopes', async () => {
    const keys = device()
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'der',
    })
    const cases: Json[] = [
      { peerId: 'p', publicKey: 'A'.repeat(10_000) },
      { peerId: 'p', publicKey: '!!!!not base64 at all, but long enough!!!!!=' },
      { peerId: 'p', publicKey: rsa.toString('base64') },
      { peerId: 'p', publicKey: createPublicKey(keys.privateKey).export({ type: 'spki', format: 'pem' }) },
      { publicKey: keys.publicKey },
      { peerId: 'p' },
      { peerId: 'bad id with spaces', publicKey: keys.publicKey },
      { peerId: 'p', publicKey: keys.publicKey, extra: true },
    ]
    for (const body of cases) {
      const answer = await call('POST', '/pairing/start', body, '')
      assert.ok(
        answer.status >= 400 && answer.status < 500,
        `${answer.status} for ${JSON.stringify(body).slice(0, 80)}`,
      )
      assert.equal(answer.body.ok, false)
    }
    const notJson = await call('POST', '/pairing/start', '{"peerId":', '')
    assert.equal(notJson.status, 400)
    for (const body of [
      { pairingId: 'x' },
      { signature: 'x' },
      { pairingId: 'x', signature: 'y'.repeat(500) },
    ]) {
      const answer = await call('POST', '/pairing/complete', body, '')
      assert.equal(answer.status, 422)
    }
    const unknown = await call('POST', '/pairing/complete', { pairingId: 'no-such', signature: 'x' }, '')
    assert.equal(unknown.status, 404)
  })

  test('starts are rate-limited per address', async () => {
    const keys = device()
    let last: Response | undefined
    for (let index = 0; index < 25 && last?.status !== 429; index++)
      last = await fetch(`${hub.url}/pairing/start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ peerId: `flood-${index}`, publicKey: keys.publicKey }),
      })
    assert.ok(last !== undefined)
    assert.equal(last.status, 429)
    assert.match(last.headers.get('retry-after') ?? '', /^\d+$/)
    assert.equal(((await last.json()) as Json).error.code, 'E_RESOURCE_LIMIT')
  })
})
