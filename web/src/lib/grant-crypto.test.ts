// The page's WebCrypto grants against the hub's node:crypto ones (decision 2050): a fixed vector
// sealed by src/federation-agent/sealed-grant.ts opens in both; grants sealed live by either side
// open in the other; anything altered, moved to another lease or sealed to another key is refused.
import assert from 'node:assert/strict'
import { createPrivateKey } from 'node:crypto'
import { describe, test } from 'node:test'
import { generateDispatchKeyPair, openGrant, sealGrant } from '../../../src/federation-agent/index.ts'
import {
  bytesOf,
  generateWebDispatchKeys,
  hexOf,
  openWebGrant,
  sealWebGrant,
  supportsX25519,
  type WebCryptoLike,
  type WebDispatchKeys,
} from './grant-crypto.ts'

const webCrypto = globalThis.crypto as unknown as WebCryptoLike

/** Sealed once with node:crypto's sealGrant to a key made for this test only. */
const VECTOR = Object.freeze({
  recipientPrivateKeyPkcs8:
    '302e020100300506032b656e042204208024383ef3c953bf5768d61a9d73bd4e858f07469e86c1d0bf08fa814071794b',
  recipientPublicKey: '0adb92e238a19096f1103fa85728ed665d1537badbc787487d7d7115cc68444e',
  context: 'lease-vector-1',
  secret: 'v1.eyJsZWFzZUlkIjoibGVhc2UtdmVjdG9yLTEifQ.c2lnbmF0dXJl',
  grant: Object.freeze({
    alg: 'x25519-hkdf-sha256-a256gcm' as const,
    ephemeralPublicKey: '44647f80a0b848cdbb75585be7a152a51b83b1aa8cdf2e953afda6f7f3e49802',
    iv: 'df6a9d10d241cc4e780576cc',
    ciphertext:
      '1ace7426b3f46cfa788877e35bcbf43b2606278f1008b7f2c59853a0b48f16e88c9511654163a37a29df1014f71b7f76c1b89bb57ed1',
    tag: '2d0eff2da11e3693f8e25cd8c614123c',
  }),
})

async function vectorKeys(): Promise<WebDispatchKeys> {
  const privateKey = await webCrypto.subtle.importKey(
    'pkcs8',
    bytesOf(VECTOR.recipientPrivateKeyPkcs8, 'the vector key'),
    { name: 'X25519' },
    false,
    ['deriveBits'],
  )
  return { publicKeyHex: VECTOR.recipientPublicKey, privateKey }
}

function nodeVectorKeys() {
  const privateKey = createPrivateKey({
    key: Buffer.from(VECTOR.recipientPrivateKeyPkcs8, 'hex'),
    format: 'der',
    type: 'pkcs8',
  })
  return { publicKeyHex: VECTOR.recipientPublicKey, privateKey }
}

describe('sealed grants in WebCrypto', () => {
  test('this Node has X25519 in WebCrypto; hex helpers round-trip', async () => {
    assert.equal(await supportsX25519(webCrypto), true)
    assert.equal(await supportsX25519(undefined), false)
    assert.equal(hexOf(bytesOf('00ff10', 'x')), '00ff10')
    assert.throws(() => bytesOf('0G', 'x'), /not lower-case hex/)
  })

  test('the fixed vector opens in node:crypto and in the page code to the same secret', async () => {
    assert.equal(openGrant(VECTOR.grant, nodeVectorKeys(), VECTOR.context), VECTOR.secret)
    assert.equal(
      await openWebGrant(webCrypto, VECTOR.grant, await vectorKeys(), VECTOR.context),
      VECTOR.secret,
    )
  })

  test('the vector altered, under another lease or with another key is refused', async () => {
    const keys = await vectorKeys()
    await assert.rejects(openWebGrant(webCrypto, VECTOR.grant, keys, 'lease-vector-2'))
    const flipped = `${VECTOR.grant.ciphertext.slice(0, -1)}${VECTOR.grant.ciphertext.endsWith('0') ? '1' : '0'}`
    await assert.rejects(
      openWebGrant(webCrypto, { ...VECTOR.grant, ciphertext: flipped }, keys, VECTOR.context),
    )
    await assert.rejects(
      openWebGrant(webCrypto, { ...VECTOR.grant, tag: '00'.repeat(16) }, keys, VECTOR.context),
    )
    const other = await generateWebDispatchKeys(webCrypto)
    await assert.rejects(openWebGrant(webCrypto, VECTOR.grant, other, VECTOR.context))
    await assert.rejects(
      openWebGrant(webCrypto, { ...VECTOR.grant, alg: 'other' as never }, keys, VECTOR.context),
      /unknown grant algorithm/,
    )
  })

  test('sealed by node:crypto to a page key, opened by the page code', async () => {
    const keys = await generateWebDispatchKeys(webCrypto)
    assert.match(keys.publicKeyHex, /^[0-9a-f]{64}$/)
    const secret = `token-${'é'.repeat(3)}-${keys.publicKeyHex.slice(0, 8)}`
    const grant = sealGrant(secret, keys.publicKeyHex, 'lease-a')
    assert.equal(await openWebGrant(webCrypto, grant, keys, 'lease-a'), secret)
    await assert.rejects(openWebGrant(webCrypto, grant, keys, 'lease-b'))
  })

  test('sealed by the page code to a node:crypto key, opened by node:crypto', async () => {
    const keys = generateDispatchKeyPair()
    const grant = await sealWebGrant(webCrypto, 'a token', keys.publicKeyHex, 'lease-c')
    assert.equal(grant.alg, 'x25519-hkdf-sha256-a256gcm')
    assert.match(grant.iv, /^[0-9a-f]{24}$/)
    assert.match(grant.tag, /^[0-9a-f]{32}$/)
    assert.equal(openGrant(grant, keys, 'lease-c'), 'a token')
    assert.throws(() => openGrant(grant, keys, 'lease-d'))
    assert.throws(() => openGrant(grant, generateDispatchKeyPair(), 'lease-c'))
  })
})
