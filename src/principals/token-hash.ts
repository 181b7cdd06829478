import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** Prefix of every member token, so a leaked one is recognisable (and greppable) as a Local Hub token. */
export const TOKEN_PREFIX = 'lh_'
const TOKEN_BYTES = 32

/** A new random token: 256 bits, base64url, prefixed. */
export function newToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString('base64url')}`
}

/** Hex sha256 of the token's UTF-8 bytes: what the store keeps instead of the token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** The sha256 of the token as bytes (what authentication compares). */
export function digestBytes(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest()
}

/** Constant-time equality of two 32-byte digests; anything else is unequal. */
export function bytesEqual(left: Buffer, right: Buffer): boolean {
  return left.length === 32 && right.length === 32 && timingSafeEqual(left, right)
}

/**
 * Whether two sha256 digests are equal, in time that does not depend on where they differ. Both
 * sides are fixed-length digests, so the lengths say nothing about the token.
 */
export function digestsEqual(left: string, right: string): boolean {
  return bytesEqual(Buffer.from(left, 'hex'), Buffer.from(right, 'hex'))
}
