import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { HubError } from '../contracts/index.ts'
import { writeFileAtomic } from './atomic-file.ts'
import { canonicalJson } from './entry-hash.ts'
import type { Checkpoint } from './ledger-types.ts'

export const PRIVATE_KEY_FILE = 'ledger-ed25519.key'
export const PUBLIC_KEY_FILE = 'ledger-ed25519.pub'

export interface SigningKey {
  keyId: string
  privateKey: KeyObject
  publicKey: KeyObject
}

function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16)
}

/** Loads the ledger's ed25519 key, generating it on first use (private key file mode 0600). */
export function loadOrCreateSigningKey(keysDir: string, mayCreate: boolean): SigningKey {
  const privatePath = join(keysDir, PRIVATE_KEY_FILE)
  if (!existsSync(privatePath)) {
    if (!mayCreate) {
      throw new HubError(
        'E_IO',
        `the ledger signing key ${privatePath} is missing but the ledger has signed checkpoints; restore it (a new key could not vouch for the old entries)`,
      )
    }
    mkdirSync(keysDir, { recursive: true, mode: 0o700 })
    const pair = generateKeyPairSync('ed25519')
    writeFileAtomic(privatePath, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600)
    writeFileAtomic(
      join(keysDir, PUBLIC_KEY_FILE),
      pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      0o644,
    )
  }
  // A key file left group/world readable by a copy is tightened, not trusted as is.
  chmodSync(privatePath, 0o600)
  const privateKey = createPrivateKey(readFileSync(privatePath))
  const publicKey = createPublicKey(privateKey)
  return { keyId: keyIdOf(publicKey), privateKey, publicKey }
}

/** The public half only, for read-only verification; undefined when there is none. */
export function loadPublicKey(keysDir: string): { keyId: string; publicKey: KeyObject } | undefined {
  const publicPath = join(keysDir, PUBLIC_KEY_FILE)
  if (!existsSync(publicPath)) return undefined
  const publicKey = createPublicKey(readFileSync(publicPath))
  return { keyId: keyIdOf(publicKey), publicKey }
}

function signedBytes(fields: Pick<Checkpoint, 'ledgerId' | 'index' | 'hash' | 'ts'>): Buffer {
  const { ledgerId, index, hash, ts } = fields
  return Buffer.from(canonicalJson({ ledgerId, index, hash, ts }))
}

export function signCheckpoint(
  key: SigningKey,
  fields: Pick<Checkpoint, 'ledgerId' | 'index' | 'hash' | 'ts'>,
): Checkpoint {
  const signature = sign(null, signedBytes(fields), key.privateKey).toString('base64')
  return { ...fields, keyId: key.keyId, signature }
}

export function checkpointSignatureValid(publicKey: KeyObject, checkpoint: Checkpoint): boolean {
  try {
    return verify(null, signedBytes(checkpoint), publicKey, Buffer.from(checkpoint.signature, 'base64'))
  } catch {
    return false
  }
}
