import { createHash } from 'node:crypto'
import { answerStreamOf, type RunState, recordSpokenAnswer, type StepContext } from '../../skill-api/index.ts'
import type { Speech } from './flite.ts'
import { heardText, type SpokenSentence } from './heard-text.ts'
import { SentenceSplitter, sentencesOf } from './sentence-splitter.ts'
import { visemesOf } from './visemes.ts'

/** Audio per tts.audio event, in milliseconds: small enough to start playback at once. */
export const DEFAULT_TTS_CHUNK_MS = 200

/** How far audio is sent ahead of its playback when pacing, in milliseconds (the client's buffer). */
export const DEFAULT_TTS_LEAD_MS = 500

/** Waits `ms`, or less when `signal` aborts (the caller checks it). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

export type Speak = (text: string, signal: AbortSignal) => Promise<Speech>

/** Seed 003's stored voice events this step can emit; each only when the skill provides it. */
export const SEED_TTS_TYPES = ['voice.tts.requested', 'voice.tts.audio.ready', 'voice.tts.done'] as const

export interface SpeakOptions {
  voice: string
  /** Engine name for seed 003's `provider` (flite, wyoming). */
  provider: string
  language: string
  /** The seed 003 types the skill's manifest entry provides. */
  seedTypes?: ReadonlySet<string>
  chunkMs?: number
  /**
   * Sends the audio at playback pace, DEFAULT_TTS_LEAD_MS ahead, and ends when the answer has
   * played, so a barge-in during playback cancels a running turn (default true; docs/voice.md).
   */
  pacing?: boolean
  leadMs?: number
}

/** Seed 003's voice_session_id: the sha256 of the hub's session id. */
export function voiceSessionIdOf(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex')
}

/** The sentences to speak: from the answer as it is written beside this step, or the finished one. */
async function* sentencesToSpeak(run: RunState, signal: AbortSignal): AsyncGenerator<string> {
  const stream = answerStreamOf(run)
  if (stream === undefined) {
    yield* sentencesOf(run.answer)
    return
  }
  const splitter = new SentenceSplitter()
  for await (const piece of stream.read(signal)) yield* splitter.push(piece)
  yield* splitter.end()
}

interface Queued {
  text: string
  speech: Promise<Speech>
}

/**
 * The TTS step: speaks the answer sentence by sentence, each as soon as it is complete: while the
 * LLM step still writes it when the runner runs the two side by side (decision 1509), else from
 * `run.answer`. Sentences are synthesised one after another, ahead of the sending. Each is announced
 * as llm.text (the speakable piece, which moves the session to speaking), then sent as tts.audio
 * chunks and its tts.viseme_timing; tts.start and tts.end frame the whole answer. voice_rtt_ms is
 * measured from the voice.end the run received. What the person heard is recorded for memory
 * (`recordSpokenAnswer`): the audio played by now, assuming the client plays it as it arrives.
 */
export async function speakRun(
  context: StepContext,
  speak: Speak,
  options: SpeakOptions,
): Promise<{ totalMs: number }> {
  // Stops the synthesis ahead when this step ends early (a failed emit, a failed sentence).
  const stop = new AbortController()
  const signal = AbortSignal.any([context.signal, stop.signal])
  try {
    return await speakAll(context, speak, options, signal)
  } finally {
    stop.abort()
  }
}

