import { accessSync, constants, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_POCKETSPHINX_MODEL_DIR } from './pocketsphinx-library.ts'

const loaded = new Map<string, ReadonlySet<string>>()

/**
 * Whether the dictionary file is there and readable, without reading it: the whole word list
 * costs ~8 MB of heap, which a health check must not pay for (decision 1711).
 */
export function dictionaryInstalled(modelDir = DEFAULT_POCKETSPHINX_MODEL_DIR): boolean {
  if (loaded.has(modelDir)) return true
  try {
    accessSync(join(modelDir, 'cmudict-en-us.dict'), constants.R_OK)
    return true
  } catch {
    return false
  }
}

/** The words of pocketsphinx's pronouncing dictionary (cmudict-en-us.dict), read once per model. */
export function dictionaryWords(modelDir = DEFAULT_POCKETSPHINX_MODEL_DIR): ReadonlySet<string> | undefined {
  const cached = loaded.get(modelDir)
  if (cached !== undefined) return cached
  let text: string
  try {
    text = readFileSync(join(modelDir, 'cmudict-en-us.dict'), 'utf8')
  } catch {
    return undefined
  }
  // A line is `word phone phone …`; alternatives are spelled `word(2)`.
  const words = new Set(
    text.split('\n').map((line) => line.slice(0, line.indexOf(' ')).replace(/\(\d+\)$/, '')),
  )
  loaded.set(modelDir, words)
  return words
}

/** The words of `phrases` the dictionary lacks (none when the dictionary is not installed). */
export function unknownWords(phrases: readonly { phrase: string }[], modelDir?: string): string[] {
  const words = dictionaryWords(modelDir)
  if (words === undefined) return []
  const all = new Set(phrases.flatMap((entry) => entry.phrase.split(' ')))
  return [...all].filter((word) => !words.has(word))
}
