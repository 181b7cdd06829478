import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import type { HubError } from '../contracts/index.ts'
import { type ExecClaims, ExecTokenSigner } from './exec-token.ts'

const NOW = 1_800_000_000_000
const signer = ExecTokenSigner.generate()
const claims: ExecClaims = {
  lease: 'l1',
  plan: 'p1',
  step: 'find',
  agent: 'agent://member/plex1',
  capability: 'capability://media.search',
  iat: NOW,
  exp: NOW + 60_000,
  slots: { title: 'Inception' },
}

function reasonOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    assert.equal((error as HubError).code, 'E_PERMISSION_REQUIRED')
    return String((error as HubError).details?.reason)
  }
  assert.fail('expected a refusal')
}

describe('exec tokens', () => {
  test('a genuine token verifies and returns its claims', () => {
    const token = signer.sign(claims)
    assert.deepEqual(signer.verify(token, { stepId: 'find' }, NOW + 1), claims)
    assert.deepEqual(signer.verify(token, { stepId: 'find', slots: { title: 'Inception' } }, NOW + 1), claims)
  })

  test('wrong step, other slots, expiry, another key and garbage are refused', () => {
    const token = signer.sign(claims)
    assert.equal(
      reasonOf(() => signer.verify(token, { stepId: 'display' }, NOW)),
      'wrong_step',
    )
    assert.equal(
      reasonOf(() => signer.verify(token, { stepId: 'find', slots: { title: 'Alien' } }, NOW)),
      'wrong_slots',
    )
    assert.equal(
      reasonOf(() => signer.verify(token, { stepId: 'find' }, NOW + 60_000)),
      'expired',
    )
    assert.equal(
      reasonOf(() => ExecTokenSigner.generate().verify(token, { stepId: 'find' }, NOW)),
      'signature',
    )
    for (const garbage of ['', 'a.b', 'lh1.x.y', 42, null, `lh1.${'a'.repeat(5000)}.b`]) {
      assert.match(
        reasonOf(() => signer.verify(garbage, { stepId: 'find' }, NOW)),
        /malformed|signature/,
      )
    }
  })

  test('claims re-signed by the holder (a longer expiry, another step) are refused', () => {
    const [prefix, , signature] = signer.sign(claims).split('.')
    const forged = Buffer.from(JSON.stringify({ ...claims, exp: NOW + 3_600_000, step: 'display' })).toString(
      'base64url',
    )
    assert.equal(
      reasonOf(() => signer.verify(`${prefix}.${forged}.${signature}`, { stepId: 'display' }, NOW)),
      'signature',
    )
  })

  test('changing any one character of a token is refused (property)', () => {
    const token = signer.sign(claims)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.constantFrom(...alphabet), (at, replacement) => {
        fc.pre(token[at] !== replacement)
        const altered = token.slice(0, at) + replacement + token.slice(at + 1)
        assert.throws(() => signer.verify(altered, { stepId: 'find' }, NOW))
      }),
      { numRuns: 500 },
    )
  })

  test('the key survives a PEM round trip', () => {
    const again = ExecTokenSigner.fromPem(signer.privateKeyPem())
    assert.deepEqual(again.verify(signer.sign(claims), { stepId: 'find' }, NOW), claims)
    assert.match(signer.publicKeyPem(), /BEGIN PUBLIC KEY/)
  })
})
