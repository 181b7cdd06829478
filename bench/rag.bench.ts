// RAG indexing throughput and search latency over a generated corpus (2,000 files of pseudo-words
// with a Zipf-like frequency), against a naive baseline in the same run: a JS substring scan over
// every document's text held in memory, ranking by term occurrence counts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openRagStore } from '../src/skills/rag/index.ts'
import { seededRandom } from './seeded-random.ts'
import { median, percentile, report } from './stats.ts'

const FILES = 2000
const WORDS_PER_FILE = 450
const VOCABULARY = 5000
const QUERIES = 200
const TOP_K = 6

// Seeded, so every run indexes the same corpus.
const random = seededRandom(0x5eed)
const syllables = [
  'ka',
  'lo',
  'mi',
  'ne',
  'ru',
  'ta',
  'vo',
  'zi',
  'pe',
  'sha',
  'dor',
  'lin',
  'qua',
  'ber',
  'fen',
]
const vocabulary = Array.from({ length: VOCABULARY }, (_, i) => {
  let word = ''
  for (let n = i + 1; n > 0; n = Math.floor(n / syllables.length)) word += syllables[n % syllables.length]
  return word
})
// Zipf-like: rank r is drawn with probability ~ 1/r.
const zipfWord = (): string => vocabulary[Math.min(VOCABULARY - 1, Math.floor(VOCABULARY ** random()) - 1)]!

function documentText(index: number): string {
  const lines: string[] = [`# Document ${index}`, '']
  let line: string[] = []
  for (let w = 0; w < WORDS_PER_FILE; w++) {
    line.push(zipfWord())
    if (line.length >= 12) {
      lines.push(`${line.join(' ')}.`)
      line = []
      if (random() < 0.15) lines.push('')
    }
  }
  lines.push(line.join(' '))
  return lines.join('\n')
}

const root = mkdtempSync(join(tmpdir(), 'localhub-rag-bench-'))
try {
  const corpus = join(root, 'corpus')
  const texts: string[] = []
  for (let i = 0; i < FILES; i++) {
    const folder = join(corpus, `d${i % 20}`)
    if (i < 20) mkdirSync(folder, { recursive: true })
    const text = documentText(i)
    texts.push(text.toLowerCase())
    writeFileSync(join(folder, `doc-${i}.md`), text)
  }

  const store = openRagStore({ path: join(root, 'rag.sqlite') })
  const full = await store.indexPaths({ paths: [corpus], mode: 'full' })
  const incremental = await store.indexPaths({ paths: [corpus] })
  report({
    bench: 'rag.index.full',
    unit: 'files/s',
    median: Math.round(full.files / (full.durationMs / 1000)),
    files: full.files,
    chunks: full.chunksWritten,
    corpusBytes: texts.reduce((sum, text) => sum + text.length, 0),
  })
  report({
    bench: 'rag.index.incremental-unchanged',
    unit: 'files/s',
    median: Math.round(incremental.files / (incremental.durationMs / 1000)),
    baseline: 'full index',
    ratio: +(full.durationMs / incremental.durationMs).toFixed(2),
  })

  // Queries of two or three mid-frequency words (ranks 50..2000), like a short question's content words.
  const queries = Array.from({ length: QUERIES }, () =>
    Array.from(
      { length: 2 + Math.floor(random() * 2) },
      () => vocabulary[50 + Math.floor(random() * 1950)]!,
    ).join(' '),
  )
  const ftsMs: number[] = []
  for (const query of queries) {
    const started = performance.now()
    await store.search({ query, topK: TOP_K })
    ftsMs.push(performance.now() - started)
  }
  const scanMs: number[] = []
  for (const query of queries) {
    const started = performance.now()
    const terms = query.split(' ')
    const scored: { index: number; count: number }[] = []
    texts.forEach((text, index) => {
      let count = 0
      for (const term of terms) {
        for (let at = text.indexOf(term); at !== -1; at = text.indexOf(term, at + term.length)) count++
      }
      if (count > 0) scored.push({ index, count })
    })
    scored.sort((a, b) => b.count - a.count).slice(0, TOP_K)
    scanMs.push(performance.now() - started)
  }
  report({
    bench: 'rag.search.fts5-bm25',
    unit: 'ms/query',
    median: +median(ftsMs).toFixed(3),
    p99: +percentile(ftsMs, 0.99).toFixed(3),
    baseline: 'naive JS substring scan',
    baselineMedian: +median(scanMs).toFixed(3),
    baselineP99: +percentile(scanMs, 0.99).toFixed(3),
    ratio: +(median(scanMs) / median(ftsMs)).toFixed(2),
    queries: QUERIES,
    topK: TOP_K,
  })
  store.close()
} finally {
  rmSync(root, { recursive: true, force: true })
}
