import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { HubError } from '../../contracts/index.ts'
import type { IndexProgress } from './index-paths.ts'
import { openRagStore } from './rag-store.ts'
import { toRagContextHits } from './search-chunks.ts'

const root = mkdtempSync(join(tmpdir(), 'localhub-rag-'))
after(() => rmSync(root, { recursive: true, force: true }))
let counter = 0

function workspace(files: Record<string, string | Buffer>): { dir: string; database: string } {
  const dir = join(root, `ws${counter++}`)
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true })
    writeFileSync(join(dir, name), content)
  }
  return { dir, database: join(dir, '..', `${counter}-rag.sqlite`) }
}

/** A minimal one-page PDF with a Helvetica text layer (hand-built, offsets computed). */
function makePdf(lines: string[]): Buffer {
  const content = `BT /F1 12 Tf 72 720 Td 14 TL ${lines.map((line) => `(${line}) Tj T*`).join(' ')} ET`
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ]
  let out = '%PDF-1.4\n'
  const offsets: number[] = []
  objects.forEach((object, index) => {
    offsets.push(out.length)
    out += `${index + 1} 0 obj\n${object}\nendobj\n`
  })
  const xref = out.length
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`
  out += offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('')
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(out, 'latin1')
}

const filler = (topic: string, count: number): string =>
  Array.from({ length: count }, (_, i) => `Line ${i} is ordinary filler text about ${topic}.`).join('\n')

describe('indexing', () => {
  test('indexes text, Markdown, code and PDF; skips binary, .git, node_modules and large files', async () => {
    const { dir, database } = workspace({
      'notes.md': '# Garden plans\n\nPlant tomatoes near the fence in May.\n',
      'src/app.ts': 'export function greet(name: string) {\n  return "hello " + name\n}\n',
      'readme.txt': 'Plain text about bicycles and gears.',
      'image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x01]),
      'latin1.txt': Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6e, 0x6f, 0x69, 0x72]),
      '.git/config': '[core] secretgitword',
      'node_modules/pkg/index.js': 'module.exports = "dependencyword"',
      'big.log': 'x'.repeat(5000),
      'paper.pdf': makePdf(['Quarterly report on zeppelin logistics', 'second line of the paper']),
      'broken.pdf': Buffer.from('%PDF-1.4 not really a pdf'),
    })
    const store = openRagStore({ path: database, maxFileSizeBytes: 4096 })
    const progress: IndexProgress[] = []
    const summary = await store.indexPaths({ paths: [dir], onProgress: (p) => progress.push(p) })
    assert.equal(summary.indexed, 4)
    const reasons = Object.fromEntries(summary.skipped.map((s) => [s.path.slice(dir.length + 1), s.reason]))
    assert.equal(reasons['image.png'], 'binary file')
    assert.equal(reasons['latin1.txt'], 'not valid UTF-8 text')
    assert.match(reasons['big.log']!, /larger than 4096 bytes/)
    assert.match(reasons['broken.pdf']!, /unreadable PDF/)
    assert.equal(Object.keys(reasons).length, 4)
    assert.deepEqual(
      progress.map((p) => p.done),
      Array.from({ length: summary.files }, (_, i) => i + 1),
    )
    assert.ok(progress.every((p) => p.total === summary.files))
    assert.equal(progress.find((p) => p.file.endsWith('notes.md'))!.chunks, 1)

    assert.deepEqual(await store.search({ query: 'secretgitword dependencyword' }), [])
    const [garden] = await store.search({ query: 'tomatoes' })
    assert.equal(garden!.title, 'Garden plans', 'Markdown title from the first heading')
    assert.deepEqual(garden!.location, { path: join(dir, 'notes.md'), startLine: 1, endLine: 3 })
    const [pdf] = await store.search({ query: 'zeppelin' })
    assert.equal(pdf!.location.path, join(dir, 'paper.pdf'))
    assert.match(pdf!.text, /zeppelin logistics/)
    const [code] = await store.search({ query: 'greet' })
    assert.equal(code!.title, 'app.ts')
    store.close()
  })

  test('incremental: unchanged files are skipped, changed re-chunked, deleted removed', async () => {
    const { dir, database } = workspace({
      'a.txt': 'alpha apples',
      'b.txt': 'beta bananas',
      'sub/c.txt': 'gamma grapes',
    })
    const store = openRagStore({ path: database })
    const first = await store.indexPaths({ paths: [dir] })
    assert.deepEqual([first.indexed, first.unchanged, first.removed], [3, 0, 0])

    const second = await store.indexPaths({ paths: [dir] })
    assert.deepEqual([second.indexed, second.unchanged, second.removed, second.chunksWritten], [0, 3, 0, 0])

    writeFileSync(join(dir, 'b.txt'), 'beta blueberries')
    unlinkSync(join(dir, 'sub/c.txt'))
    const third = await store.indexPaths({ paths: [dir] })
    assert.deepEqual([third.indexed, third.unchanged, third.removed], [1, 1, 1])
    assert.deepEqual(await store.search({ query: 'bananas' }), [])
    assert.equal((await store.search({ query: 'blueberries' })).length, 1)
    assert.deepEqual(await store.search({ query: 'grapes' }), [])

    // A file turning binary leaves the index; a directly named missing file is removed too.
    writeFileSync(join(dir, 'a.txt'), Buffer.from([0, 1, 2, 3]))
    const fourth = await store.indexPaths({ paths: [dir] })
    assert.equal(fourth.removed, 1)
    assert.deepEqual(await store.search({ query: 'apples' }), [])
    unlinkSync(join(dir, 'b.txt'))
    const fifth = await store.indexPaths({ paths: [join(dir, 'b.txt')] })
    assert.equal(fifth.removed, 1)
    assert.deepEqual(fifth.skipped, [{ path: join(dir, 'b.txt'), reason: 'not found' }])
    assert.equal(store.stats().sources, 0)

    // Full mode re-chunks everything even when nothing changed.
    writeFileSync(join(dir, 'd.txt'), 'delta dates')
    await store.indexPaths({ paths: [dir] })
    const full = await store.indexPaths({ paths: [dir], mode: 'full' })
    assert.deepEqual([full.indexed, full.unchanged], [1, 0])
    store.close()
  })

  test('sources outside the given paths are kept; results survive reopening', async () => {
    const { dir, database } = workspace({ 'one/x.txt': 'xylophone music', 'two/y.txt': 'yodel songs' })
    let store = openRagStore({ path: database })
    await store.indexPaths({ paths: [join(dir, 'one'), join(dir, 'two')] })
    rmSync(join(dir, 'two'), { recursive: true })
    const summary = await store.indexPaths({ paths: [join(dir, 'one')] })
    assert.equal(summary.removed, 0, 'two/ was not part of this run')
    store.close()
    store = openRagStore({ path: database })
    assert.equal((await store.search({ query: 'yodel' })).length, 1)
    assert.equal(store.stats().sources, 2)
    store.close()
  })

  test('rejects bad requests with HubErrors', async () => {
    const store = openRagStore({ path: ':memory:' })
    await assert.rejects(store.indexPaths({ paths: 'nope' as unknown as string[] }), {
      code: 'E_BAD_REQUEST',
    })
    await assert.rejects(store.indexPaths({ paths: ['.'], mode: 'weird' as 'full' }), {
      code: 'E_BAD_REQUEST',
    })
    await assert.rejects(store.search({ query: 42 as unknown as string }), { code: 'E_BAD_REQUEST' })
    await assert.rejects(store.search({ query: 'x', topK: 0 }), { code: 'E_BAD_REQUEST' })
    await assert.rejects(store.search({ query: 'x', topK: 1.5 }), { code: 'E_BAD_REQUEST' })
    store.close()
    await assert.rejects(store.search({ query: 'x' }), { code: 'E_BAD_REQUEST' })
    assert.throws(() => openRagStore({ path: ':memory:', chunkSizeChars: 100, chunkOverlapChars: 60 }), {
      code: 'E_VALIDATION',
    })
  })

  test('a corrupt database file is a clear E_IO naming the file', () => {
    const { database } = workspace({})
    writeFileSync(
      database,
      Buffer.from('this is definitely not a sqlite database, just garbage bytes'.repeat(100)),
    )
    assert.throws(
      () => openRagStore({ path: database }),
      (error: unknown) =>
        error instanceof HubError && error.code === 'E_IO' && error.message.includes(database),
    )
  })
})

describe('BM25 search', () => {
  test('ranks by term frequency and rarity, reports line ranges, honours topK', async () => {
    const { dir, database } = workspace({
      'many.txt': `${filler('weather', 20)}\nThe quokka is a small marsupial. A quokka smiles. Quokka facts.\n`,
      'once.txt': `${filler('weather', 5)}\nA quokka was seen once.\n`,
      'none.txt': filler('weather', 30),
      'long.md': `# Manual\n\n${filler('engines', 200)}\nThe turbocharger section starts here.\n`,
    })
    const store = openRagStore({ path: database })
    await store.indexPaths({ paths: [dir] })
    const hits = await store.search({ query: 'quokka weather' })
    assert.ok(hits.length >= 3)
    assert.equal(hits[0]!.location.path, join(dir, 'many.txt'))
    assert.equal(hits[1]!.location.path, join(dir, 'once.txt'))
    assert.ok(hits[0]!.score > hits[1]!.score, 'higher is better')
    assert.match(hits[0]!.snippet, /quokka/i)
    assert.ok(hits[0]!.snippet.length <= 242)

    const [turbo] = await store.search({ query: 'turbocharger' })
    assert.equal(turbo!.location.endLine, 203, 'the last line of long.md holds the term')
    assert.ok(turbo!.location.startLine > 150 && turbo!.location.startLine < 203)
    assert.match(turbo!.text.split('\n').at(-1)!, /turbocharger/)

    const [payloadHit] = toRagContextHits(hits)
    assert.deepEqual(Object.keys(payloadHit!).sort(), ['loc', 'score', 'snippet', 'sourceId', 'title'])
    assert.deepEqual(payloadHit!.loc, hits[0]!.location)
    assert.match(payloadHit!.sourceId, /^src_[0-9a-f]{16}$/)

    assert.equal((await store.search({ query: 'weather', topK: 2 })).length, 2)
    assert.equal((await store.search({ query: 'line ordinary filler' })).length, 6, 'topK defaults to 6')
    store.close()
  })

  test('hostile queries never raise', async () => {
    const { dir, database } = workspace({ 'a.txt': 'near the river AND the forest, column: star*' })
    const store = openRagStore({ path: database })
    await store.indexPaths({ paths: [dir] })
    const queries = [
      '"',
      'AND OR NOT',
      'NEAR(',
      'col:',
      'body:river',
      '*',
      '日本語 ñ 🙂',
      '\u0000',
      'x'.repeat(100_000),
    ]
    for (const query of queries)
      await assert.doesNotReject(store.search({ query }), JSON.stringify(query.slice(0, 20)))
    assert.equal((await store.search({ query: 'NEAR(river' })).length, 1)
    assert.equal(
      (await store.search({ query: `${'zz '.repeat(40_000)} river` })).length,
      0,
      'terms past the cap are ignored',
    )
    assert.deepEqual(await store.search({ query: '' }), [])
    store.close()
  })
})

