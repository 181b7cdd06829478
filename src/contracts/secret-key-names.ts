/**
 * The one list of key names whose values are credentials. A key matches when, lower-cased and
 * stripped of everything but letters and digits, it equals an entry or ends with one: `apiKey`,
 * `api-key`, `X-Api-Key` and `stripe_api_key` all match `apikey`; `refresh_token` matches `token`.
 * Documented in docs/decisions/1300-secrets-never-stored.md; every entry is tested.
 */
export const SECRET_KEY_NAMES: readonly string[] = Object.freeze([
  'password',
  'passwords',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'apikey',
  'accesskey',
  'privatekey',
  'authorization',
  'cookie',
  'cookies',
  'credential',
  'credentials',
  'bearer',
])

function isAlphanumeric(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90)
}

function lower(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code
}

/**
 * True when `key` normalised ends with `name` (or equals it with `exact`). Walks both from the
 * end without building the normalised string, so checking every key of a payload allocates nothing.
 */
export function keyNameMatches(key: string, name: string, exact: boolean): boolean {
  let position = key.length - 1
  for (let index = name.length - 1; index >= 0; index--) {
    while (position >= 0 && !isAlphanumeric(key.charCodeAt(position))) position--
    if (position < 0 || lower(key.charCodeAt(position)) !== name.charCodeAt(index)) return false
    position--
  }
  if (!exact) return true
  while (position >= 0 && !isAlphanumeric(key.charCodeAt(position))) position--
  return position < 0
}

/** Normalises a list of names (lower case, letters and digits only) for keyNameMatches. */
export function normalizeKeyNames(names: readonly string[]): string[] {
  return names.map((name) => name.toLowerCase().replace(/[^a-z0-9]/g, '')).filter((name) => name !== '')
}

const NORMALIZED_SECRET_KEY_NAMES = normalizeKeyNames(SECRET_KEY_NAMES)

/** Whether a payload or meta key names a credential (see SECRET_KEY_NAMES for the rule). */
export function isSecretKeyName(
  key: string,
  names: readonly string[] = NORMALIZED_SECRET_KEY_NAMES,
): boolean {
  for (const name of names) if (keyNameMatches(key, name, false)) return true
  return false
}

/**
 * Key names under which long random-looking strings are expected and are not secrets (ids,
 * digests, public keys, signatures): only the generic high-entropy detector skips them; the
 * provider shapes are still looked for there.
 */
const NOT_SECRET_ENDINGS = Object.freeze([
  'id',
  'ids',
  'hash',
  'sha256',
  'digest',
  'checksum',
  'signature',
  'fingerprint',
  'etag',
  'cursor',
])

export function isRandomByNatureKey(key: string): boolean {
  for (const name of NOT_SECRET_ENDINGS) if (keyNameMatches(key, name, false)) return true
  // Seed 004's remote_public_key_ed25519: a public key followed by an algorithm name.
  return /public.?key/i.test(key)
}
