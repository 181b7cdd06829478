import { codePointLength, sha256Hex } from './digest.ts'
import { isSecretKeyName } from './secret-key-names.ts'

/** One secret found in a string: its kind and where it is (UTF-16 offsets, end exclusive). */
export interface SecretFinding {
  kind: SecretKind
  start: number
  end: number
}

export type SecretKind =
  | 'pem-private-key'
  | 'anthropic'
  | 'openai'
  | 'stripe'
  | 'github'
  | 'gitlab'
  | 'aws-access-key-id'
  | 'slack'
  | 'slack-webhook'
  | 'google-api-key'
  | 'npm'
  | 'huggingface'
  | 'jwt'
  | 'url-credentials'
  | 'authorization-scheme'
  | 'assignment'
  | 'password-phrase'
  | 'high-entropy'

export interface SecretScanOptions {
  /**
   * Also flag long random-looking tokens with no known shape (default true). Off for fields that
   * are random by nature: envelope ids (traceId, sessionId…), `*Id`, digests, public keys.
   */
  highEntropy?: boolean
}

/** Strings shorter than this (UTF-16 units) hold no detectable secret: `pwd=abc` is the shortest. */
export const MIN_SECRET_TEXT_CHARS = 7
/** A run of token characters at least this long is a candidate for the high-entropy detector. */
export const HIGH_ENTROPY_MIN_CHARS = 32
/** Longer runs are data (base64 images, audio), not credentials; known shapes are still found. */
export const HIGH_ENTROPY_MAX_CHARS = 512
// Base64 of common file headers: PNG, JPEG, GIF, PDF, ZIP, RIFF (WAV/WebP), Ogg, MP3 (ID3), MP4 (ftyp).
const BINARY_MAGIC =
  /^(?:iVBORw0KGgo|\/9j\/|R0lGOD|JVBERi0|UEsDB|UklGR|T2dnUw|SUQz|AAAA[A-Za-z0-9+/]{2}ZnR5c)/

// The free-text detectors need one of these words next to a `:`, `=`, `@` or a space.
const KEYWORDS = /pass|pwd|secret|token|key|auth|bearer|basic|cookie|credential|:\/\//i
const HEX_ONLY = /^[0-9a-fA-F]+$/
const MARKER_PREFIX = '[REDACTED:'
const MARKER = /\[REDACTED:[a-z0-9-]+:sha256=[0-9a-f]{64}:len=\d+\]/g

interface Detector {
  kind: SecretKind
  /** Global, with indices; the `secret` group (or the whole match) is what is replaced. */
  pattern: RegExp
  accept?: (secret: string, match: RegExpExecArray) => boolean
  generic?: boolean
}

const hasDigit = (text: string): boolean => /\d/.test(text)
const hasLower = (text: string): boolean => /[a-z]/.test(text)
const hasUpper = (text: string): boolean => /[A-Z]/.test(text)

/** Values after `password:` that are words about a password, not a password. */
const NOT_A_VALUE = new Set([
  'required',
  'optional',
  'none',
  'null',
  'nil',
  'undefined',
  'empty',
  'hidden',
  'redacted',
  'changed',
  'updated',
  'reset',
  'set',
  'unset',
  'missing',
  'expired',
  'invalid',
  'incorrect',
  'wrong',
  'correct',
  'true',
  'false',
  'yes',
  'no',
  'string',
  'str',
  'text',
  'n/a',
])

