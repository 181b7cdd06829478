import { randomUUID } from 'node:crypto'
import { HubError } from '../contracts/index.ts'
import { backpressureBody, payloadBodies } from './frame-bodies.ts'
import { isNumbered, maySend, RESUME_KINDS } from './frame-kinds.ts'
import { resolveFrameSessionOptions } from './frame-options.ts'
import { ResumeControl } from './frame-resume.ts'
import type { FrameSession, FrameSessionInit } from './frame-session-types.ts'
import type { Frame, FrameBody, FrameIssue, FrameStream } from './frame-types.ts'
import { createFrameValidator, FRAME_PROTOCOL_VERSION } from './frame-validator.ts'
import { LineDecoder } from './line-decoder.ts'
import { PayloadAssembler } from './payload-assembler.ts'
import { ResumeRing } from './resume-ring.ts'

/** Largest payload joined from deltas, in characters. */
export const DEFAULT_MAX_PAYLOAD_CHARS = 64 * 1024 * 1024

/** Frames a paused sender still writes: liveness, flow control, errors, resume control. */
const UNHELD_KINDS: ReadonlySet<string> = new Set(['heartbeat', 'backpressure', 'error', ...RESUME_KINDS])

export type {
  FrameSession,
  FrameSessionHandlers,
  FrameSessionInit,
  FrameSessionStats,
} from './frame-session-types.ts'

/**
 * One side of a frame connection over any duplex byte stream: numbering and gap detection per
 * direction, heartbeats with their own counter, backpressure both ways, payloads with their
 * checksum, the resume ring, the role allow-list. The hub's stdio skill host, the TypeScript skill
 * SDK and (later) `localhub attach` and NATS-attached hosts all run on it.
 */
