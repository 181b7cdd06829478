// Confirmation tokens of the destructive two-step flow: 32 random bytes shown once; only a hash bound
// to the approval and the plan's fingerprint is stored, so a token cannot confirm another preview.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

const TOKEN_BYTES = 32
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

export function generateConfirmationToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url')
}

export function hashConfirmationToken(token: string, approvalId: string, fingerprint: string): string {
  return createHash('sha256')
    .update(`localhub-confirmation\u0000${approvalId}\u0000${fingerprint}\u0000${token}`)
    .digest('hex')
}

/** Constant-time comparison of a presented token against the stored hash. */
export function tokenMatches(
  token: unknown,
  storedHash: string,
  approvalId: string,
  fingerprint: string,
): boolean {
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return false
  const presented = Buffer.from(hashConfirmationToken(token, approvalId, fingerprint), 'hex')
  const stored = Buffer.from(storedHash, 'hex')
  return presented.length === stored.length && timingSafeEqual(presented, stored)
}
