import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto'
import { HubError } from '../contracts/index.ts'

// Keys are sent as seed 004 writes them: the raw 32-byte public key, standard base64 (44
// characters with padding). Signatures are the raw 64-byte ed25519 signature, base64.

const RAW_KEY_BASE64 = /^[A-Za-z0-9+/]{43}=$/
const SIGNATURE_BASE64 = /^[A-Za-z0-9+/]{86}==$/
/** Domain separation: a pairing signature cannot be replayed as any other ed25519 signature. */
export const PAIRING_SIGNATURE_CONTEXT = 'localhub-pairing-v1'

/** The 32 bytes of a base64 raw public key, or a HubError naming the field. */
export function rawKeyOf(text: unknown, field: string): Buffer {
  if (typeof text !== 'string' || !RAW_KEY_BASE64.test(text))
    throw new HubError(
      'E_VALIDATION',
      `${field} must be a 32-byte raw public key in base64 (44 characters)`,
      {
        details: {
          issues: [
            {
              path: `/${field}`,
              expected: '32 bytes, base64',
              got: String(text).slice(0, 60),
              message: 'not a raw 32-byte key',
            },
          ],
        },
      },
    )
  return Buffer.from(text, 'base64')
}

/** An ed25519 public key object from its raw bytes. */
export function ed25519KeyOf(raw: Buffer): KeyObject {
  try {
    return createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
      format: 'jwk',
    })
  } catch (error) {
    throw new HubError('E_VALIDATION', `publicKey is not an ed25519 key: ${(error as Error).message}`)
  }
}

/** `sha256:<hex>` over the raw public key bytes: the identity a paired peer is known by. */
export function fingerprintOf(raw: Buffer): string {
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`
}

export interface PairingMessageParts {
  hubId: string
  pairingId: string
  peerId: string
  /** The challenge as the hub sent it (base64 of 32 random bytes). */
  challenge: string
}

/**
 * What the device signs: the context, the hub id, the pairing id, the peer id and the challenge,
 * one per line. None of the parts may hold a newline (ids are checked by pattern; the challenge is
 * base64), so the message has one reading.
 */
export function pairingMessage(parts: PairingMessageParts): Buffer {
  for (const value of Object.values(parts))
    if (value.includes('\n'))
      throw new HubError('E_BAD_REQUEST', 'pairing message parts may not contain newlines')
  return Buffer.from(
    [PAIRING_SIGNATURE_CONTEXT, parts.hubId, parts.pairingId, parts.peerId, parts.challenge].join('\n'),
    'utf8',
  )
}

/** Whether `signature` (base64) is the key's ed25519 signature of `message`. Malformed counts as wrong. */
export function signatureValid(key: KeyObject, message: Buffer, signature: unknown): boolean {
  if (typeof signature !== 'string' || !SIGNATURE_BASE64.test(signature)) return false
  try {
    return verify(null, message, key, Buffer.from(signature, 'base64'))
  } catch {
    return false
  }
}
