// The cheap first look at a string before any detector runs (decision 1300's "one pass, no
// allocation" for clean strings); split from secret-detectors.ts by concern.

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
// The free-text detectors need one of these words (or `://`) next to a `:`, `=`, `@` or a space.
const KEYWORD_WORDS = [
  'pass',
  'pwd',
  'secret',
  'token',
  'key',
  'auth',
  'bearer',
  'basic',
  'cookie',
  'credential',
]
export const KEYWORDS = new RegExp(`${KEYWORD_WORDS.join('|')}|:\\/\\/`, 'i')
const TRIGRAMS = 26 * 26 * 26
/**
 * The first three letters of each keyword, as base-26 numbers: the scan notes whether any occurs
 * (case ignored, as the regex's `i` does for ASCII), and the keyword regex runs only then — most
 * phrases with a space hold none of them (decision 1754).
 */
const KEYWORD_STARTS = (() => {
  const table = new Uint8Array(TRIGRAMS)
  for (const word of KEYWORD_WORDS) {
    let trigram = 0
    for (let index = 0; index < 3; index++) trigram = trigram * 26 + (word.charCodeAt(index) - 97)
    table[trigram] = 1
  }
  return table
})()

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
/** First letters of the provider shapes startsShape knows: only these can start one. */
const SHAPE_START = 32
const CHARACTER_CLASSES = (() => {
  const table = new Uint8Array(128)
  for (let code = 0; code < 128; code++) {
    if (code >= 97 && code <= 122) table[code] = LOWER
    else if (code >= 65 && code <= 90) table[code] = UPPER
    else if (code >= 48 && code <= 57) table[code] = DIGIT
  }
  for (const symbol of '_+/-') table[symbol.charCodeAt(0)] = TOKEN_SYMBOL
  for (const symbol of ':=@ \t') table[symbol.charCodeAt(0)] = SEPARATOR
  for (const letter of 'srgAxhneB') table[letter.charCodeAt(0)]! |= SHAPE_START
  return table
})()

/**
 * Cheap check, one pass over the characters and at most one regex test: false means no detector
 * can match. Most strings in events (ids, names, timestamps, short phrases) end here without an
 * allocation. Without `highEntropy`, long mixed-case runs alone are not a reason to look closer.
 */
export function mayHoldSecret(text: string, options?: SecretScanOptions): boolean {
  const length = text.length
  if (length < MIN_SECRET_TEXT_CHARS) return false
  let run = 0
  let classes = 0
  let letters = 0
  let trigram = 0
  let keyword = false
  let wordy = false
  let randomRun = false
  let separator = false
  let wordStart = true
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index)
    const kind = code < 128 ? CHARACTER_CLASSES[code]! : 0
    if ((kind & ALPHANUMERIC) !== 0) {
      if (wordStart && (kind & SHAPE_START) !== 0 && startsShape(text, index)) return true
      wordStart = false
      classes |= kind & ALPHANUMERIC
      run++
      // Every keyword has three letters in a row; timestamps and numbers have none.
      if ((kind & LETTER) !== 0) {
        letters++
        // The last three letters in base 26; only read once three letters in a row are in it.
        trigram = (trigram * 26 + ((code | 32) - 97)) % TRIGRAMS
        if (letters >= 3) {
          wordy = true
          if (KEYWORD_STARTS[trigram] === 1) keyword = true
        }
      } else letters = 0
      continue
    }
    wordStart = true
    letters = 0
    if (kind === TOKEN_SYMBOL) {
      run++
      continue
    }
    if (run >= HIGH_ENTROPY_MIN_CHARS && classes === ALPHANUMERIC) randomRun = true
    if (kind === SEPARATOR) {
      separator = true
      if (code === 58 && text.charCodeAt(index + 1) === 47 && text.charCodeAt(index + 2) === 47)
        keyword = true
    }
    run = 0
    classes = 0
  }
  if (run >= HIGH_ENTROPY_MIN_CHARS && classes === ALPHANUMERIC) randomRun = true
  if (randomRun && options?.highEntropy !== false) return true
  return separator && wordy && keyword && KEYWORDS.test(text)
}
