import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto'

// Exec tokens sealed to one agent (decision 2030): the hub publishes exec.step.dispatched on the
// bus, where every subscriber sees it, so the token inside is encrypted to the addressee's X25519
// key: an ephemeral X25519 key per dispatch, HKDF-SHA256 over the shared secret, AES-256-GCM with
// the dispatch's lease id as associated data (a grant cannot be moved onto another lease). Every
// part is hex: the bus's secret scrubbing leaves hex alone, and it is no secret without the key.

export const SEALED_GRANT_ALG = 'x25519-hkdf-sha256-a256gcm'
const HKDF_INFO = Buffer.from('localhub exec grant v1')
/** DER prefix of an X25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex')

export interface SealedGrant {
  alg: typeof SEALED_GRANT_ALG
  ephemeralPublicKey: string
  iv: string
  ciphertext: string
  tag: string
}

export interface DispatchKeyPair {
  /** Raw X25519 public key, hex (the manifest's dispatchPublicKey). */
  publicKeyHex: string
  privateKey: KeyObject
}

function publicKeyFromHex(hex: string): KeyObject {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error('a dispatch public key is 64 hex digits')
  return createPublicKey({
    key: Buffer.concat([X25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]),
    format: 'der',
    type: 'spki',
  })
}

function rawHex(publicKey: KeyObject): string {
  return (publicKey.export({ format: 'der', type: 'spki' }) as Buffer)
    .subarray(X25519_SPKI_PREFIX.length)
    .toString('hex')
}

function keyOf(shared: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, salt, HKDF_INFO, 32))
}

/** A fresh X25519 key pair for an agent run (kept in memory: a restarted agent announces a new one). */
export function generateDispatchKeyPair(): DispatchKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519')
  return { publicKeyHex: rawHex(publicKey), privateKey }
}

/** Loads a PKCS#8 PEM X25519 private key (an agent that keeps its key across restarts). */
export function dispatchKeyPairFromPem(pem: string): DispatchKeyPair {
  const privateKey = createPrivateKey(pem)
  return { publicKeyHex: rawHex(createPublicKey(privateKey)), privateKey }
}

/** Encrypts `secret` so only the holder of `recipientHex`'s private key can read it, bound to `context`. */
export function sealGrant(secret: string, recipientHex: string, context: string): SealedGrant {
  const recipient = publicKeyFromHex(recipientHex)
  const ephemeral = generateKeyPairSync('x25519')
  const ephemeralHex = rawHex(ephemeral.publicKey)
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient })
  const key = keyOf(shared, Buffer.from(ephemeralHex + recipientHex, 'hex'))
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(context))
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()])
  return {
    alg: SEALED_GRANT_ALG,
    ephemeralPublicKey: ephemeralHex,
    iv: iv.toString('hex'),
    ciphertext: ciphertext.toString('hex'),
    tag: cipher.getAuthTag().toString('hex'),
  }
}

/** Decrypts a grant sealed to `keys`; throws when it was sealed to another key, altered or moved. */
export function openGrant(grant: SealedGrant, keys: DispatchKeyPair, context: string): string {
  if (grant.alg !== SEALED_GRANT_ALG) throw new Error(`unknown grant algorithm ${String(grant.alg)}`)
  const shared = diffieHellman({
    privateKey: keys.privateKey,
    publicKey: publicKeyFromHex(grant.ephemeralPublicKey),
  })
  const key = keyOf(shared, Buffer.from(grant.ephemeralPublicKey + keys.publicKeyHex, 'hex'))
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(grant.iv, 'hex'))
  decipher.setAAD(Buffer.from(context))
  decipher.setAuthTag(Buffer.from(grant.tag, 'hex'))
  return Buffer.concat([decipher.update(Buffer.from(grant.ciphertext, 'hex')), decipher.final()]).toString(
    'utf8',
  )
}