function isPlaceholder(value: string): boolean {
  const lowered = value.toLowerCase()
  if (NOT_A_VALUE.has(lowered)) return true
  // Masks (***, xxxx, ....), template and environment references ({{token}}, ${API_KEY}, $TOKEN, <token>).
  if (/^(?:\*+|x+|\.+|-+|•+)$/i.test(value)) return true
  if (/^(?:\{\{|\$\{|\$[A-Z_][A-Z0-9_]*$|<|\[|%[A-Z_]+%?$)/.test(value)) return true
  // Instructions rather than values: change-me, your-token-here, choose-a-long-secret, example.
  if (
    /^(?:change-?me|(?:change|choose|enter|insert|replace|put|your|my)[-_ ]|example|placeholder)/i.test(value)
  )
    return true
  return value.startsWith(MARKER_PREFIX)
}

const PASSWORD_NAME = /(?:password|passwd|pwd|passphrase)$/i

function credentialLike(value: string): boolean {
  return hasDigit(value) || /[^A-Za-z]/.test(value) || (hasLower(value) && hasUpper(value.slice(1)))
}

const DETECTORS: readonly Detector[] = [
  {
    kind: 'pem-private-key',
    pattern:
      /-----BEGIN[A-Z ]{0,30} PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z ]{0,30} PRIVATE KEY(?: BLOCK)?-----|$)/dg,
  },
  { kind: 'anthropic', pattern: /(?<![A-Za-z0-9])sk-ant-[A-Za-z0-9_-]{20,}/dg },
  {
    // OpenAI's sk-, sk-proj-, sk-svcacct- keys and look-alikes (sk-live-…). A random part is
    // required so prose such as "sk-learn-tutorial-for-beginners" is left alone.
    kind: 'openai',
    pattern: /(?<![A-Za-z0-9])sk-(?!ant-)[A-Za-z0-9_-]{20,}/dg,
    accept: (secret) => /[A-Za-z0-9]{16}/.test(secret) && hasDigit(secret),
  },
  { kind: 'stripe', pattern: /(?<![A-Za-z0-9])[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/dg },
  {
    kind: 'github',
    pattern: /(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/dg,
  },
  { kind: 'gitlab', pattern: /(?<![A-Za-z0-9])glpat-[A-Za-z0-9_-]{20,}/dg },
  {
    kind: 'aws-access-key-id',
    pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/dg,
  },
  { kind: 'slack', pattern: /(?<![A-Za-z0-9])xox[abposre]-[A-Za-z0-9-]{10,}/dg },
  {
    kind: 'slack-webhook',
    pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows)\/[A-Za-z0-9/_-]{20,}/dg,
  },
  { kind: 'google-api-key', pattern: /(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}/dg },
  { kind: 'npm', pattern: /(?<![A-Za-z0-9])npm_[A-Za-z0-9]{36}/dg },
  { kind: 'huggingface', pattern: /(?<![A-Za-z0-9])hf_[A-Za-z0-9]{30,}/dg },
  {
    kind: 'jwt',
    pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/dg,
  },
  {
    // scheme://user:password@host: the password part.
    kind: 'url-credentials',
    pattern: /[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/[^\s/?#@:]{1,256}:(?<secret>[^\s/?#@]{1,256})@/dg,
    accept: (secret) => !isPlaceholder(secret),
  },
  {
    // Authorization schemes in free text: "Bearer <token>", "Basic <base64>".
    kind: 'authorization-scheme',
    pattern: /(?<![A-Za-z0-9])(?:[Bb]earer|[Bb]asic|Token)[ \t]+(?<secret>[A-Za-z0-9\-._~+/]{8,}=*)/dg,
    accept: (secret, match) => {
      if (isPlaceholder(secret)) return false
      if (/^basic/i.test(match[0]))
        return /^[A-Za-z0-9+/]+=*$/.test(secret) && (hasDigit(secret) || secret.endsWith('='))
      return hasDigit(secret) || (secret.length >= 20 && hasLower(secret) && hasUpper(secret))
    },
  },
  {
    // `<name>: value`, `<name>=value`, `"<name>": "value"` where <name> is in SECRET_KEY_NAMES.
    kind: 'assignment',
    pattern:
      /(?<![A-Za-z0-9])(?<quote>["']?)(?<name>[A-Za-z][A-Za-z0-9_.-]{1,63})\k<quote>[ \t]*(?:[:=]|=>)[ \t]*(?:(?:Bearer|Basic|Token)[ \t]+)?(?:"(?<secret>[^"\n]{1,512})"|'(?<single>[^'\n]{1,512})'|(?<bare>[^\s"'`,;&<>)\]}]{1,1024}))/dg,
    accept: (secret, match) => {
      const name = match.groups!.name!
      if (!isSecretKeyName(name) || isPlaceholder(secret)) return false
      // Quoted values and password fields are taken as they are; a bare value after other names
      // (token, cookie, credentials…) must look like a credential, so `token = await` is prose or code.
      if (match.groups!.bare === undefined || PASSWORD_NAME.test(name)) return true
      return secret.length >= 8 && credentialLike(secret)
    },
  },
  {
    // "my password is hunter2": only values that look like a password (digit, symbol, mixed case).
    kind: 'password-phrase',
    pattern:
      /(?<![A-Za-z0-9])(?:password|passwd|passphrase|pwd)[ \t]+(?:is|was|=)[ \t]+["']?(?<secret>[^\s"',;]{3,256})/dgi,
    accept: (secret) => {
      const value = secret.replace(/[.!?]+$/, '')
      return !isPlaceholder(value) && credentialLike(value)
    },
  },
  {
    kind: 'high-entropy',
    pattern: /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32,}={0,2}/dg,
    accept: looksRandom,
    generic: true,
  },
]

/** The detector kinds, in the order they are tried (earlier wins on overlap at the same start). */
export const SECRET_DETECTOR_KINDS: readonly SecretKind[] = Object.freeze(
  DETECTORS.map((entry) => entry.kind),
)

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

const NO_FINDINGS: readonly SecretFinding[] = Object.freeze([])

/**
 * Whether a provider shape starts at `index` (a word start): sk-, sk_/rk_, ghp_…, github_pat_,
 * glpat-, AKIA…, AIza, xox?-, hooks.slack, hf_, npm_, eyJ, BEGIN. Kept in step with DETECTORS.
 */
function startsShape(text: string, index: number): boolean {
  const first = text.charCodeAt(index)
  const second = text.charCodeAt(index + 1)
  const third = text.charCodeAt(index + 2)
  switch (first) {
    case 115: // sk- sk_
      return second === 107 && (third === 45 || third === 95)
    case 114: // rk_
      return second === 107 && third === 95
    case 103: // ghp_ gho_ ghu_ ghs_ ghr_ github_pat_ glpat-
      if (second === 104 && text.charCodeAt(index + 3) === 95)
        return third === 112 || third === 111 || third === 117 || third === 115 || third === 114
      return text.startsWith('github_pat_', index) || text.startsWith('glpat-', index)
    case 65: // AKIA ASIA ABIA ACCA AIza
      return (
        text.startsWith('AKIA', index) ||
        text.startsWith('ASIA', index) ||
        text.startsWith('ABIA', index) ||
        text.startsWith('ACCA', index) ||
        text.startsWith('AIza', index)
      )
    case 120: // xox
      return second === 111 && third === 120
    case 104: // hf_ hooks.slack
      return (second === 102 && third === 95) || text.startsWith('hooks.slack', index)
    case 110: // npm_
      return text.startsWith('npm_', index)
    case 101: // eyJ
      return second === 121 && third === 74
    case 66: // BEGIN
      return text.startsWith('BEGIN', index)
    default:
      return false
  }
}

const LOWER = 1
const UPPER = 2
const LETTER = LOWER | UPPER
const DIGIT = 4
const ALPHANUMERIC = LETTER | DIGIT
/** `_ + / -`: inside tokens, but a word start follows them. */
const TOKEN_SYMBOL = 8
/** `: = @`, space, tab: what the free-text detectors need next to a keyword. */
const SEPARATOR = 16
const CHARACTER_CLASSES = (() => {
  const table = new Uint8Array(128)
  for (let code = 0; code < 128; code++) {
    if (code >= 97 && code <= 122) table[code] = LOWER
    else if (code >= 65 && code <= 90) table[code] = UPPER
    else if (code >= 48 && code <= 57) table[code] = DIGIT
  }
  for (const symbol of '_+/-') table[symbol.charCodeAt(0)] = TOKEN_SYMBOL
  for (const symbol of ':=@ \t') table[symbol.charCodeAt(0)] = SEPARATOR
  return table
})()

/**
 * Cheap check, one pass over the characters and at most one regex test: false means no detector
 * can match. Most strings in events (ids, names, timestamps, short phrases) end here without an
 * allocation. Without `highEntropy`, long mixed-case runs alone are not a reason to look closer.
 */
export function mayHoldSecret(text: string, options: SecretScanOptions = {}): boolean {
  const length = text.length
  if (length < MIN_SECRET_TEXT_CHARS) return false
  let run = 0
  let classes = 0
  let letters = 0
  let wordy = false
  let randomRun = false
  let separator = false
  let wordStart = true
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index)
    const kind = code < 128 ? CHARACTER_CLASSES[code]! : 0
    if ((kind & ALPHANUMERIC) !== 0) {
      if (wordStart && startsShape(text, index)) return true
      wordStart = false
      classes |= kind
      run++
      // Every keyword has three letters in a row; timestamps and numbers have none.
      letters = (kind & LETTER) !== 0 ? letters + 1 : 0
      if (letters === 3) wordy = true
      continue
    }
    wordStart = true
    letters = 0
    if (kind === TOKEN_SYMBOL) {
      run++
      continue
    }
    if (run >= HIGH_ENTROPY_MIN_CHARS && classes === ALPHANUMERIC) randomRun = true
    if (kind === SEPARATOR) separator = true
    run = 0
    classes = 0
  }
  if (run >= HIGH_ENTROPY_MIN_CHARS && classes === ALPHANUMERIC) randomRun = true
  if (randomRun && options.highEntropy !== false) return true
  return separator && wordy && KEYWORDS.test(text)
}

/** Every secret in `text`, left to right, without overlaps; existing redaction markers are skipped. */
export function findSecrets(text: string, options: SecretScanOptions = {}): readonly SecretFinding[] {
  if (!mayHoldSecret(text, options)) return NO_FINDINGS
  const highEntropy = options.highEntropy !== false
  const candidates: SecretFinding[] = []
  const protectedSpans: [number, number][] = []
  if (text.includes(MARKER_PREFIX)) {
    for (const match of text.matchAll(MARKER))
      protectedSpans.push([match.index, match.index + match[0].length])
  }
  for (const detector of DETECTORS) {
    if (detector.generic === true && !highEntropy) continue
    const pattern = detector.pattern
    pattern.lastIndex = 0
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const groups = match.indices?.groups
      const span = groups?.secret ?? groups?.single ?? groups?.bare ?? match.indices![0]!
      const secret = text.slice(span[0], span[1])
      if (detector.accept !== undefined && !detector.accept(secret, match)) continue
      if (protectedSpans.some(([start, end]) => span[0] < end && start < span[1])) continue
      candidates.push({ kind: detector.kind, start: span[0], end: span[1] })
    }
  }
  if (candidates.length === 0) return NO_FINDINGS
  // Earliest first; at the same start the longer one, then the detector listed first.
  candidates.sort((a, b) => a.start - b.start || b.end - a.end)
  const findings: SecretFinding[] = []
  let reached = 0
  for (const candidate of candidates) {
    if (candidate.start < reached) continue
    findings.push(candidate)
    reached = candidate.end
  }
  return findings
}

/** The text that replaces a secret: its kind, the sha256 of the secret (UTF-8) and its length in code points. */
export function secretMarker(kind: SecretKind, secret: string): string {
  return `${MARKER_PREFIX}${kind}:sha256=${sha256Hex(secret)}:len=${codePointLength(secret)}]`
}

export interface ScrubResult {
  text: string
  findings: readonly SecretFinding[]
}

/**
 * Replaces every secret in `text` by its marker. Idempotent: markers are never replaced again.
 * Returns the same string (and no findings) when there is nothing to replace.
 */
export function scrubSecrets(text: string, options: SecretScanOptions = {}): ScrubResult {
  const findings = findSecrets(text, options)
  if (findings.length === 0) return { text, findings }
  let result = ''
  let position = 0
  for (const finding of findings) {
    result +=
      text.slice(position, finding.start) + secretMarker(finding.kind, text.slice(finding.start, finding.end))
    position = finding.end
  }
  return { text: result + text.slice(position), findings }
}
