import { sha256Hex } from './canonical-json.ts'
import type { Frame, FrameIssue } from './frame-types.ts'

export type PayloadOutcome =
  | { ok: true; text: string; contentType: string }
  | { ok: false; issue: FrameIssue }

interface OpenPayload {
  contentType: string
  pieces: string[]
  chars: number
  broken?: FrameIssue
}

function mismatch(correlationId: string, expected: string, got: string, message: string): FrameIssue {
  return { code: 'checksum_mismatch', message, path: '', expected, got, correlationId }
}

/**
 * Joins payload_start / payload_delta / payload_end by correlation id and checks the trailer: the
 * delta count and the sha256 of the joined pieces. Bounded: at most `maxOpen` payloads at once and
 * `maxChars` characters each.
 */
export class PayloadAssembler {
  readonly #open = new Map<string, OpenPayload>()
  readonly #done = new Map<string, PayloadOutcome>()
  readonly #maxOpen: number
  readonly #maxChars: number

  constructor(maxOpen: number, maxChars: number) {
    this.#maxOpen = maxOpen
    this.#maxChars = maxChars
  }

  /** Takes one payload frame; returns an issue when the payload is refused or finished broken. */
  accept(frame: Frame): FrameIssue | undefined {
    const id = frame.correlation_id
    if (frame.kind === 'payload_start') {
      if (this.#open.size >= this.#maxOpen) {
        const issue = mismatch(
          id,
          `at most ${this.#maxOpen} open payloads`,
          `${this.#open.size + 1}`,
          'too many open payloads',
        )
        this.#done.set(id, { ok: false, issue })
        return issue
      }
      this.#open.set(id, { contentType: String(frame.content_type), pieces: [], chars: 0 })
      return undefined
    }
    const open = this.#open.get(id)
    if (open === undefined) {
      return mismatch(id, 'a payload_start first', String(frame.kind), `${frame.kind} without payload_start`)
    }
    if (frame.kind === 'payload_delta') {
      if (open.broken !== undefined) return undefined
      const piece = String(frame.payload)
      if (frame.delta_seq !== open.pieces.length) {
        open.broken = mismatch(
          id,
          `delta_seq ${open.pieces.length}`,
          String(frame.delta_seq),
          'payload deltas out of order',
        )
      } else if (open.chars + piece.length > this.#maxChars) {
        open.broken = mismatch(
          id,
          `at most ${this.#maxChars} characters`,
          `${open.chars + piece.length}`,
          'payload too large',
        )
        open.pieces = []
      } else {
        open.pieces.push(piece)
        open.chars += piece.length
      }
      return undefined
    }
    // payload_end
    this.#open.delete(id)
    const text = open.pieces.join('')
    const checksum = (frame.trailer as { checksum_sha256?: unknown } | null | undefined)?.checksum_sha256
    let issue = open.broken
    if (issue === undefined && frame.status !== 'ok')
      issue = mismatch(id, 'status "ok"', String(frame.status), 'the payload was aborted')
    if (issue === undefined && frame.delta_count !== open.pieces.length)
      issue = mismatch(
        id,
        `delta_count ${open.pieces.length}`,
        String(frame.delta_count),
        'delta_count differs from the deltas received',
      )
    if (issue === undefined && checksum !== sha256Hex(text))
      issue = mismatch(
        id,
        `checksum_sha256 ${sha256Hex(text)}`,
        String(checksum),
        'the payload checksum differs',
      )
    this.#done.set(
      id,
      issue === undefined ? { ok: true, text, contentType: open.contentType } : { ok: false, issue },
    )
    return issue
  }

  /** The finished payload of a correlation id, once; undefined when none finished. */
  take(correlationId: string): PayloadOutcome | undefined {
    const outcome = this.#done.get(correlationId)
    this.#done.delete(correlationId)
    return outcome
  }

  /** Forgets a correlation id (its call ended another way). */
  drop(correlationId: string): void {
    this.#open.delete(correlationId)
    this.#done.delete(correlationId)
  }
}
