// The keyword gate of mayHoldSecret (decision 1754): the keyword regex runs only when the scan saw
// the first three letters of a keyword, which every match of the regex contains. Missing one would
// let a free-text secret through unscanned, so this checks the gate against the regex itself.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { findSecrets } from './secret-detectors.ts'
import { KEYWORDS, mayHoldSecret } from './secret-prefilter.ts'

const FRAGMENTS = [
  'pass',
  'PASS',
  'PaSsWoRd',
  'pwd',
  'Pwd',
  'secret',
  'SECRET',
  'token',
  'Token',
  'key',
  'KEY',
  'auth',
  'bearer',
  'Basic',
  'cookie',
  'credential',
  '://',
  ':/',
  '/',
  'pa',
  'ss',
  'ke',
  'y',
  'benchmark',
  'note',
  'x',
  'q9',
  '7',
  ' ',
  ' ',
  ':',
  '=',
  '@',
  '\t',
  '-',
  '_',
  'é',
  'ſ', // long s: the regex's ASCII-only case folding never maps it to `s`
  '\u212a', // Kelvin sign, likewise never `k`
]

function generator(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    return state / 0x80000000
  }
}

test('whenever the keyword regex, a separator and three letters in a row are there, the gate opens', () => {
  const random = generator(1754)
  let keywordCases = 0
  for (let round = 0; round < 50_000; round++) {
    let text = ''
    const parts = 2 + Math.floor(random() * 6)
    for (let part = 0; part < parts; part++) text += FRAGMENTS[Math.floor(random() * FRAGMENTS.length)]
    const needsLook =
      text.length >= 7 && /[:=@ \t]/.test(text) && /[A-Za-z]{3}/.test(text) && KEYWORDS.test(text)
    if (!needsLook) continue
    keywordCases++
    assert.equal(mayHoldSecret(text), true, JSON.stringify(text))
    assert.equal(mayHoldSecret(text, { highEntropy: false }), true, JSON.stringify(text))
  }
  assert.ok(keywordCases > 5_000, `enough keyword cases (${keywordCases})`)
})

test('phrases without a keyword skip the regex; free-text secrets are still found', () => {
  assert.equal(mayHoldSecret('benchmark note'), false)
  assert.equal(mayHoldSecret('the quick brown fox: jumps'), false)
  assert.deepEqual(
    findSecrets('my PASSWORD is hunter2!').map((finding) => finding.kind),
    ['password-phrase'],
  )
  assert.deepEqual(
    findSecrets('db: postgres://admin:S3cr3t-pw@db.local/app').map((finding) => finding.kind),
    ['url-credentials'],
  )
  assert.deepEqual(
    findSecrets('X-Api-Key = Zq8vT2mK9pLw4RxN').map((finding) => finding.kind),
    ['assignment'],
  )
})

test('every provider shape opens the gate at a word start, with no keyword or long random run', () => {
  const shapes = [
    'sk-abc',
    'sk_live',
    'rk_live',
    'ghp_x',
    'gho_x',
    'ghu_x',
    'ghs_x',
    'ghr_x',
    'github_pat_x',
    'glpat-x',
    'AKIAX',
    'ASIAX',
    'ABIAX',
    'ACCAX',
    'AIzaX',
    'xoxb-x',
    'hf_x',
    'hooks.slack',
    'npm_x',
    'eyJx',
    'BEGIN',
  ]
  for (const shape of shapes) {
    assert.equal(mayHoldSecret(`see ${shape}`, { highEntropy: false }), true, shape)
    assert.equal(mayHoldSecret(`see x${shape}`, { highEntropy: false }), false, `x${shape}`)
  }
})
