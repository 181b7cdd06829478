import { uuidV7 } from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import type { AnswerStream } from './answer-stream.ts'
import type { AvatarStreams } from './avatar-streams.ts'
import { FaceRenderer } from './face-renderer.ts'
import type { FrameWriter } from './frame-writer.ts'
import type { KeyframeSampler } from './keyframes.ts'

export interface PngRequest {
  fps: number
  width: number
  height: number
}

/**
 * One /ws/avatar client following one session: the keyframe events as the skill publishes them,
 * or (`png`) the face rendered at the client's fps and size as avatar.frame images. A client that
 * connects while an answer plays first gets that answer from its start.
 */
export class AvatarConnection {
  readonly #renderer: Promise<FaceRenderer> | undefined
  #stream: AnswerStream | undefined
  #sampler: KeyframeSampler | undefined
  // Rendering is asynchronous; messages keep their order through one chain per connection.
  #queue: Promise<void> = Promise.resolve()
  #stop: (() => void) | undefined

  constructor(
    private readonly streams: AvatarStreams,
    private readonly sessionId: string,
    private readonly writer: FrameWriter,
    private readonly png: PngRequest | undefined,
    private readonly onError: (error: unknown) => void,
  ) {
    this.#renderer = png === undefined ? undefined : FaceRenderer.create(png.width, png.height)
    // A failure to load the renderer is reported by the first render; never as unhandled.
    this.#renderer?.catch(() => undefined)
  }

  start(): void {
    const current = this.streams.current(this.sessionId)
    if (current !== undefined && current.stream.ended === undefined)
      for (const envelope of current.published) this.#receive(envelope, current.stream)
    this.#stop = this.streams.listen(this.sessionId, (envelope, stream) => this.#receive(envelope, stream))
  }

  close(): void {
    this.#stop?.()
    this.#stop = undefined
  }

  /** Resolves when every message received so far has been sent (or dropped). */
  idle(): Promise<void> {
    return this.#queue
  }

  #receive(envelope: Envelope, stream: AnswerStream): void {
    this.#queue = this.#queue
      .then(() => (this.png === undefined ? this.#forward(envelope) : this.#render(envelope, stream)))
      .catch((error: unknown) => this.onError(error))
  }

  #forward(envelope: Envelope): void {
    if (envelope.type === 'avatar.frames') {
      const frames = (envelope.payload as { frames: unknown[] }).frames
      this.writer.frames(envelope, frames.length)
    } else this.writer.control(this.#withCounters(envelope))
  }

  async #render(envelope: Envelope, stream: AnswerStream): Promise<void> {
    const png = this.png!
    if (envelope.type === 'avatar.start') {
      this.#stream = stream
      this.#sampler = stream.samplerAt(png.fps)
      this.writer.control({
        ...envelope,
        payload: { fps: png.fps, format: 'rgb', resolution: `${png.width}x${png.height}` },
      })
      return
    }
    if (this.#stream !== stream) return
    await this.#renderSettled(envelope)
    if (envelope.type === 'avatar.end') {
      const totalFrames = this.#sampler?.nextSeq ?? 0
      this.writer.control(this.#withCounters({ ...envelope, payload: { ...envelope.payload, totalFrames } }))
      this.#stream = undefined
    }
  }

  /** Renders every frame at the client's rate that the stream's timeline settles now. */
  async #renderSettled(cause: Envelope): Promise<void> {
    const stream = this.#stream
    if (stream === undefined || this.#sampler === undefined) return
    // A speech without visemes switches to a babble timeline at its end: sample that one instead.
    if (this.#sampler.nextSeq === 0 && stream.source !== stream.timeline)
      this.#sampler = stream.samplerAt(this.png!.fps)
    for (const frame of this.#sampler.take()) {
      if (!this.writer.open) return
      // A frame is rendered only when it can be sent: a slow client costs no CPU for what it drops.
      if (this.writer.congested) {
        this.writer.drop(1)
        continue
      }
      const image = await (await this.#renderer!).render(frame)
      this.writer.frames(
        {
          id: uuidV7(),
          type: 'avatar.frame',
          version: 1,
          ts: new Date().toISOString(),
          source: cause.source,
          severity: 'info',
          traceId: cause.traceId,
          sessionId: cause.sessionId,
          tenant: 'default',
          payload: { seq: frame.seq, imageB64: image.toString('base64') },
        },
        1,
      )
    }
  }

  #withCounters(envelope: Envelope): Envelope {
    if (envelope.type !== 'avatar.end') return envelope
    return {
      ...envelope,
      meta: {
        ...(envelope.meta ?? {}),
        droppedFrames: this.writer.droppedFrames,
        droppedMessages: this.writer.droppedMessages,
      },
    }
  }
}
