// The generic high-entropy detector's test of a token; split from secret-detectors.ts by concern.
import { HIGH_ENTROPY_MIN_CHARS } from './secret-prefilter.ts'

/** Longer runs are data (base64 images, audio), not credentials; known shapes are still found. */
export const HIGH_ENTROPY_MAX_CHARS = 512
// Base64 of common file headers: PNG, JPEG, GIF, PDF, ZIP, RIFF (WAV/WebP), Ogg, MP3 (ID3), MP4 (ftyp).
const BINARY_MAGIC =
  /^(?:iVBORw0KGgo|\/9j\/|R0lGOD|JVBERi0|UEsDB|UklGR|T2dnUw|SUQz|AAAA[A-Za-z0-9+/]{2}ZnR5c)/

const HEX_ONLY = /^[0-9a-fA-F]+$/

export const hasDigit = (text: string): boolean => /\d/.test(text)
export const hasLower = (text: string): boolean => /[a-z]/.test(text)
export const hasUpper = (text: string): boolean => /[A-Z]/.test(text)

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<number, number>()
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    counts.set(code, (counts.get(code) ?? 0) + 1)
  }
  let bits = 0
  for (const count of counts.values()) {
    const share = count / text.length
    bits -= share * Math.log2(share)
  }
  return bits
}

/**
 * A long token with no known shape is treated as a secret when it mixes upper case, lower case
 * and digits, is not hex (digests, UUIDs), its characters are spread out (entropy ≥ 4 bits per
 * character) and less than half of it reads as words (camelCase identifiers, paths, slugs).
 */
export function looksRandom(token: string): boolean {
  const body = token.replace(/=+$/, '')
  if (body.length > HIGH_ENTROPY_MAX_CHARS) return false
  if (body.length < HIGH_ENTROPY_MIN_CHARS || HEX_ONLY.test(body.replaceAll('-', ''))) return false
  if (!(hasDigit(body) && hasLower(body) && hasUpper(body))) return false
  // OpenSSH public keys ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5…") are meant to be shared.
  if (/^AAAA(?:B3NzaC1|C3NzaC1|E2VjZHNh)/.test(body)) return false
  if (BINARY_MAGIC.test(body)) return false
  if (shannonEntropy(body) < 4) return false
  if (isBase64OfText(body)) return false
  let wordy = 0
  for (const word of body.matchAll(WORD_LIKE)) wordy += word[0].length
  return wordy / body.length < 0.5
}

// Base64 that decodes to readable ASCII text is an encoding of words, not a random key (a Basic
// credential has its own detector, which looks at the scheme and not at the content).
function isBase64OfText(body: string): boolean {
  if (!/^[A-Za-z0-9+/]+$/.test(body) || body.length % 4 === 1) return false
  const bytes = Buffer.from(body, 'base64')
  let readable = 0
  for (const byte of bytes)
    if ((byte >= 32 && byte < 127) || byte === 9 || byte === 10 || byte === 13) readable++
  return readable >= bytes.length * 0.95
}

// Runs that read as words: "Property", "name" (random text has few lower-case runs that long).
const WORD_LIKE = /[A-Z]?[a-z]{3,}/g
