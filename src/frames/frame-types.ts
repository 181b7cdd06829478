import type { FrameKind, FrameRole } from './frame-kinds.ts'

/** Fields every frame carries (seed 002's envelope). */
export interface FrameHeader {
  session_id: string
  correlation_id: string
  ts: string
  version: '1.0'
  role: FrameRole
  frame_seq: number
  kind: FrameKind
  trailer?: { final: boolean; checksum_sha256?: string | null } | null
  transaction_id?: string | null
}

/** A validated frame: the header and its kind's own fields (the schema checked them). */
export type Frame = FrameHeader & Record<string, unknown>

/** What a sender writes: the kind's fields; the session fills in the header. */
export type FrameBody = { kind: FrameKind } & Record<string, unknown>

/** One problem in a received line, as data (docs/frame-protocol.md "Errors are data"). */
export interface FrameIssue {
  /** Wire error code: invalid_frame, frame_too_large, protocol_mismatch, role_not_allowed, frame_seq_gap… */
  code: string
  message: string
  /** JSON pointer into the frame; '' for the whole line. */
  path: string
  expected: string
  got: string
  /** The correlation id of the offending frame when it could be read. */
  correlationId?: string
}

/** The two byte streams a session runs over: a child's stdio, a socket, a NATS bridge. */
export interface FrameStream {
  readonly input: NodeJS.ReadableStream
  readonly output: NodeJS.WritableStream & {
    readonly writableLength?: number
    readonly writableNeedDrain?: boolean
    readonly destroyed?: boolean
  }
}
