// Bodies of the frames a session builds itself: a payload's start/deltas/end, a backpressure signal.
import { sha256Hex } from './canonical-json.ts'
import type { FrameRole } from './frame-kinds.ts'
import type { FrameBody } from './frame-types.ts'

const HUD_PAUSE_EN = 'The receiver is busy; sending is paused.'
const HUD_PAUSE_KO = '수신 측이 바쁩니다. 전송을 잠시 멈춥니다.'
const HUD_RESUME_EN = 'The receiver caught up; sending resumes.'
const HUD_RESUME_KO = '수신 측이 따라잡았습니다. 전송을 다시 시작합니다.'

/** payload_start, the deltas (`chunkChars` each, never splitting a surrogate pair), payload_end with the sha256 trailer. */
export function payloadBodies(text: string, contentType: string, chunkChars: number): FrameBody[] {
  const bodies: FrameBody[] = [
    { kind: 'payload_start', content_type: contentType, estimated_bytes: Buffer.byteLength(text) },
  ]
  let count = 0
  let start = 0
  do {
    let end = Math.min(text.length, start + chunkChars)
    // Each piece stays valid UTF-16, and so valid UTF-8 on the wire.
    const last = text.charCodeAt(end - 1)
    if (end < text.length && end - start > 1 && last >= 0xd800 && last <= 0xdbff) end--
    bodies.push({ kind: 'payload_delta', delta_seq: count++, payload: text.slice(start, end) })
    start = end
  } while (start < text.length)
  bodies.push({
    kind: 'payload_end',
    delta_count: count,
    status: 'ok',
    trailer: { final: true, checksum_sha256: sha256Hex(text) },
  })
  return bodies
}

export function backpressureBody(
  signal: 'pause' | 'resume',
  role: FrameRole,
  state: { queueDepth: number; highWaterMark: number; retryAfterMs: number },
): FrameBody {
  return {
    kind: 'backpressure',
    signal,
    source: role === 'backend' ? 'backend_writer' : 'tui_reader',
    queue_depth: state.queueDepth,
    hwm: state.highWaterMark,
    retry_after_ms: state.retryAfterMs,
    hud_copy_ko: signal === 'pause' ? HUD_PAUSE_KO : HUD_RESUME_KO,
    hud_copy_en: signal === 'pause' ? HUD_PAUSE_EN : HUD_RESUME_EN,
  }
}
