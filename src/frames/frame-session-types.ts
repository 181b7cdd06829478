import type { FrameRole } from './frame-kinds.ts'
import type { FrameSessionOptions, FrameSessionSettings } from './frame-options.ts'
import type { Frame, FrameBody, FrameIssue, FrameStream } from './frame-types.ts'
import type { FrameValidator } from './frame-validator.ts'
import type { PayloadOutcome } from './payload-assembler.ts'

// The frame session's public shape (its implementation is frame-session.ts).

export interface FrameSessionHandlers {
  /**
   * Every accepted frame except heartbeats, backpressure and payload pieces (handled here). While the
   * returned promise is pending the frame counts toward this side's inbound queue (backpressure).
   */
  onFrame(frame: Frame): void | Promise<void>
  /** A problem this side found in what it received (also sent to the peer as an error frame). */
  onIssue?(issue: FrameIssue): void
  /** Nothing received for missedHeartbeats intervals. */
  onDead?(): void
  /** The input ended (the peer closed its side or the process went away). */
  onClose?(): void
  /** The peer speaks another protocol version; the session has closed itself. */
  onProtocolMismatch?(issue: FrameIssue): void
  /**
   * Requester side: the peer resumed after frames this side no longer holds. Without this handler
   * the session reports `ring_evicted` to the peer; with it, the owner decides (a new session).
   */
  onResumeLost?(issue: FrameIssue): void
  /**
   * Requester side with `resumeOnGap`: frames from the peer were lost (a gap, or a heartbeat saying
   * more was sent); the owner asks for a resume (requestResume with its token). Without it, the
   * session tells the peer with a frame_seq_gap error instead (the responder side).
   */
  onGap?(issue: FrameIssue): void
}

export interface FrameSessionInit {
  role: FrameRole
  peerRole: FrameRole
  sessionId: string
  /** The secret a resume_request must present (responder side). */
  resumeToken?: string
  /**
   * The carrier may lose frames without closing (core NATS, decision 1851): a frame after a gap is
   * not processed but resumed, duplicates are dropped, resume requests are retried each heartbeat
   * interval, and a gap left open for missedHeartbeats intervals counts as a dead peer.
   */
  resumeOnGap?: boolean
  options?: FrameSessionOptions
  /** Shared compiled schema; compiled here when absent. */
  validator?: FrameValidator
  handlers: FrameSessionHandlers
  now?: () => number
}

export interface FrameSessionStats {
  readonly sentSeq: number
  readonly receivedSeq: number
  readonly queued: number
  readonly inbound: number
  readonly pausedByPeer: boolean
  readonly attached: boolean
}

export interface FrameSession {
  readonly sessionId: string
  readonly settings: FrameSessionSettings
  attach(stream: FrameStream): void
  /** Stops reading and writing the current stream; numbered frames sent meanwhile wait in the ring. */
  detach(): void
  /** Queues a frame; fails with E_RESOURCE_LIMIT when the queue is full, E_DEPENDENCY_UNAVAILABLE once closed. */
  send(body: FrameBody, correlationId?: string): void
  /** Sends text as payload_start / payload_delta… / payload_end with its sha256 trailer. */
  sendPayload(correlationId: string, text: string, contentType?: string): void
  /** The finished payload of a correlation id, once. */
  takePayload(correlationId: string): PayloadOutcome | undefined
  /** The high-water mark the peer told this side to use (a host takes the hub's from session_event). */
  setHighWaterMark(frames: number): void
  /** Requester side of a resume: asks the peer to replay what came after the last frame seen here. */
  requestResume(token: string): void
  stats(): FrameSessionStats
  close(): void
}
