// The reused-buffer writer must give the digest and length hashing `canonicalize`'s text gives,
// for every value guardrails may hash (decision 1775).
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import canonicalize from 'canonicalize'
import { canonicalDigest, DEFAULT_RETAINED_BUFFER_BYTES } from './canonical-digest.ts'

// The digest as guardrails made it before: canonicalize's text (lone surrogates as U+FFFD), hashed.
function referenceDigest(value: unknown): { sha256: string; length: number } {
  let text: string
  if (typeof value === 'string') text = value
  else {
    try {
      text = canonicalize(value) ?? 'null'
    } catch {
      text =
        canonicalize(
          JSON.parse(
            JSON.stringify(value, (_key, item) => wellFormed(item)),
            wellFormedKeys,
          ),
        ) ?? 'null'
    }
  }
  return { sha256: createHash('sha256').update(text, 'utf8').digest('hex'), length: [...text].length }
}

function wellFormed(item: unknown): unknown {
  return typeof item === 'string'
    ? item.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    : item
}

function wellFormedKeys(this: unknown, _key: string, item: unknown): unknown {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return item
  const result: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(item)) result[wellFormed(key) as string] = field
  return result
}

let seed = 17
function random(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed / 0x7fffffff
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!

const UNITS = [
  'a',
  'Z',
  '0',
  ' ',
  '"',
  '\\',
  '\n',
  '\t',
  '\b',
  '\f',
  '\r',
  '\u0000',
  '\u001f',
  '\u007f',
  'é',
  '—',
  '€',
  '中',
  '\u2028',
  '😀',
  '\ud83d\ude00',
  '\u{10fffd}',
  '\u{e0041}',
  '\ufffd',
  '/',
  '<',
]
const LONE = ['\ud800', '\udc00', '\udbff']

function randomString(loneSurrogates: boolean): string {
  const length = Math.floor(random() * 24)
  let text = ''
  for (let index = 0; index < length; index++) text += pick(UNITS)
  if (loneSurrogates && random() < 0.3) text += pick(LONE) + (random() < 0.5 ? 'x' : '')
  return text
}

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1,
  1e21,
  1e-7,
  5e-324,
  1.7976931348623157e308,
  123456789.125,
  -(2 ** 53),
  2 ** 53 + 2,
  1 / 3,
]

function randomValue(depth: number, loneSurrogates: boolean): unknown {
  const choice = depth > 4 ? random() * 4 : random() * 7
  if (choice < 1) return randomString(loneSurrogates)
  if (choice < 2) return pick(NUMBERS)
  if (choice < 3) return pick([true, false, null])
  if (choice < 4) return random() < 0.5 ? Math.floor(random() * 1e6) : random() * 1e3 - 500
  if (choice < 5.5) {
    const items: unknown[] = []
    const length = Math.floor(random() * 5)
    for (let index = 0; index < length; index++)
      items.push(random() < 0.05 ? undefined : randomValue(depth + 1, loneSurrogates))
    return items
  }
  const record: Record<string, unknown> = {}
  const size = Math.floor(random() * 6)
  for (let index = 0; index < size; index++) {
    const key =
      random() < 0.2
        ? pick(['a', 'B', 'b', '_', '10', '2', 'é', '😀', '\ufffd', ''])
        : randomString(loneSurrogates)
    record[key] = random() < 0.05 ? undefined : randomValue(depth + 1, loneSurrogates)
  }
  return record
}

test('20,000 random JSON values digest as canonicalize text does', () => {
  for (let index = 0; index < 20_000; index++) {
    const value = randomValue(0, index % 4 === 0)
    assert.deepEqual(canonicalDigest(value), referenceDigest(value), JSON.stringify(value))
  }
})

test('a prompt-shaped payload, escapes and astral characters included', () => {
  const messages = [
    {
      role: 'system',
      content:
        'You are Jarvis.\n\nWhat you remember:\n- User said: "hi" — Assistant answered: one\\two\u0001',
    },
    { role: 'user', content: 'hi 😀 €' },
  ]
  assert.deepEqual(canonicalDigest(messages), referenceDigest(messages))
  assert.deepEqual(
    canonicalDigest({ b: 1, a: [undefined, null], c: undefined, d: Symbol('x') }),
    referenceDigest({ b: 1, a: [undefined, null], c: undefined, d: Symbol('x') }),
  )
})

test('values only canonicalize writes keep its answer: toJSON, sparse lone surrogates in keys, deep nesting', () => {
  const at = new Date(Date.UTC(2026, 0, 2))
  for (const value of [
    { at },
    [at, { nested: { at } }],
    { toJSON: () => ({ z: 1, a: 2 }) },
    { 'a\ud800': 1, 'a\udc00': 2, b: 'x\udfff' },
    { key: [Symbol('s'), () => 1] },
  ]) {
    assert.deepEqual(canonicalDigest(value), referenceDigest(value))
  }
  let deep: unknown = 'leaf'
  for (let level = 0; level < 200; level++) deep = level % 2 ? [deep] : { level, deep }
  assert.deepEqual(canonicalDigest(deep), referenceDigest(deep))
  assert.throws(() => canonicalDigest({ n: Number.NaN }), /NaN is not allowed/)
  assert.throws(() => canonicalDigest([Number.POSITIVE_INFINITY]), /Infinity is not allowed/)
})

test('objects past the scanned-key limit are sorted as canonicalize sorts them', () => {
  for (const size of [15, 16, 17, 40]) {
    const record: Record<string, unknown> = {}
    for (let index = size; index > 0; index--)
      record[index % 3 ? `k${index}` : `${index}`] = index % 5 ? index : 'é\n'
    assert.deepEqual(canonicalDigest(record), referenceDigest(record))
  }
})

test('a getter that digests while a digest is written does not disturb it', () => {
  const inner = [{ role: 'user', content: 'inner' }]
  let innerDigest: unknown
  const outer = {
    a: 'first',
    get b() {
      innerDigest = canonicalDigest(inner)
      return 'second'
    },
  }
  assert.deepEqual(canonicalDigest(outer), referenceDigest({ a: 'first', b: 'second' }))
  assert.deepEqual(innerDigest, referenceDigest(inner))
})

test('texts larger than the retained buffer, and the buffer reused after them', () => {
  const big = {
    text: 'x—"\n'.repeat(DEFAULT_RETAINED_BUFFER_BYTES),
    list: Array.from({ length: 3000 }, (_, index) => ({ index })),
  }
  assert.deepEqual(canonicalDigest(big), referenceDigest(big))
  const small = [{ role: 'user', content: 'after the big one' }]
  assert.deepEqual(canonicalDigest(small), referenceDigest(small))
  assert.deepEqual(canonicalDigest('plain string'), referenceDigest('plain string'))
})