async function speakAll(
  context: StepContext,
  speak: Speak,
  options: SpeakOptions,
  signal: AbortSignal,
): Promise<{ totalMs: number }> {
  const { run, emitter, metrics } = context
  const chunkMs = options.chunkMs ?? DEFAULT_TTS_CHUNK_MS
  const pacing = options.pacing ?? true
  const leadMs = options.leadMs ?? DEFAULT_TTS_LEAD_MS
  const seeded = (type: string) => options.seedTypes?.has(type) === true
  const voiceSessionId = voiceSessionIdOf(run.sessionId)
  const skill = context.step.call
  const timed = (text: string) => {
    const started = performance.now()
    return speak(text, signal).then((result) => {
      metrics.observe('tts_ms', performance.now() - started, { skill })
      return result
    })
  }
  // Sentences are queued as they complete; each is synthesised once the previous one is.
  const queue: Queued[] = []
  let produced = false
  let failure: { error: unknown } | undefined
  let wake: (() => void) | undefined
  const notify = () => {
    wake?.()
    wake = undefined
  }
  void (async () => {
    let previous: Promise<unknown> = Promise.resolve()
    try {
      for await (const text of sentencesToSpeak(run, signal)) {
        const speech = previous.then(() => timed(text))
        // A sentence synthesised after the turn was cancelled fails; nobody waits for it then.
        speech.catch(() => undefined)
        previous = speech.catch(() => undefined)
        queue.push({ text, speech })
        notify()
      }
    } catch (error) {
      failure = { error }
    }
    produced = true
    notify()
  })()
  const next = async (): Promise<Queued | undefined> => {
    for (;;) {
      const item = queue.shift()
      if (item !== undefined) return item
      if (failure !== undefined) throw failure.error
      if (produced) return undefined
      await new Promise<void>((resolve) => {
        wake = resolve
      })
    }
  }

  const endOfSpeech = run.received.findLast((event) => event.type === 'voice.end')
  const spoken: SpokenSentence[] = []
  let firstAudioAt: number | undefined
  let sentMs = 0
  recordSpokenAnswer(run, () =>
    firstAudioAt === undefined ? '' : heardText(spoken, Math.min(sentMs, performance.now() - firstAudioAt)),
  )
  let seq = 0
  let totalMs = 0
  for (let index = 0; ; index++) {
    const item = await next()
    if (item === undefined) break
    if (seeded('voice.tts.requested'))
      await emitter.emit('voice.tts.requested', {
        voice_session_id: voiceSessionId,
        text: item.text,
        language: options.language,
      })
    const speech = await item.speech
    if (index === 0)
      await emitter.emit('tts.start', {
        voice: options.voice,
        format: 'pcm16',
        sampleRate: speech.sampleRate,
      })
    await emitter.emit('llm.text', { text: item.text })
    const handle = `${run.traceId}:${index}`
    if (seeded('voice.tts.audio.ready'))
      await emitter.emit('voice.tts.audio.ready', {
        voice_session_id: voiceSessionId,
        handle,
        // The audio goes out on the voice connection and is never kept, so this names that stream.
        url: '/ws/voice',
        bytes_len: speech.pcm.length,
        provider: options.provider,
      })
    const durationMs = Math.round((speech.pcm.length / 2 / speech.sampleRate) * 1000)
    spoken.push({ text: item.text, startMs: totalMs, durationMs })
    // The sentence's visemes go before its audio, so a face has them when the audio starts playing
    // (docs/avatar.md). An engine without phone timings (Wyoming) gives no visemes.
    if (speech.phones.length > 0) await emitter.emit('tts.viseme_timing', visemesOf(speech.phones, totalMs))
    const bytesPerChunk = Math.max(2, Math.round((speech.sampleRate * chunkMs) / 1000) * 2)
    for (let offset = 0; offset < speech.pcm.length; offset += bytesPerChunk) {
      if (pacing && firstAudioAt !== undefined)
        await pause(sentMs - (performance.now() - firstAudioAt) - leadMs, signal)
      signal.throwIfAborted()
      const piece = speech.pcm.subarray(offset, offset + bytesPerChunk)
      const ms = Math.max(1, Math.round((piece.length / 2 / speech.sampleRate) * 1000))
      await emitter.emit('tts.audio', { seq: seq++, bytesB64: piece.toString('base64'), ms })
      sentMs += (piece.length / 2 / speech.sampleRate) * 1000
      if (seq === 1) {
        firstAudioAt = performance.now()
        if (endOfSpeech !== undefined)
          metrics.observe('voice_rtt_ms', Date.now() - Date.parse(endOfSpeech.ts), { skill })
      }
    }
    if (seeded('voice.tts.done'))
      await emitter.emit('voice.tts.done', {
        voice_session_id: voiceSessionId,
        handle,
        provider: options.provider,
      })
    totalMs += durationMs
  }
  if (spoken.length > 0) await emitter.emit('tts.end', { totalMs })
  // The turn lasts until the answer has played: a barge-in until then cuts it (and its memory).
  if (pacing && firstAudioAt !== undefined) {
    // Timers run on the loop's whole-millisecond clock and can fire up to 1 ms before the
    // performance clock says the audio ended, so wait until it says so.
    for (let left = sentMs - (performance.now() - firstAudioAt); left > 0; ) {
      await pause(Math.max(1, left), signal)
      signal.throwIfAborted()
      left = sentMs - (performance.now() - firstAudioAt)
    }
    signal.throwIfAborted()
  }
  return { totalMs }
}
