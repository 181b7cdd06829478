import { HubError } from '../../contracts/index.ts'

/** The 15 mouth shapes of the phoneme → viseme table (docs/voice.md); `sil` is the mouth at rest. */
export const VISEMES = Object.freeze([
  'sil',
  'PP',
  'FF',
  'TH',
  'DD',
  'kk',
  'CH',
  'SS',
  'nn',
  'RR',
  'aa',
  'E',
  'I',
  'O',
  'U',
] as const)

export type Viseme = (typeof VISEMES)[number]

export function isViseme(value: unknown): value is Viseme {
  return typeof value === 'string' && (VISEMES as readonly string[]).includes(value)
}

/** One mouth shape held from `startMs` until `endMs` on the answer's audio clock. */
export interface VisemeSegment {
  viseme: Viseme
  startMs: number
  endMs: number
}

/**
 * The visemes of one answer, on its audio clock, as tts.viseme_timing events bring them (one per
 * sentence, in order). A viseme's end is the next one's start, so the timeline is settled up to the
 * start of its last viseme until the next sentence's timing or the end of the audio arrives.
 */
export class VisemeTimeline {
  readonly #starts: number[] = []
  readonly #visemes: Viseme[] = []
  #endMs: number | undefined

  get size(): number {
    return this.#starts.length
  }

  get endMs(): number | undefined {
    return this.#endMs
  }

  /** Adds one tts.viseme_timing payload; labels outside the table count as `sil`. */
  add(visemes: readonly unknown[], timingMs: readonly number[]): void {
    if (visemes.length !== timingMs.length)
      throw new HubError(
        'E_VALIDATION',
        `tts.viseme_timing has ${visemes.length} visemes and ${timingMs.length} timings`,
      )
    for (const [index, start] of timingMs.entries()) {
      const last = this.#starts.at(-1)
      // A timing that does not move forward (a repeated delivery, a phone of no length) is ignored
      // rather than reordering the face.
      if (last !== undefined && start <= last) continue
      const label = visemes[index]
      this.#starts.push(start)
      this.#visemes.push(isViseme(label) ? label : 'sil')
    }
  }

  /** The audio's total duration (tts.end): everything up to it is settled. */
  end(totalMs: number): void {
    this.#endMs = Math.max(totalMs, 0)
  }

  /** Up to when (ms) every viseme and its end are known. */
  settledUntil(): number {
    if (this.#endMs !== undefined) return this.#endMs
    return this.#starts.at(-1) ?? 0
  }

  /** The segment holding time `ms`, or undefined past what is settled. Before the first viseme: rest. */
  segmentAt(ms: number): VisemeSegment | undefined {
    if (ms >= this.settledUntil() && this.#endMs === undefined) return undefined
    const starts = this.#starts
    let low = 0
    let high = starts.length - 1
    let found = -1
    while (low <= high) {
      const middle = (low + high) >> 1
      if (starts[middle]! <= ms) {
        found = middle
        low = middle + 1
      } else high = middle - 1
    }
    const end = this.#endMs ?? Number.POSITIVE_INFINITY
    if (found < 0) return { viseme: 'sil', startMs: 0, endMs: Math.min(starts[0] ?? end, end) }
    const next = starts[found + 1]
    return { viseme: this.#visemes[found]!, startMs: starts[found]!, endMs: next ?? end }
  }
}
