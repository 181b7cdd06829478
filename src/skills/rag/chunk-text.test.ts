import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { chunkText } from './chunk-text.ts'
import { DEFAULT_CHUNK_OVERLAP_CHARS, DEFAULT_CHUNK_SIZE_CHARS } from './rag-options.ts'

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length
}

function paragraphs(count: number): string {
  const out: string[] = []
  for (let p = 0; p < count; p++) {
    const sentences: string[] = []
    for (let s = 0; s < 5; s++)
      sentences.push(`Paragraph ${p} sentence ${s} talks about topic ${p * 7 + s} at length.`)
    out.push(sentences.join(' '))
  }
  return out.join('\n\n')
}

describe('chunkText', () => {
  test('uses the seed 000 defaults: 800 characters with 120 overlap', () => {
    assert.equal(DEFAULT_CHUNK_SIZE_CHARS, 800)
    assert.equal(DEFAULT_CHUNK_OVERLAP_CHARS, 120)
    const text = paragraphs(40)
    const chunks = chunkText(text)
    assert.ok(chunks.length > 5)
    for (const chunk of chunks) assert.ok(chunk.text.length <= 800, `chunk of ${chunk.text.length}`)
  })

  test('short text is one chunk with trimmed whitespace and correct lines', () => {
    const chunks = chunkText('\n\n  hello world\nsecond line  \n\n')
    assert.equal(chunks.length, 1)
    assert.equal(chunks[0]!.text, 'hello world\nsecond line')
    assert.equal(chunks[0]!.startLine, 3)
    assert.equal(chunks[0]!.endLine, 4)
  })

  test('empty and whitespace-only text give no chunks', () => {
    assert.deepEqual(chunkText(''), [])
    assert.deepEqual(chunkText(' \n\t\n  '), [])
  })

  test('prefers paragraph boundaries: chunks end at the end of a paragraph', () => {
    const text = paragraphs(30)
    const chunks = chunkText(text, { sizeChars: 800, overlapChars: 120 })
    for (const chunk of chunks.slice(0, -1)) {
      assert.ok(
        chunk.text.endsWith('at length.'),
        `chunk should end at a paragraph: ...${chunk.text.slice(-30)}`,
      )
      assert.equal(text.slice(chunk.end, chunk.end + 2), '\n\n')
    }
  })

  test('falls back to sentence and then word boundaries in one long line', () => {
    const sentences = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} ends here.`).join(' ')
    for (const chunk of chunkText(sentences, { sizeChars: 200, overlapChars: 40 }).slice(0, -1)) {
      assert.ok(chunk.text.endsWith('here.'), chunk.text)
    }
    const words = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ')
    for (const chunk of chunkText(words, { sizeChars: 100, overlapChars: 20 })) {
      assert.match(chunk.text, /^word\d+( word\d+)*$/, 'never cuts a word in half')
    }
  })

  test('consecutive chunks overlap by at most the configured amount, and do overlap in running text', () => {
    const words = Array.from({ length: 2000 }, (_, i) => `w${i}`).join(' ')
    const chunks = chunkText(words, { sizeChars: 300, overlapChars: 60 })
    for (let i = 1; i < chunks.length; i++) {
      const overlap = chunks[i - 1]!.end - chunks[i]!.start
      assert.ok(overlap > 0, 'running text overlaps')
      assert.ok(overlap <= 60, `overlap ${overlap}`)
    }
  })

  test('a word longer than the window is cut hard and chunking still advances', () => {
    const text = 'x'.repeat(5000)
    const chunks = chunkText(text, { sizeChars: 800, overlapChars: 120 })
    assert.equal(chunks[0]!.text.length, 800)
    assert.equal(chunks.at(-1)!.end, 5000)
    assert.ok(chunks.length < 10)
  })

  test('never splits a surrogate pair', () => {
    const text = '🙂'.repeat(1000)
    const chunks = chunkText(text, { sizeChars: 101, overlapChars: 11 })
    assert.ok(chunks.length > 10)
    for (const chunk of chunks) assert.doesNotMatch(chunk.text, LONE_SURROGATE)
  })

  test('rejects settings that cannot advance', () => {
    assert.throws(() => chunkText('abc', { sizeChars: 100, overlapChars: 50 }), RangeError)
    assert.throws(() => chunkText('abc', { sizeChars: 5 }), RangeError)
    assert.throws(() => chunkText('abc', { sizeChars: 100.5 }), RangeError)
  })

  test('property: offsets, line numbers and coverage hold for any text', () => {
    const alphabet = fc.constantFrom('a', 'b', ' ', '\n', '.', 'é', '\t', '\r', '🙂', 'Z')
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 3000 }).map((parts) => parts.join('')),
        fc.integer({ min: 20, max: 400 }),
        fc.double({ min: 0, max: 0.49, noNaN: true }),
        (text, size, overlapShare) => {
          const overlap = Math.floor(size * overlapShare)
          const chunks = chunkText(text, { sizeChars: size, overlapChars: overlap })
          let covered = 0
          let previousStart = -1
          for (const chunk of chunks) {
            assert.equal(chunk.text, text.slice(chunk.start, chunk.end))
            assert.ok(chunk.text.length <= size)
            assert.ok(chunk.text.trim().length > 0)
            assert.doesNotMatch(chunk.text, LONE_SURROGATE)
            assert.ok(chunk.start > previousStart, 'starts strictly increase')
            assert.equal(chunk.startLine, lineAt(text, chunk.start))
            assert.equal(chunk.endLine, lineAt(text, chunk.end - 1))
            // Nothing but whitespace is left out between chunks.
            if (chunk.start > covered) assert.equal(text.slice(covered, chunk.start).trim(), '')
            covered = Math.max(covered, chunk.end)
            previousStart = chunk.start
          }
          assert.equal(text.slice(covered).trim(), '')
        },
      ),
      { numRuns: 300 },
    )
  })

  test('tracks line numbers across many lines', () => {
    const lines = Array.from({ length: 500 }, (_, i) => `line ${i + 1} of the file`)
    const text = lines.join('\n')
    const chunks = chunkText(text)
    assert.equal(chunks[0]!.startLine, 1)
    assert.equal(chunks.at(-1)!.endLine, 500)
    for (const chunk of chunks) {
      assert.ok(
        chunk.text.startsWith(`line ${chunk.startLine} `),
        'line breaks are preferred, so chunks start a line',
      )
      assert.ok(chunk.text.endsWith(`line ${chunk.endLine} of the file`))
    }
  })
})
