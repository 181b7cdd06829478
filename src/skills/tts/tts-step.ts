import type { StepContext } from '../../skill-api/index.ts'
import type { Speech } from './flite.ts'
import { visemesOf } from './visemes.ts'

/** Audio per tts.audio event, in milliseconds: small enough to start playback at once. */
export const DEFAULT_TTS_CHUNK_MS = 200

export type Speak = (text: string, signal: AbortSignal) => Promise<Speech>

/** Longest piece spoken at once, in characters: an answer without punctuation still streams. */
export const DEFAULT_TTS_MAX_SENTENCE_CHARS = 300

/** The answer split into sentences (long ones at spaces), each spoken as soon as it is synthesised. */
export function sentencesOf(text: string, maxChars: number = DEFAULT_TTS_MAX_SENTENCE_CHARS): string[] {
  const pieces: string[] = []
  for (const sentence of text.split(/(?<=[.!?;:])\s+|\n+/)) {
    let rest = sentence.trim()
    while (rest.length > maxChars) {
      const space = rest.lastIndexOf(' ', maxChars)
      const cut = space > 0 ? space : maxChars
      pieces.push(rest.slice(0, cut).trim())
      rest = rest.slice(cut).trim()
    }
    pieces.push(rest)
  }
  return pieces.filter((piece) => /[\p{L}\p{N}]/u.test(piece))
}

/**
 * The TTS step: speaks `run.answer` sentence by sentence (the next one is synthesised while the
 * current one is sent). Each sentence is announced as llm.text (the speakable piece, which moves
 * the session to speaking), then sent as tts.audio chunks and its tts.viseme_timing; tts.start
 * and tts.end frame the whole answer. voice_rtt_ms is measured from the voice.end the run received.
 */
export async function speakRun(
  context: StepContext,
  speak: Speak,
  voice: string,
  chunkMs: number = DEFAULT_TTS_CHUNK_MS,
): Promise<{ totalMs: number }> {
  const { run, emitter, signal, metrics } = context
  const sentences = sentencesOf(run.answer)
  if (sentences.length === 0) return { totalMs: 0 }
  const skill = context.step.call
  const timed = (text: string) => {
    const started = performance.now()
    const speech = speak(text, signal).then((result) => {
      metrics.observe('tts_ms', performance.now() - started, { skill })
      return result
    })
    // A prefetched sentence may fail after the turn was cancelled; nobody waits for it then.
    speech.catch(() => undefined)
    return speech
  }
  const endOfSpeech = run.received.findLast((event) => event.type === 'voice.end')
  let pending = timed(sentences[0]!)
  let seq = 0
  let totalMs = 0
  for (const [index, sentence] of sentences.entries()) {
    const speech = await pending
    if (index + 1 < sentences.length) pending = timed(sentences[index + 1]!)
    if (index === 0)
      await emitter.emit('tts.start', { voice, format: 'pcm16', sampleRate: speech.sampleRate })
    await emitter.emit('llm.text', { text: sentence })
    const bytesPerChunk = Math.max(2, Math.round((speech.sampleRate * chunkMs) / 1000) * 2)
    for (let offset = 0; offset < speech.pcm.length; offset += bytesPerChunk) {
      const piece = speech.pcm.subarray(offset, offset + bytesPerChunk)
      const ms = Math.max(1, Math.round((piece.length / 2 / speech.sampleRate) * 1000))
      await emitter.emit('tts.audio', { seq: seq++, bytesB64: piece.toString('base64'), ms })
      if (seq === 1 && endOfSpeech !== undefined)
        metrics.observe('voice_rtt_ms', Date.now() - Date.parse(endOfSpeech.ts), { skill })
    }
    // An engine without phone timings (Wyoming) gives no visemes.
    if (speech.phones.length > 0) await emitter.emit('tts.viseme_timing', visemesOf(speech.phones, totalMs))
    totalMs += Math.round((speech.pcm.length / 2 / speech.sampleRate) * 1000)
  }
  await emitter.emit('tts.end', { totalMs })
  return { totalMs }
}
