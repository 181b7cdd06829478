/** Longest piece spoken at once, in characters: an answer without punctuation still streams. */
export const DEFAULT_TTS_MAX_SENTENCE_CHARS = 300

// Where one sentence ends: whitespace after . ! ? ; : or a line break.
const BOUNDARY = /(?<=[.!?;:])\s+|\n+/g
const HAS_WORDS = /[\p{L}\p{N}]/u

/** Cuts a sentence longer than `maxChars` at spaces (or anywhere when it has none). */
function cutLong(sentence: string, maxChars: number, pieces: string[]): string {
  let rest = sentence.trim()
  while (rest.length > maxChars) {
    const space = rest.lastIndexOf(' ', maxChars)
    const cut = space > 0 ? space : maxChars
    pieces.push(rest.slice(0, cut).trim())
    rest = rest.slice(cut).trim()
  }
  return rest
}

/** The answer split into sentences (long ones at spaces), each spoken as soon as it is synthesised. */
export function sentencesOf(text: string, maxChars: number = DEFAULT_TTS_MAX_SENTENCE_CHARS): string[] {
  const splitter = new SentenceSplitter(maxChars)
  return [...splitter.push(text), ...splitter.end()]
}

/**
 * Splits text that arrives in pieces (an answer as the model streams it) into the sentences
 * `sentencesOf` gives for the whole text: a sentence is handed out once the whitespace after its
 * end mark has arrived, a long one as soon as a piece of `maxChars` is certain.
 */
export class SentenceSplitter {
  #pending = ''

  constructor(private readonly maxChars: number = DEFAULT_TTS_MAX_SENTENCE_CHARS) {}

  /** Adds text; answers the sentences it completed. */
  push(text: string): string[] {
    this.#pending += text
    const pieces: string[] = []
    let start = 0
    for (const boundary of this.#pending.matchAll(BOUNDARY)) {
      // A boundary at the very end may grow (more whitespace, more line breaks): wait for the next text.
      if (boundary.index + boundary[0].length === this.#pending.length) break
      pieces.push(cutLong(this.#pending.slice(start, boundary.index), this.maxChars, pieces))
      start = boundary.index + boundary[0].length
    }
    this.#pending = this.#pending.slice(start)
    // The open sentence's leading pieces are certain once it is longer than maxChars: more text
    // only makes it longer, and the cut depends on its first maxChars + 1 characters.
    for (;;) {
      const open = this.#pending.trimStart()
      if (open.trimEnd().length <= this.maxChars) break
      const space = open.lastIndexOf(' ', this.maxChars)
      const cut = space > 0 ? space : this.maxChars
      pieces.push(open.slice(0, cut).trim())
      this.#pending = open.slice(cut).trimStart()
    }
    return pieces.filter((piece) => HAS_WORDS.test(piece))
  }

  /** The end of the text: answers its last sentences. */
  end(): string[] {
    const pieces: string[] = []
    const parts = this.#pending.split(BOUNDARY)
    this.#pending = ''
    for (const part of parts) pieces.push(cutLong(part, this.maxChars, pieces))
    return pieces.filter((piece) => HAS_WORDS.test(piece))
  }
}
