/** What the writer needs of a WebSocket (the `ws` library's, or a test's). */
export interface FrameSocket {
  readonly bufferedAmount: number
  readonly readyState: number
  send(data: string): void
}

const OPEN = 1

/**
 * Sends a /ws/avatar client its messages whole or not at all. Control messages (avatar.start,
 * avatar.end) always go; a frame message (one avatar.frames batch, one rendered avatar.frame) is
 * dropped whole while more than `maxBufferedBytes` wait unsent for a slow client, and counted.
 */
export class FrameWriter {
  droppedFrames = 0
  droppedMessages = 0

  constructor(
    private readonly socket: FrameSocket,
    private readonly maxBufferedBytes: number,
  ) {}

  get open(): boolean {
    return this.socket.readyState === OPEN
  }

  /** Whether a frame message sent now would be dropped. */
  get congested(): boolean {
    return this.socket.bufferedAmount > this.maxBufferedBytes
  }

  /** Counts a frame message that was not even made (a rendered frame skipped while congested). */
  drop(frameCount: number): void {
    this.droppedFrames += frameCount
    this.droppedMessages++
  }

  control(message: unknown): void {
    if (this.open) this.socket.send(JSON.stringify(message))
  }

  /** Sends a message carrying `frameCount` frames; false when it was dropped. */
  frames(message: unknown, frameCount: number): boolean {
    if (!this.open) return false
    if (this.congested) {
      this.drop(frameCount)
      return false
    }
    this.socket.send(JSON.stringify(message))
    return true
  }
}
