import { randomUUID } from 'node:crypto'
import type { FrameSessionSettings } from './frame-options.ts'
import type { FrameSessionHandlers } from './frame-session-types.ts'
import type { Frame, FrameBody, FrameIssue } from './frame-types.ts'
import type { ResumeRing } from './resume-ring.ts'

// The resume half of a frame session (docs/frame-protocol.md "Resume"): answering a resume_request
// (responder: the hub), replaying after a resume_response (requester: a host or terminal), and —
// for carriers that lose frames without closing, such as core NATS (decision 1851) — turning a
// frame_seq gap into a resume instead of accepting the loss.

/** What the resume control needs of its session. */
export interface ResumeHost {
  readonly sessionId: string
  readonly resumeToken: string | undefined
  readonly settings: FrameSessionSettings
  readonly ring: ResumeRing
  readonly handlers: FrameSessionHandlers
  /** A carrier that loses frames (core NATS): gaps resume, requests are retried, duplicates dropped. */
  readonly resumeOnGap: boolean
  /** Numbers and writes a frame now (unnumbered kinds get frame_seq 0). */
  writeFrame(body: FrameBody, correlationId: string): void
  /** Writes a line as it is (a replay). */
  writeLine(line: string): void
  /** Reports an issue to the peer as an error frame. */
  report(issue: FrameIssue): void
  sentSeq(): number
  receivedSeq(): number
  now(): number
}

export class ResumeControl {
  readonly #host: ResumeHost
  /** Requester side: waiting for resume_response / resume_rejected. */
  resuming = false
  #token: string | undefined
  #askedAt = 0
  /** When a gap opened that no resume has filled yet; undefined while in order. */
  #gapSince: number | undefined
  #gapNoticeAt = 0

  constructor(host: ResumeHost) {
    this.#host = host
  }

  /** Requester: asks the peer to replay what came after the last frame seen here. */
  request(token: string): void {
    this.resuming = true
    this.#token = token
    this.#askedAt = this.#host.now()
    this.#host.writeFrame(
      { kind: 'resume_request', last_seen_frame_seq: this.#host.receivedSeq(), tui_session_token: token },
      randomUUID(),
    )
  }

  /** Responder: replays the ring after the requester's last frame, or rejects the resume. */
  onRequest(frame: Frame): void {
    const host = this.#host
    const lastSeen = typeof frame.last_seen_frame_seq === 'number' ? frame.last_seen_frame_seq : 0
    let refusal: [string, string] | undefined
    const lines = host.ring.after(lastSeen, host.sentSeq())
    if (frame.session_id !== host.sessionId) refusal = ['session_unknown', `no session ${frame.session_id}`]
    else if (host.resumeToken === undefined || frame.tui_session_token !== host.resumeToken)
      refusal = ['token_mismatch', 'the resume token is not the one this session gave']
    else if (lines === undefined)
      refusal = [
        'ring_evicted',
        `frames after ${lastSeen} are no longer buffered (ring of ${host.settings.resumeRingFrames})`,
      ]
    if (refusal !== undefined || lines === undefined) {
      const [reason, detail] = refusal ?? ['ring_evicted', '']
      host.writeFrame({ kind: 'resume_rejected', reason, detail }, frame.correlation_id)
      return
    }
    host.writeFrame(
      {
        kind: 'resume_response',
        resumed_from_frame_seq: host.receivedSeq(),
        replay_count: lines.length,
        server_session_id: host.sessionId,
        heartbeat_interval_ms: Math.max(1000, host.settings.heartbeatIntervalMs),
      },
      frame.correlation_id,
    )
    for (const line of lines) host.writeLine(line)
  }

  /** Requester: replays this side's frames after what the peer got, or hands the loss to the owner. */
  onResponse(frame: Frame): void {
    const host = this.#host
    // A second answer to a retried request: its replay already went out once.
    if (host.resumeOnGap && !this.resuming) return
    const from = Number(frame.resumed_from_frame_seq)
    const lines = host.ring.after(from, host.sentSeq())
    if (lines === undefined) {
      const issue: FrameIssue = {
        code: 'ring_evicted',
        message: `frames after ${from} are no longer buffered here`,
        path: '/resumed_from_frame_seq',
        expected: `at least ${host.sentSeq() - host.ring.size}`,
        got: String(from),
      }
      // A requester that can start a new session does so instead of reporting (the SDK host).
      if (host.handlers.onResumeLost !== undefined) host.handlers.onResumeLost(issue)
      else host.report(issue)
    } else for (const line of lines) host.writeLine(line)
    this.resuming = false
  }

  onRejected(): void {
    this.resuming = false
    this.#gapSince = undefined
  }

  /** A numbered frame arrived in order: any gap is filled. */
  inOrder(): void {
    this.#gapSince = undefined
  }

  /**
   * Frames `expected`..`got - 1` never arrived (seen from a later frame, or from a heartbeat's
   * peer_frame_seq). A requester resumes; a responder tells the peer with a frame_seq_gap error,
   * which a resuming peer answers with resume_request. Once per heartbeat interval at most.
   */
  gap(expected: number, got: number, correlationId: string): void {
    const host = this.#host
    const now = host.now()
    this.#gapSince ??= now
    if (now - this.#gapNoticeAt < host.settings.heartbeatIntervalMs) return
    this.#gapNoticeAt = now
    const issue: FrameIssue = {
      code: 'frame_seq_gap',
      message: `expected frame_seq ${expected}, got ${got}; asking for a resume`,
      path: '/frame_seq',
      expected: String(expected),
      got: String(got),
      correlationId,
    }
    if (host.handlers.onGap !== undefined) {
      host.handlers.onIssue?.(issue)
      if (!this.resuming) host.handlers.onGap(issue)
    } else host.report(issue)
  }

  /** The peer said frames of this side went missing (a frame_seq_gap error): a requester resumes. */
  peerGap(frame: Frame): void {
    const onGap = this.#host.handlers.onGap
    if (onGap === undefined || this.resuming) return
    const details = (frame.details ?? {}) as { expected?: unknown; got?: unknown }
    onGap({
      code: 'frame_seq_gap',
      message: String(frame.message),
      path: '/frame_seq',
      expected: String(details.expected),
      got: String(details.got),
      correlationId: frame.correlation_id,
    })
  }

  /**
   * Each heartbeat tick: a resume_request unanswered for an interval is sent again (it may have been
   * lost with the connection it went out on). True when a gap stayed open for `missedHeartbeats`
   * intervals: the peer is not resuming, and the session counts as dead.
   */
  tick(): boolean {
    const host = this.#host
    const now = host.now()
    const interval = host.settings.heartbeatIntervalMs
    if (host.resumeOnGap && this.resuming && this.#token !== undefined && now - this.#askedAt >= interval)
      this.request(this.#token)
    return this.#gapSince !== undefined && now - this.#gapSince > interval * host.settings.missedHeartbeats
  }
}
