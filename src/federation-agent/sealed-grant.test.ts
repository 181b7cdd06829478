import assert from 'node:assert/strict'
import { test } from 'node:test'
import { dispatchKeyPairFromPem, generateDispatchKeyPair, openGrant, sealGrant } from './sealed-grant.ts'

test('a sealed grant opens only with the addressee key, for its lease, unaltered', () => {
  const agent = generateDispatchKeyPair()
  const other = generateDispatchKeyPair()
  const grant = sealGrant('lh1.claims.signature', agent.publicKeyHex, 'lease-1')
  for (const part of [grant.ephemeralPublicKey, grant.iv, grant.ciphertext, grant.tag])
    assert.match(part, /^[0-9a-f]+$/)
  assert.equal(openGrant(grant, agent, 'lease-1'), 'lh1.claims.signature')
  assert.throws(() => openGrant(grant, other, 'lease-1'))
  assert.throws(() => openGrant(grant, agent, 'lease-2'))
  const flipped = (grant.ciphertext[0] === '0' ? '1' : '0') + grant.ciphertext.slice(1)
  assert.throws(() => openGrant({ ...grant, ciphertext: flipped }, agent, 'lease-1'))
  // Two seals of the same token differ (a fresh ephemeral key and iv each time).
  assert.notEqual(
    sealGrant('lh1.claims.signature', agent.publicKeyHex, 'lease-1').ciphertext,
    grant.ciphertext,
  )
  // A key kept as PEM opens what was sealed to it.
  const pem = agent.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  assert.equal(openGrant(grant, dispatchKeyPairFromPem(pem), 'lease-1'), 'lh1.claims.signature')
  assert.throws(() => sealGrant('x', 'not-a-key', 'lease-1'), /64 hex digits/)
})
