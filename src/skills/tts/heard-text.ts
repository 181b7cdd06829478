/** One sentence of the answer's audio: where it starts in the answer and how long it lasts, in ms. */
export interface SpokenSentence {
  text: string
  startMs: number
  durationMs: number
}

/**
 * The words of the answer a listener heard after `playedMs` of its audio (docs/voice.md, barge-in):
 * sentences played to their end are kept whole; the sentence playing at the cut keeps the share of
 * its characters that its played share of audio gives, back to the last whole word.
 */
export function heardText(sentences: readonly SpokenSentence[], playedMs: number): string {
  const heard: string[] = []
  for (const sentence of sentences) {
    if (sentence.startMs >= playedMs) break
    const endMs = sentence.startMs + sentence.durationMs
    if (endMs <= playedMs) {
      heard.push(sentence.text)
      continue
    }
    const share = (playedMs - sentence.startMs) / sentence.durationMs
    const reached = Math.floor(sentence.text.length * share)
    // Only words that ended before the cut: the cut falls on a space, or the last space before it.
    const partial =
      sentence.text[reached] === ' ' || reached >= sentence.text.length
        ? sentence.text.slice(0, reached)
        : sentence.text.slice(0, Math.max(0, sentence.text.lastIndexOf(' ', reached)))
    if (partial.trim() !== '') heard.push(partial.trim())
    break
  }
  return heard.join(' ')
}
