// Audio for wake-word tests and the wake bench: flite speaks the phrases and other sentences in
// several voices, mixed into one 16 kHz mono pcm16 stream with pauses and low noise, with where
// each wake phrase lies.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** flite's voices that speak at 16 kHz (kal speaks at 8 kHz). */
export const CORPUS_VOICES = ['slt', 'kal16', 'awb', 'rms'] as const
export const CORPUS_SAMPLE_RATE_HZ = 16_000

/** Everyday sentences that are not the wake phrase (some share its sounds). */
export const DISTRACTOR_SENTENCES: readonly string[] = [
  'the weather today is sunny and warm, let us go for a walk in the park',
  'I think the meeting was moved to three o clock on thursday afternoon',
  'could you pass me the salt and the pepper please',
  'the train to the city leaves every twenty minutes from platform two',
  'hey there, how was your day at work',
  'my brother jarred the door open with a screwdriver',
  'we need to buy milk, bread, eggs and some coffee',
  'the children are playing football in the garden',
  'please remember to water the plants before you leave',
  'he said the report will be ready by the end of the week',
  'there is a new restaurant down the street that serves noodles',
  'jars of honey were lined up on the kitchen shelf',
]

const cache = new Map<string, Buffer>()

/** flite speaking `text` as 16 kHz mono pcm16 (cached per process). */
export function speak16k(text: string, voice: (typeof CORPUS_VOICES)[number] = 'slt'): Buffer {
  const key = `${voice}\n${text}`
  const cached = cache.get(key)
  if (cached !== undefined) return cached
  const folder = mkdtempSync(join(tmpdir(), 'localhub-wake-corpus-'))
  try {
    const path = join(folder, 'speech.wav')
    execFileSync('flite', ['-voice', voice, '-t', text, '-o', path])
    const wave = readFileSync(path)
    const rate = wave.readUInt32LE(24)
    if (rate !== CORPUS_SAMPLE_RATE_HZ) throw new Error(`flite voice ${voice} speaks at ${rate} Hz`)
    const data = wave.indexOf('data', 12)
    const pcm = Buffer.from(wave.subarray(data + 8, data + 8 + wave.readUInt32LE(data + 4)))
    cache.set(key, pcm)
    return pcm
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}

/** A deterministic pseudo-random sequence (mulberry32), so a corpus is the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296
  }
}

export function silence(ms: number): Buffer {
  return Buffer.alloc(Math.round((ms * CORPUS_SAMPLE_RATE_HZ) / 1000) * 2)
}

/** Adds uniform noise of the given peak (pcm16 units) to the audio, in place. */
export function addNoise(pcm: Buffer, peak: number, random: () => number): Buffer {
  for (let offset = 0; offset + 1 < pcm.length; offset += 2) {
    const value = pcm.readInt16LE(offset) + Math.round((random() * 2 - 1) * peak)
    pcm.writeInt16LE(Math.max(-32768, Math.min(32767, value)), offset)
  }
  return pcm
}

export interface CorpusOptions {
  /** Length of the corpus, in seconds (at least; the last sentence is finished). */
  seconds: number
  /** The wake phrase; spoken `wakes` times at random places, each followed by a question. */
  phrase: string
  wakes: number
  seed: number
  /** Peak of the background noise, in pcm16 units. */
  noisePeak?: number
}

export interface Corpus {
  pcm: Buffer
  /** Where each wake phrase starts and ends, in ms from the start. */
  wakes: { startMs: number; endMs: number; voice: string }[]
  /** Where each sentence that is not the phrase starts and ends. */
  speech: { startMs: number; endMs: number }[]
}

/** Other speech and noise with the phrase inside it `wakes` times, in varying voices. */
export function buildCorpus(options: CorpusOptions): Corpus {
  const random = seededRandom(options.seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const parts: Buffer[] = []
  const wakes: Corpus['wakes'] = []
  const speech: Corpus['speech'] = []
  let bytes = 0
  const append = (pcm: Buffer) => {
    parts.push(pcm)
    bytes += pcm.length
  }
  const ms = () => (bytes / 2 / CORPUS_SAMPLE_RATE_HZ) * 1000
  const total = options.seconds * 1000
  const wakeAt = Array.from({ length: options.wakes }, (_, index) =>
    Math.round(((index + 0.5 + (random() - 0.5) * 0.5) * total) / options.wakes),
  )
  append(silence(500))
  while (ms() < total) {
    if (wakeAt.length > 0 && ms() >= wakeAt[0]!) {
      wakeAt.shift()
      const voice = pick(CORPUS_VOICES)
      const start = ms()
      append(speak16k(options.phrase, voice))
      wakes.push({ startMs: start, endMs: ms(), voice })
      append(silence(200 + random() * 300))
      const questionStart = ms()
      append(speak16k(pick(['what time is it', 'tell me a joke', 'turn on the lights']), voice))
      speech.push({ startMs: questionStart, endMs: ms() })
    } else {
      const start = ms()
      append(speak16k(pick(DISTRACTOR_SENTENCES), pick(CORPUS_VOICES)))
      speech.push({ startMs: start, endMs: ms() })
    }
    append(silence(600 + random() * 1800))
  }
  const pcm = addNoise(Buffer.concat(parts), options.noisePeak ?? 150, random)
  return { pcm, wakes, speech }
}
