// Seed 004 declares these payload fields as plain strings ("base64...", "sha256:..."). The hub
// would like them tighter (a raw 32-byte key, a full sha256), but a tightening the source format
// does not make is advice, not a reason to refuse: it is reported in meta.pinchy.warnings
// (decision 1321).
import type { JsonObject } from './types.ts'

export interface PayloadWarning {
  /** JSON pointer into the canonical envelope. */
  path: string
  message: string
}

const RAW_KEY_BYTES = 32
// DER SubjectPublicKeyInfo prefix of an RFC 8410 key: SEQUENCE, AlgorithmIdentifier (OID), BIT STRING.
const SPKI_PREFIX: Readonly<Record<string, string>> = {
  ed25519: '302a300506032b6570032100',
  x25519: '302a300506032b656e032100',
}
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/
const SHA256_REFERENCE = /^sha256:[0-9a-fA-F]{64}$/

function keyWarning(value: unknown, algorithm: 'ed25519' | 'x25519'): string | undefined {
  if (typeof value !== 'string') return undefined
  const bytes = BASE64.test(value) && value.length % 4 === 0 ? Buffer.from(value, 'base64') : undefined
  if (bytes?.length === RAW_KEY_BYTES) return undefined
  if (bytes?.toString('hex').startsWith(SPKI_PREFIX[algorithm]!)) {
    return `an SPKI DER ${algorithm} key (${bytes.length} bytes); the raw ${RAW_KEY_BYTES}-byte key is its last ${RAW_KEY_BYTES} bytes`
  }
  return `not a base64 ${RAW_KEY_BYTES}-byte ${algorithm} key`
}

function digestWarning(value: unknown): string | undefined {
  if (typeof value !== 'string' || SHA256_REFERENCE.test(value)) return undefined
  return 'not sha256:<64 hex digits>; kept as given'
}

type Check = (value: unknown) => string | undefined

const CHECKS: Readonly<Record<string, Readonly<Record<string, Check>>>> = {
  'pairing.completed': {
    remote_public_key_ed25519: (value) => keyWarning(value, 'ed25519'),
    remote_public_key_x25519: (value) => keyWarning(value, 'x25519'),
    mtls_cert_fingerprint: digestWarning,
  },
  'config.applied': { checksum: digestWarning },
  'config.reverted': { checksum: digestWarning },
}

/** Advice about a Pinchy payload that its own schema accepts but the hub would like tighter. */
export function pinchyPayloadWarnings(eventType: string, payload: JsonObject): PayloadWarning[] {
  const checks = Object.hasOwn(CHECKS, eventType) ? CHECKS[eventType]! : {}
  const warnings: PayloadWarning[] = []
  for (const [field, check] of Object.entries(checks)) {
    if (!Object.hasOwn(payload, field)) continue
    const message = check(payload[field])
    if (message !== undefined) warnings.push({ path: `/payload/${field}`, message: `${field}: ${message}` })
  }
  return warnings
}