// Deterministic fake embedding: words map to concepts (synonyms share one), concepts are hashed
// into 256 buckets and counted. Lexically different words with one meaning get one direction.
const CONCEPTS: Record<string, string> = {
  car: 'vehicle',
  automobile: 'vehicle',
  sedan: 'vehicle',
  auto: 'vehicle',
}
function fakeEmbed(dimensions = 256) {
  const calls: string[][] = []
  const embed = async (texts: string[]): Promise<number[][]> => {
    calls.push(texts)
    return texts.map((text) => {
      const vector = new Array<number>(dimensions).fill(0)
      for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
        const concept = CONCEPTS[word] ?? word
        vector[createHash('sha256').update(concept).digest().readUInt32BE(0) % dimensions]! += 1
      }
      return vector
    })
  }
  return { embed, calls }
}

describe('hybrid search', () => {
  for (const backend of ['sqlite-vec', 'blob'] as const) {
    test(`vectors find synonyms BM25 cannot, fused by RRF (${backend})`, async () => {
      const { dir, database } = workspace({
        'vehicle.txt': 'My automobile needs new tyres before winter.',
        'cooking.txt': 'A recipe for pasta with tomato sauce.',
        'garden.txt': 'Roses and tulips bloom in spring.',
        'both.txt': 'The car and the automobile club meet on sunday.',
      })
      const fake = fakeEmbed()
      const store = openRagStore({ path: database, embed: fake.embed, vectorBackend: backend })
      await store.indexPaths({ paths: [dir] })
      assert.equal(store.stats().vectorBackend, backend)
      assert.equal(store.stats().vectorDimensions, 256)

      const lexicalOnly = openRagStore({ path: database })
      assert.deepEqual(
        (await lexicalOnly.search({ query: 'sedan' })).map((hit) => hit.title),
        [],
        'BM25 alone knows no synonyms',
      )
      lexicalOnly.close()

      const hits = await store.search({ query: 'sedan', topK: 2 })
      assert.deepEqual(hits.map((hit) => hit.title).sort(), ['both.txt', 'vehicle.txt'])
      const car = await store.search({ query: 'car' })
      assert.equal(car[0]!.title, 'both.txt', 'first in both rankings wins the fusion')
      assert.ok(Math.abs(car[0]!.score - 2 / 61) < 1e-9, 'RRF score with k = 60, rank 1 twice')
      assert.ok(
        fake.calls.some((texts) => texts.length === 1 && texts[0] === 'car'),
        'the query was embedded',
      )
      store.close()
    })
  }

  test('unchanged files are not re-embedded; a new model dimension resets the vectors', async () => {
    const { dir, database } = workspace({ 'a.txt': 'car park', 'b.txt': 'bike lane' })
    const first = fakeEmbed(256)
    let store = openRagStore({ path: database, embed: first.embed })
    await store.indexPaths({ paths: [dir] })
    const callsAfterFirst = first.calls.length
    await store.indexPaths({ paths: [dir] })
    assert.equal(first.calls.length, callsAfterFirst)
    store.close()

    const second = fakeEmbed(128)
    store = openRagStore({ path: database, embed: second.embed })
    await assert.rejects(store.search({ query: 'car' }), { code: 'E_VALIDATION' })
    await store.indexPaths({ paths: [dir], mode: 'full' })
    assert.equal(store.stats().vectorDimensions, 128)
    assert.equal((await store.search({ query: 'automobile' }))[0]!.title, 'a.txt')
    store.close()
  })

  test('a failing or malformed embedder is a clear error and leaves the file as it was', async () => {
    const { dir, database } = workspace({ 'a.txt': 'car park' })
    const failing = openRagStore({
      path: database,
      embed: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:11434')
      },
    })
    await assert.rejects(failing.indexPaths({ paths: [dir] }), { code: 'E_DEPENDENCY_UNAVAILABLE' })
    assert.equal(failing.stats().sources, 0)
    failing.close()
    for (const answer of [[], [[1, Number.NaN]], [['x']], 'nope', [[]]]) {
      const store = openRagStore({ path: database, embed: async () => answer as number[][] })
      await assert.rejects(
        store.indexPaths({ paths: [dir] }),
        { code: 'E_VALIDATION' },
        JSON.stringify(answer),
      )
      store.close()
    }
  })
})
