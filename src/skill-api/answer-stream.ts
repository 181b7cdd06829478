import type { RunState } from './run-state.ts'

/**
 * The text of a streaming step while it is produced (the LLM's answer, token by token), for a step
 * that runs beside it and reads it (the TTS speaking the answer sentence by sentence). The pipeline
 * runner makes one when a step whose runtime `readsAnswerStream` follows a `stream: true` step
 * (docs/decisions/1509); the writer's `chunk` parts fill it. Every reader gets the whole text from
 * its start.
 */
export class AnswerStream {
  #text = ''
  #ended = false
  #failure: { error: unknown } | undefined
  #wake: (() => void)[] = []

  /** The text so far. */
  get text(): string {
    return this.#text
  }

  get ended(): boolean {
    return this.#ended
  }

  push(text: string): void {
    if (this.#ended || text === '') return
    this.#text += text
    this.#notify()
  }

  /**
   * Ends the stream. `whole`, the writer's final text (run.answer), supplies what its parts did not
   * carry: all of it when no part had text, the rest when the parts were its beginning.
   */
  end(whole?: string): void {
    if (this.#ended) return
    if (whole !== undefined && whole.length > this.#text.length && whole.startsWith(this.#text))
      this.#text = whole
    this.#ended = true
    this.#notify()
  }

  fail(error: unknown): void {
    if (this.#ended) return
    this.#failure = { error }
    this.#ended = true
    this.#notify()
  }

  /** The text as it grows, in pieces; throws the writer's failure, or `signal`'s reason when it aborts. */
  async *read(signal: AbortSignal): AsyncGenerator<string> {
    let offset = 0
    for (;;) {
      if (signal.aborted) throw signal.reason
      if (offset < this.#text.length) {
        const piece = this.#text.slice(offset)
        offset = this.#text.length
        yield piece
        continue
      }
      if (this.#failure !== undefined) throw this.#failure.error
      if (this.#ended) return
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal.removeEventListener('abort', wake)
          resolve()
        }
        this.#wake.push(wake)
        signal.addEventListener('abort', wake, { once: true })
      })
    }
  }

  #notify(): void {
    const waiting = this.#wake
    this.#wake = []
    for (const wake of waiting) wake()
  }
}

const ANSWER_STREAM_KEY = 'kernel:answer-stream'

/** Called by the pipeline runner while a writer and its reader run side by side. */
export function attachAnswerStream(run: RunState, stream: AnswerStream | undefined): void {
  if (stream === undefined) run.data.delete(ANSWER_STREAM_KEY)
  else run.data.set(ANSWER_STREAM_KEY, stream)
}

/** The answer being written beside this step, or undefined when the previous step has finished (read run.answer). */
export function answerStreamOf(run: RunState): AnswerStream | undefined {
  return run.data.get(ANSWER_STREAM_KEY) as AnswerStream | undefined
}

const SPOKEN_ANSWER_KEY = 'kernel:spoken-answer'

/**
 * What of the answer reached the person, as the step that delivers it (TTS) reckons it when asked:
 * a turn cut short by barge-in is remembered with this text instead of the whole answer
 * (docs/voice.md). A function, since what was heard grows while the audio plays.
 */
export function recordSpokenAnswer(run: RunState, spoken: () => string): void {
  run.data.set(SPOKEN_ANSWER_KEY, spoken)
}

/** The spoken part of the answer at this moment, undefined when no step delivered it as speech. */
export function spokenAnswerOf(run: RunState): string | undefined {
  const spoken = run.data.get(SPOKEN_ANSWER_KEY)
  return typeof spoken === 'function' ? String((spoken as () => string)()) : undefined
}
