import { HubError } from '../contracts/index.ts'

/** Longest line accepted, in bytes without its newline (docs/frame-protocol.md "Lines"). */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000
/** Intervals with nothing received before the peer counts as dead. */
export const DEFAULT_MISSED_HEARTBEATS = 3
/** Inbound frames in hand before this side asks its peer to pause. */
export const DEFAULT_HIGH_WATER_MARK = 64
/** How long a paused peer waits before sending again without a resume signal. */
export const DEFAULT_RETRY_AFTER_MS = 200
/** Numbered outbound frames kept for a resume. */
export const DEFAULT_RESUME_RING_FRAMES = 256
/** Frames held back (peer paused or not reading) before a send fails with E_RESOURCE_LIMIT. */
export const DEFAULT_MAX_QUEUED_FRAMES = 1024
/**
 * Bytes the output stream may hold before this side waits for it to drain. Above the stream's own
 * 16 KiB mark: waiting at every full pipe turns 64 calls in flight into one round trip at a time.
 */
export const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024
/** Size of one payload_delta piece, in UTF-16 code units. */
export const DEFAULT_PAYLOAD_CHUNK_CHARS = 64 * 1024
/** Results larger than this (JSON characters) go as payload frames. */
export const DEFAULT_PAYLOAD_THRESHOLD_CHARS = 256 * 1024
/** Partial payloads kept at once; more is a peer misbehaving. */
export const DEFAULT_MAX_OPEN_PAYLOADS = 64

export interface FrameSessionOptions {
  maxFrameBytes?: number
  heartbeatIntervalMs?: number
  missedHeartbeats?: number
  highWaterMark?: number
  retryAfterMs?: number
  resumeRingFrames?: number
  maxQueuedFrames?: number
  maxBufferedBytes?: number
  payloadChunkChars?: number
  maxOpenPayloads?: number
}

export type FrameSessionSettings = Readonly<Required<FrameSessionOptions>>

const LIMITS: Readonly<Record<keyof FrameSessionOptions, readonly [number, number]>> = {
  maxFrameBytes: [256, 64 * 1024 * 1024],
  heartbeatIntervalMs: [10, 3_600_000],
  missedHeartbeats: [1, 100],
  highWaterMark: [1, 1_000_000],
  retryAfterMs: [0, 600_000],
  resumeRingFrames: [0, 1_000_000],
  maxQueuedFrames: [1, 10_000_000],
  maxBufferedBytes: [0, 1024 * 1024 * 1024],
  payloadChunkChars: [1, 16 * 1024 * 1024],
  maxOpenPayloads: [1, 100_000],
}

/** Defaults spread under the caller's options, each checked against its range, frozen. */
export function resolveFrameSessionOptions(options: FrameSessionOptions = {}): FrameSessionSettings {
  const settings: Required<FrameSessionOptions> = {
    maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
    heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS,
    missedHeartbeats: DEFAULT_MISSED_HEARTBEATS,
    highWaterMark: DEFAULT_HIGH_WATER_MARK,
    retryAfterMs: DEFAULT_RETRY_AFTER_MS,
    resumeRingFrames: DEFAULT_RESUME_RING_FRAMES,
    maxQueuedFrames: DEFAULT_MAX_QUEUED_FRAMES,
    maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES,
    payloadChunkChars: DEFAULT_PAYLOAD_CHUNK_CHARS,
    maxOpenPayloads: DEFAULT_MAX_OPEN_PAYLOADS,
    ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
  }
  for (const [key, [min, max]] of Object.entries(LIMITS) as [keyof FrameSessionOptions, [number, number]][]) {
    const value = settings[key]
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new HubError('E_VALIDATION', `frame session option ${key} must be an integer in ${min}..${max}`, {
        details: {
          issues: [
            {
              path: `/${key}`,
              expected: `integer ${min}..${max}`,
              got: String(value),
              message: 'out of range',
            },
          ],
        },
      })
    }
  }
  return Object.freeze(settings)
}