export function createFrameSession(init: FrameSessionInit): FrameSession {
  const settings = resolveFrameSessionOptions(init.options)
  const validator = init.validator ?? createFrameValidator()
  const now = init.now ?? Date.now
  const handlers = init.handlers
  const ring = new ResumeRing(settings.resumeRingFrames)
  const payloads = new PayloadAssembler(settings.maxOpenPayloads, DEFAULT_MAX_PAYLOAD_CHARS)
  const queue: { body: FrameBody; correlationId: string }[] = []
  let decoder = new LineDecoder(validator, settings.maxFrameBytes)
  let stream: FrameStream | undefined
  let detachStream: (() => void) | undefined
  let closed = false
  let sentSeq = 0
  let receivedSeq = 0
  let heartbeatSeq = 0
  let inbound = 0
  let askedPeerToPause = false
  let highWaterMark = settings.highWaterMark
  let pausedUntil = 0
  let pauseTimer: NodeJS.Timeout | undefined
  let throttleMs = 0
  let waitingForDrain = false
  let lastReceivedAt = now()
  // Silence counts only once the peer has spoken (start-up has its own timeout in the hub).
  let heardFromPeer = false

  const header = (kind: string, correlationId: string, seq: number) => ({
    session_id: init.sessionId,
    correlation_id: correlationId,
    ts: new Date(now()).toISOString(),
    version: FRAME_PROTOCOL_VERSION,
    role: init.role,
    frame_seq: seq,
    kind,
  })

  const writeLine = (line: string): boolean => {
    if (stream === undefined || stream.output.destroyed === true) return true
    try {
      return stream.output.write(line)
    } catch {
      return true
    }
  }

  /** Numbers, stamps and writes one frame now; numbered frames are kept for a resume. */
  const writeFrame = (body: FrameBody, correlationId: string): boolean => {
    let seq = 0
    if (body.kind === 'heartbeat') seq = ++heartbeatSeq
    else if (isNumbered(body.kind)) seq = ++sentSeq
    const line = `${JSON.stringify({ ...header(body.kind, correlationId, seq), ...body })}\n`
    if (isNumbered(body.kind)) ring.add(seq, line)
    return writeLine(line)
  }

  const resumeOnGap = init.resumeOnGap === true
  const resume: ResumeControl = new ResumeControl({
    sessionId: init.sessionId,
    resumeToken: init.resumeToken,
    settings,
    ring,
    handlers,
    resumeOnGap,
    writeFrame: (body, correlationId) => void writeFrame(body, correlationId),
    writeLine: (line) => void writeLine(line),
    report: (issue) => report(issue),
    sentSeq: () => sentSeq,
    receivedSeq: () => receivedSeq,
    now,
  })

  const heldByPeer = () => resume.resuming || pausedUntil > now()

  const schedulePauseEnd = () => {
    clearTimeout(pauseTimer)
    const wait = pausedUntil - now()
    if (wait > 0) pauseTimer = setTimeout(flush, wait)
  }

  function flush(): void {
    while (queue.length > 0 && !closed) {
      if (waitingForDrain) return
      if (heldByPeer()) {
        schedulePauseEnd()
        return
      }
      const next = queue.shift()!
      const accepted = writeFrame(next.body, next.correlationId)
      if (throttleMs > 0) {
        pausedUntil = now() + throttleMs
      }
      const buffered = stream?.output.writableLength ?? 0
      if (!accepted && stream !== undefined && buffered > settings.maxBufferedBytes) {
        waitingForDrain = true
        stream.output.once('drain', () => {
          waitingForDrain = false
          flush()
        })
        return
      }
    }
  }

  const send = (body: FrameBody, correlationId: string = randomUUID()): void => {
    if (closed) throw new HubError('E_DEPENDENCY_UNAVAILABLE', `frame session ${init.sessionId} is closed`)
    if (UNHELD_KINDS.has(body.kind)) {
      writeFrame(body, correlationId)
      return
    }
    if (queue.length >= settings.maxQueuedFrames) {
      throw new HubError(
        'E_RESOURCE_LIMIT',
        `the peer of frame session ${init.sessionId} is not reading: ${queue.length} frames are waiting`,
        { details: { queued: queue.length, limit: settings.maxQueuedFrames } },
      )
    }
    queue.push({ body, correlationId })
    flush()
  }

  const report = (issue: FrameIssue) => {
    handlers.onIssue?.(issue)
    if (closed) return
    const details: Record<string, unknown> = { path: issue.path, expected: issue.expected, got: issue.got }
    if (issue.code === 'frame_seq_gap') {
      details.expected = Number(issue.expected)
      details.got = Number(issue.got)
    }
    writeFrame(
      { kind: 'error', code: issue.code, message: issue.message, details },
      issue.correlationId ?? randomUUID(),
    )
  }

  const backpressure = (signal: 'pause' | 'resume') =>
    writeFrame(
      backpressureBody(signal, init.role, {
        queueDepth: inbound,
        highWaterMark,
        retryAfterMs: settings.retryAfterMs,
      }),
      randomUUID(),
    )

  const settle = () => {
    inbound--
    if (askedPeerToPause && inbound <= Math.floor(highWaterMark / 2)) {
      askedPeerToPause = false
      if (!closed) backpressure('resume')
    }
  }

  const deliver = (frame: Frame) => {
    inbound++
    if (!askedPeerToPause && inbound > highWaterMark) {
      askedPeerToPause = true
      backpressure('pause')
    }
    let result: void | Promise<void>
    try {
      result = handlers.onFrame(frame)
    } catch {
      result = undefined
    }
    if (result instanceof Promise) result.catch(() => undefined).finally(settle)
    else settle()
  }

  const onPeerBackpressure = (frame: Frame) => {
    const wait = typeof frame.retry_after_ms === 'number' ? frame.retry_after_ms : settings.retryAfterMs
    if (frame.signal === 'pause') {
      pausedUntil = now() + wait
      schedulePauseEnd()
    } else if (frame.signal === 'throttle') {
      throttleMs = wait
    } else {
      pausedUntil = 0
      throttleMs = 0
      clearTimeout(pauseTimer)
      flush()
    }
  }

  const accept = (frame: Frame) => {
    lastReceivedAt = now()
    if (frame.role !== init.peerRole || !maySend(init.peerRole, frame.kind)) {
      report({
        code: 'role_not_allowed',
        message: `a ${frame.role} may not send ${frame.kind} to a ${init.role}`,
        path: '/kind',
        expected: `a kind a ${init.peerRole} sends`,
        got: `${frame.role} ${frame.kind}`,
        correlationId: frame.correlation_id,
      })
      return
    }
    if (isNumbered(frame.kind)) {
      if (frame.frame_seq !== receivedSeq + 1 && resumeOnGap) {
        // A lossy carrier: a duplicate (from a replay) is dropped; after a gap the frame is dropped
        // too, and the resume brings it again in order (decision 1851).
        if (frame.frame_seq > receivedSeq + 1)
          resume.gap(receivedSeq + 1, frame.frame_seq, frame.correlation_id)
        return
      }
      if (frame.frame_seq !== receivedSeq + 1) {
        report({
          code: 'frame_seq_gap',
          message: `expected frame_seq ${receivedSeq + 1}, got ${frame.frame_seq}`,
          path: '/frame_seq',
          expected: String(receivedSeq + 1),
          got: String(frame.frame_seq),
          correlationId: frame.correlation_id,
        })
      }
      receivedSeq = frame.frame_seq
      resume.inOrder()
    }
    switch (frame.kind) {
      case 'heartbeat':
        // The peer sent more than arrived here (the lost frames were the last ones).
        if (resumeOnGap && typeof frame.peer_frame_seq === 'number' && frame.peer_frame_seq > receivedSeq)
          resume.gap(receivedSeq + 1, frame.peer_frame_seq + 1, frame.correlation_id)
        if (frame.direction === 'ping')
          writeFrame({ kind: 'heartbeat', direction: 'pong', peer_frame_seq: sentSeq }, frame.correlation_id)
        return
      case 'backpressure':
        onPeerBackpressure(frame)
        return
      case 'payload_start':
      case 'payload_delta':
      case 'payload_end': {
        const issue = payloads.accept(frame)
        if (issue !== undefined) report(issue)
        return
      }
      case 'resume_request':
        resume.onRequest(frame)
        return
      case 'resume_response':
        resume.onResponse(frame)
        flush()
        break
      case 'resume_rejected':
        resume.onRejected()
        break
      case 'error':
        // The peer lost frames of ours: a requester that resumes on gaps does (decision 1851).
        if (resumeOnGap && frame.code === 'frame_seq_gap') resume.peerGap(frame)
        break
    }
    deliver(frame)
  }

  const onData = (chunk: Buffer | string) => {
    lastReceivedAt = now()
    heardFromPeer = true
    for (const result of decoder.push(chunk)) {
      if (result.ok) accept(result.frame)
      else {
        report(result.issue)
        if (result.issue.code === 'protocol_mismatch') {
          close()
          handlers.onProtocolMismatch?.(result.issue)
          return
        }
      }
    }
  }

  const heartbeat = setInterval(() => {
    if (closed || stream === undefined) return
    if (heardFromPeer && now() - lastReceivedAt > settings.heartbeatIntervalMs * settings.missedHeartbeats) {
      lastReceivedAt = now()
      handlers.onDead?.()
      return
    }
    if (resume.tick()) {
      handlers.onDead?.()
      return
    }
    writeFrame({ kind: 'heartbeat', direction: 'ping', peer_frame_seq: sentSeq }, randomUUID())
  }, settings.heartbeatIntervalMs)
  heartbeat.unref()

  function detach(): void {
    detachStream?.()
    detachStream = undefined
    stream = undefined
    waitingForDrain = false
  }

  function close(): void {
    if (closed) return
    closed = true
    clearInterval(heartbeat)
    clearTimeout(pauseTimer)
    queue.length = 0
    const output = stream?.output
    detach()
    try {
      output?.end()
    } catch {
      // already gone
    }
  }

  return {
    sessionId: init.sessionId,
    settings,
    attach(next) {
      detach()
      stream = next
      decoder = new LineDecoder(validator, settings.maxFrameBytes)
      lastReceivedAt = now()
      const onEnd = () => handlers.onClose?.()
      const onError = () => undefined
      next.input.on('data', onData)
      next.input.on('end', onEnd)
      next.input.on('error', onError)
      next.output.on('error', onError)
      detachStream = () => {
        next.input.off('data', onData)
        next.input.off('end', onEnd)
        next.input.off('error', onError)
      }
      flush()
    },
    detach,
    send,
    sendPayload(correlationId, text, contentType = 'application/json') {
      for (const body of payloadBodies(text, contentType, settings.payloadChunkChars))
        send(body, correlationId)
    },
    takePayload: (correlationId) => payloads.take(correlationId),
    setHighWaterMark(frames) {
      if (Number.isInteger(frames) && frames >= 1) highWaterMark = frames
    },
    requestResume: (token) => resume.request(token),
    stats: () => ({
      sentSeq,
      receivedSeq,
      queued: queue.length,
      inbound,
      pausedByPeer: heldByPeer(),
      attached: stream !== undefined,
    }),
    close,
  }
}
