import { codePointLength, sha256Hex } from './digest.ts'
import { hasDigit, hasLower, hasUpper, looksRandom } from './secret-entropy.ts'
import { isSecretKeyName } from './secret-key-names.ts'
import { mayHoldSecret, type SecretScanOptions } from './secret-prefilter.ts'

export { HIGH_ENTROPY_MAX_CHARS, looksRandom, shannonEntropy } from './secret-entropy.ts'
export { HIGH_ENTROPY_MIN_CHARS, MIN_SECRET_TEXT_CHARS, mayHoldSecret } from './secret-prefilter.ts'
export type { SecretScanOptions }

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

const MARKER_PREFIX = '[REDACTED:'
const MARKER = /\[REDACTED:[a-z0-9-]+:sha256=[0-9a-f]{64}:len=\d+\]/g

interface Detector {
  kind: SecretKind
  /** Global, with indices; the `secret` group (or the whole match) is what is replaced. */
  pattern: RegExp
  accept?: (secret: string, match: RegExpExecArray) => boolean
  generic?: boolean
}

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

const NO_FINDINGS: readonly SecretFinding[] = Object.freeze([])

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
