// Sealed exec grants in the page (decision 2050): the same construction as the Node agent's
// src/federation-agent/sealed-grant.ts, byte for byte, with WebCrypto instead of node:crypto so a
// dashboard tab can take dispatched steps. X25519 between the grant's ephemeral key and the
// page's dispatch key, HKDF-SHA256 (salt: ephemeral public key ‖ recipient public key, info
// "localhub exec grant v1") to a 32-byte AES-256-GCM key, the lease id as associated data.
// Every part is hex. WebCrypto exists only in secure contexts (https, localhost, 127.0.0.1).
import type { ExecStepDispatchedGrant } from '../../../src/contracts/index.ts'

export const SEALED_GRANT_ALG = 'x25519-hkdf-sha256-a256gcm'
const HKDF_INFO = new TextEncoder().encode('localhub exec grant v1')
const TAG_BYTES = 16
const IV_BYTES = 12

/** The parts of the platform's `crypto` this module needs (the page's or Node's globalThis.crypto). */
export type WebCryptoLike = Pick<Crypto, 'subtle' | 'getRandomValues'>

export interface WebDispatchKeys {
  /** Raw X25519 public key, hex: what the announce sends as dispatchPublicKey. */
  publicKeyHex: string
  /** Never extractable: the key stays in the page that made it. */
  privateKey: CryptoKey
}

export function hexOf(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)
  let hex = ''
  for (const byte of view) hex += byte.toString(16).padStart(2, '0')
  return hex
}

export function bytesOf(hex: string, what: string): Uint8Array<ArrayBuffer> {
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new Error(`${what} is not lower-case hex`)
  const bytes = new Uint8Array(hex.length / 2)
  for (let index = 0; index < bytes.length; index++)
    bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16)
  return bytes
}

function publicKeyBytes(hex: string): Uint8Array<ArrayBuffer> {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error('a dispatch public key is 64 hex digits')
  return bytesOf(hex, 'the public key')
}

/** Whether this platform's WebCrypto does X25519 (Chromium 133+, Firefox 130+, Node 20). */
export async function supportsX25519(crypto: WebCryptoLike | undefined): Promise<boolean> {
  if (crypto?.subtle === undefined) return false
  try {
    await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])
    return true
  } catch {
    return false
  }
}

/** A fresh dispatch key pair; the private key cannot be exported. */
export async function generateWebDispatchKeys(crypto: WebCryptoLike): Promise<WebDispatchKeys> {
  const pair = (await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair
  const raw = await crypto.subtle.exportKey('raw', pair.publicKey)
  return { publicKeyHex: hexOf(raw), privateKey: pair.privateKey }
}

async function aesKeyOf(
  crypto: WebCryptoLike,
  privateKey: CryptoKey,
  peerHex: string,
  ephemeralHex: string,
  recipientHex: string,
  usage: 'encrypt' | 'decrypt',
): Promise<CryptoKey> {
  const peer = await crypto.subtle.importKey('raw', publicKeyBytes(peerHex), { name: 'X25519' }, false, [])
  const shared = await crypto.subtle.deriveBits({ name: 'X25519', public: peer }, privateKey, 256)
  const hkdf = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey'])
  return crypto.subtle.deriveKey(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: bytesOf(ephemeralHex + recipientHex, 'the key pair'),
      info: HKDF_INFO,
    },
    hkdf,
    { name: 'AES-GCM', length: 256 },
    false,
    [usage],
  )
}

/** Decrypts a grant sealed to `keys`; rejects when it was sealed to another key, altered or moved. */
export async function openWebGrant(
  crypto: WebCryptoLike,
  grant: ExecStepDispatchedGrant,
  keys: WebDispatchKeys,
  context: string,
): Promise<string> {
  if (grant.alg !== SEALED_GRANT_ALG) throw new Error(`unknown grant algorithm ${String(grant.alg)}`)
  const key = await aesKeyOf(
    crypto,
    keys.privateKey,
    grant.ephemeralPublicKey,
    grant.ephemeralPublicKey,
    keys.publicKeyHex,
    'decrypt',
  )
  const ciphertext = bytesOf(grant.ciphertext, 'the ciphertext')
  const tag = bytesOf(grant.tag, 'the tag')
  if (tag.length !== TAG_BYTES) throw new Error('the tag is 16 bytes')
  // WebCrypto takes the tag appended to the ciphertext.
  const sealed = new Uint8Array(ciphertext.length + tag.length)
  sealed.set(ciphertext)
  sealed.set(tag, ciphertext.length)
  const plain = await crypto.subtle.decrypt(
    {
      name: 'AES-GCM',
      iv: bytesOf(grant.iv, 'the iv'),
      additionalData: new TextEncoder().encode(context),
      tagLength: TAG_BYTES * 8,
    },
    key,
    sealed,
  )
  return new TextDecoder('utf-8', { fatal: true }).decode(plain)
}

/**
 * Seals `secret` to `recipientHex` as the hub does. The page never seals grants; this exists so
 * tests can check the construction both ways against node:crypto (web/src/lib/grant-crypto.test.ts).
 */
export async function sealWebGrant(
  crypto: WebCryptoLike,
  secret: string,
  recipientHex: string,
  context: string,
): Promise<ExecStepDispatchedGrant> {
  publicKeyBytes(recipientHex)
  const ephemeral = await generateWebDispatchKeys(crypto)
  const key = await aesKeyOf(
    crypto,
    ephemeral.privateKey,
    recipientHex,
    ephemeral.publicKeyHex,
    recipientHex,
    'encrypt',
  )
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(context), tagLength: TAG_BYTES * 8 },
      key,
      new TextEncoder().encode(secret),
    ),
  )
  return {
    alg: SEALED_GRANT_ALG,
    ephemeralPublicKey: ephemeral.publicKeyHex,
    iv: hexOf(iv),
    ciphertext: hexOf(sealed.subarray(0, sealed.length - TAG_BYTES)),
    tag: hexOf(sealed.subarray(sealed.length - TAG_BYTES)),
  }
}
