// A memory context read as a store grows (decision 2101): the store's read, which leaves out the
// query terms most episodes hold and scores every match of its rare terms, against the ranking
// before it (BM25 over the newest 100 matches of every query term), both on the same file in one
// run, interleaved. Also how often each finds the one old episode that answers the question.
//
// The corpus: conversational turns, mostly common English words, with content words drawn from a
// Zipf-like vocabulary of pseudo-words; the first episodes hold one rare fact each (the needles).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openMemoryStore } from '../src/skills/memory/index.ts'
import { seededRandom } from './seeded-random.ts'
import { median, percentile, report } from './stats.ts'

const SIZES = (process.env.BENCH_MEMORY_SIZES ?? '200,1000,4000,16000').split(',').map(Number)
const NEEDLES = 20
const ROUNDS = Number(process.env.BENCH_MEMORY_ROUNDS ?? 400)
const VOCABULARY = 3000

// Seeded, so every run builds the same stores.
const random = seededRandom(0x3e3a)
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'zi', 'pe', 'dor', 'lin', 'ber', 'fen']
const vocabulary = Array.from({ length: VOCABULARY }, (_, index) => {
  let word = ''
  for (let value = index + 7; value > 0; value = Math.floor(value / syllables.length))
    word += syllables[value % syllables.length]
  return word
})
/** Zipf-like: a word's chance falls with its rank, so a few content words are in many turns. */
const contentWord = () => vocabulary[Math.floor(VOCABULARY * random() ** 3)]!
const frames = [
  (a: string, b: string) => `what do you think about the ${a} and the ${b} today`,
  (a: string, b: string) => `can you remind me what the plan is for ${a} with ${b}`,
  (a: string, b: string) => `I think the ${a} went well, but the ${b} is late again`,
  (a: string, b: string) => `is it a good idea to move the ${a} before the ${b}`,
  (a: string, b: string) => `tell me more about ${a}, I want to know what it is for ${b}`,
]
const replies = [
  (a: string) => `Sure, here is what I know about the ${a}.`,
  (a: string) => `It is going well; the ${a} is on track.`,
  (a: string) => `I would wait until the ${a} is done, if that is fine with you.`,
]
const needleWord = (index: number) => `quasar${index}x`

async function buildStore(path: string, episodes: number): Promise<void> {
  const store = openMemoryStore({ path })
  const start = Date.parse('2026-01-01T00:00:00Z')
  for (let index = 0; index < episodes; index++) {
    const ts = start + index * 60_000
    if (index < NEEDLES) {
      const fact = needleWord(index)
      store.recordTurn({
        sessionId: 'early',
        userText: `the access code of project ${fact} is ${4000 + index}, please keep it`,
        assistantText: `Noted: the access code of ${fact} is ${4000 + index}.`,
        ts,
      })
      continue
    }
    const [a, b, c] = [contentWord(), contentWord(), contentWord()]
    store.recordTurn({
      sessionId: `s${index % 40}`,
      userText: pick(frames)(a, b),
      assistantText: pick(replies)(c),
      ts,
    })
  }
  store.close()
}

/** A question in plain words, and the same asked in keywords. */
const questions = (index: number) => [
  `what is the access code of project ${needleWord(index)}?`,
  `${needleWord(index)} access code`,
]

interface Sample {
  micros: number[]
  found: number
  asked: number
}

function measure(
  read: (query: string) => { summaries: { text: string }[] },
): (query: string, needle: string) => [number, boolean] {
  return (query, needle) => {
    const started = process.hrtime.bigint()
    const context = read(query)
    const micros = Number(process.hrtime.bigint() - started) / 1000
    return [micros, context.summaries.some((summary) => summary.text.includes(needle))]
  }
}

const directory = mkdtempSync(join(tmpdir(), 'localhub-memory-bench-'))
try {
  for (const size of SIZES) {
    const path = join(directory, `memory-${size}.sqlite`)
    await buildStore(path, size)
    const store = openMemoryStore({ path })
    // The ranking before decision 2101, on its own connection to the same file.
    const before = openMemoryStore({ path, leaveOutCommonTerms: false })
    const paths = {
      now: measure((query) => store.readContext({ sessionId: 's1', query })),
      before: measure((query) => before.readContext({ sessionId: 's1', query })),
    }
    const kinds = ['question', 'keywords'] as const
    const samples = new Map<string, Sample>()
    const sampleOf = (name: string, kind: string) => {
      const key = `${name}.${kind}`
      let sample = samples.get(key)
      if (sample === undefined) {
        sample = { micros: [], found: 0, asked: 0 }
        samples.set(key, sample)
      }
      return sample
    }
    for (let round = 0; round < ROUNDS; round++) {
      const needle = round % NEEDLES
      const kind = kinds[round % 2]!
      const query = questions(needle)[round % 2]!
      // Alternated, so neither path always runs on the other's warm cache.
      const order = round % 4 < 2 ? (['now', 'before'] as const) : (['before', 'now'] as const)
      for (const name of order) {
        const [micros, found] = paths[name](query, needleWord(needle))
        if (round < 20) continue // warm-up
        const sample = sampleOf(name, kind)
        sample.micros.push(micros)
        sample.asked++
        if (found) sample.found++
      }
    }
    store.close()
    before.close()
    for (const kind of kinds) {
      for (const name of ['now', 'before'] as const) {
        const sample = sampleOf(name, kind)
        report({
          bench: `memory.read.${name}.${kind}.episodes-${size}`,
          unit: 'µs',
          median: +median(sample.micros).toFixed(1),
          p99: +percentile(sample.micros, 0.99).toFixed(1),
          recall: +(sample.found / sample.asked).toFixed(3),
        })
      }
      report({
        bench: `memory.read.now-over-before.${kind}.episodes-${size}`,
        unit: 'ratio',
        median: +(median(sampleOf('now', kind).micros) / median(sampleOf('before', kind).micros)).toFixed(3),
      })
    }
  }
} finally {
  rmSync(directory, { recursive: true, force: true })
}
