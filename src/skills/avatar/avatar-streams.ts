import { type BusClient, uuidV7 } from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import type { MetricsSink, SkillLogger } from '../../skill-api/index.ts'
import { AnswerStream, type EndReason } from './answer-stream.ts'

/** Keyframes per avatar.frames event at most (the catalog allows 1000). */
export const DEFAULT_AVATAR_MAX_BATCH_FRAMES = 250
/** Answers whose stream saw nothing for this long are forgotten (a run that never ended), in ms. */
export const DEFAULT_AVATAR_STALE_MS = 120_000

export interface AvatarSettings {
  fps: number
  resolution: string
  seed: number
  source: string
}

/** What a /ws/avatar connection hears: the envelopes of its session's streams as they are published. */
export type StreamListener = (envelope: Envelope, stream: AnswerStream) => void

const CANCELLED_MESSAGE = /^the run was cancelled/

/**
 * Turns the TTS events of every session into the face's streams: avatar.start at an answer's first
 * audio, avatar.frames as the viseme timings settle frames, avatar.end at tts.end (completed) or
 * when the run ends early (interrupted by a barge-in, or failed). One stream per session at a time:
 * a new answer interrupts the one before it.
 */
export class AvatarStreams {
  readonly #byTrace = new Map<string, AnswerStream>()
  readonly #current = new Map<string, AnswerStream>()
  readonly #published = new Map<AnswerStream, Envelope[]>()
  readonly #listeners = new Map<string, Set<StreamListener>>()
  readonly #endWaiters = new Map<string, (() => void)[]>()
  readonly #lastSeen = new Map<string, number>()
  // Publishes happen one after another so every client sees start, frames and end in order.
  #queue: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly bus: BusClient,
    private readonly settings: AvatarSettings,
    private readonly metrics: MetricsSink,
    private readonly logger: SkillLogger,
  ) {}

  /** Handles one event the skill consumes. */
  handle(event: Envelope): Promise<void> {
    const run = () => this.#handle(event)
    const next = this.#queue.then(run, run)
    this.#queue = next.catch((error: unknown) =>
      this.logger.warn('avatar stream failed', { message: (error as Error).message, type: event.type }),
    )
    return next
  }

  /** The session's stream now (the last answer, ended or not), with what it published so far. */
  current(sessionId: string): { stream: AnswerStream; published: readonly Envelope[] } | undefined {
    const stream = this.#current.get(sessionId)
    return stream === undefined ? undefined : { stream, published: this.#published.get(stream) ?? [] }
  }

  listen(sessionId: string, listener: StreamListener): () => void {
    const set = this.#listeners.get(sessionId) ?? new Set<StreamListener>()
    this.#listeners.set(sessionId, set)
    set.add(listener)
    return () => {
      set.delete(listener)
      if (set.size === 0) this.#listeners.delete(sessionId)
    }
  }

  /** Whether a stream for `traceId` exists (started or waiting for its first frames). */
  has(traceId: string): boolean {
    return this.#byTrace.has(traceId)
  }

  /** Resolves once the trace's stream has ended (at once when it has), or after `timeoutMs`. */
  whenEnded(traceId: string, timeoutMs: number): Promise<boolean> {
    const stream = this.#byTrace.get(traceId)
    if (stream?.ended !== undefined) return Promise.resolve(true)
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        resolve(true)
      }
      const timer = setTimeout(() => {
        // A trace that never spoke leaves no waiter behind.
        const left = (this.#endWaiters.get(traceId) ?? []).filter((waiter) => waiter !== wake)
        if (left.length === 0) this.#endWaiters.delete(traceId)
        else this.#endWaiters.set(traceId, left)
        resolve(false)
      }, timeoutMs)
      timer.unref()
      const waiters = this.#endWaiters.get(traceId) ?? []
      waiters.push(wake)
      this.#endWaiters.set(traceId, waiters)
    })
  }

  /** Ends every open stream (the hub is closing). */
  async close(): Promise<void> {
    const endAll = async () => {
      for (const stream of this.#byTrace.values())
        if (stream.ended === undefined) await this.#end(stream, 'interrupted')
    }
    const next = this.#queue.then(endAll, endAll)
    this.#queue = next.catch(() => undefined)
    await this.#queue
  }

  async #handle(event: Envelope): Promise<void> {
    this.#forgetStale()
    const traceId = event.traceId
    const payload = event.payload as Record<string, unknown>
    switch (event.type) {
      case 'tts.audio': {
        const stream = await this.#streamFor(event)
        if (stream === undefined) return
        stream.firstAudioAt ??= performance.now()
        stream.audioMs += typeof payload.ms === 'number' ? payload.ms : 0
        await this.#start(stream)
        return
      }
      case 'tts.viseme_timing': {
        const stream = await this.#streamFor(event)
        if (stream === undefined) return
        stream.timeline.add(payload.visemes as unknown[], payload.timingMs as number[])
        stream.firstAudioAt ??= performance.now()
        await this.#start(stream)
        await this.#flush(stream)
        return
      }
      case 'tts.end': {
        const stream = await this.#streamFor(event)
        if (stream === undefined) return
        stream.finish(typeof payload.totalMs === 'number' ? payload.totalMs : stream.audioMs)
        if (stream.totalFrames === 0 && stream.source.endMs === 0) return this.#end(stream, 'completed')
        await this.#start(stream)
        await this.#flush(stream)
        return this.#end(stream, 'completed')
      }
      case 'error.raised':
      case 'turn.end': {
        const stream = this.#byTrace.get(traceId)
        if (stream === undefined || stream.ended !== undefined) return
        if (event.type === 'turn.end' && payload.outcome === 'ok') return
        const reason: EndReason =
          event.type === 'error.raised' && !CANCELLED_MESSAGE.test(String(payload.message ?? ''))
            ? 'failed'
            : 'interrupted'
        stream.cause = event.id
        return this.#end(stream, reason)
      }
    }
  }

  /** The trace's stream, made at its first event; a new answer in a session interrupts the last one. */
  async #streamFor(event: Envelope): Promise<AnswerStream | undefined> {
    const sessionId = event.sessionId ?? `trace:${event.traceId}`
    // Re-inserted, so the map stays in order of last activity (oldest first).
    this.#lastSeen.delete(event.traceId)
    this.#lastSeen.set(event.traceId, Date.now())
    let stream = this.#byTrace.get(event.traceId)
    if (stream === undefined) {
      const previous = this.#current.get(sessionId)
      if (previous !== undefined) {
        if (previous.ended === undefined) await this.#end(previous, 'interrupted')
        this.#published.delete(previous)
      }
      stream = new AnswerStream(event.traceId, sessionId, this.settings.fps, this.settings.seed)
      this.#byTrace.set(event.traceId, stream)
      this.#current.set(sessionId, stream)
      this.#published.set(stream, [])
    }
    stream.cause = event.id
    return stream.ended === undefined ? stream : undefined
  }

  async #start(stream: AnswerStream): Promise<void> {
    if (stream.started) return
    stream.started = true
    const { fps, resolution } = this.settings
    await this.#publish(stream, 'avatar.start', { fps, format: 'rgb', resolution }, 1)
  }

  async #flush(stream: AnswerStream): Promise<void> {
    for (;;) {
      const fromSeq = stream.totalFrames
      const frames = stream.take(DEFAULT_AVATAR_MAX_BATCH_FRAMES)
      if (frames.length === 0) return
      await this.#publish(stream, 'avatar.frames', { fromSeq, frames }, 2)
      if (fromSeq === 0 && stream.firstAudioAt !== undefined)
        this.metrics.observe('avatar_ms', performance.now() - stream.firstAudioAt, {
          skill: this.settings.source,
        })
    }
  }

  async #end(stream: AnswerStream, reason: EndReason): Promise<void> {
    if (stream.ended !== undefined) return
    stream.ended = reason
    const durationMs = Math.max(0, Math.round(stream.source.endMs ?? stream.audioMs))
    if (stream.started)
      await this.#publish(stream, 'avatar.end', { totalFrames: stream.totalFrames, reason, durationMs }, 2)
    for (const wake of this.#endWaiters.get(stream.traceId) ?? []) wake()
    this.#endWaiters.delete(stream.traceId)
  }

  async #publish(
    stream: AnswerStream,
    type: 'avatar.start' | 'avatar.frames' | 'avatar.end',
    payload: Record<string, unknown>,
    version: number,
  ): Promise<void> {
    const envelope = {
      id: uuidV7(),
      type,
      version,
      ts: new Date().toISOString(),
      source: this.settings.source,
      severity: 'info',
      traceId: stream.traceId,
      sessionId: stream.sessionId,
      tenant: 'default',
      payload,
      ...(stream.cause === undefined ? {} : { causationId: stream.cause }),
    } as Envelope
    await this.bus.publishUntyped(envelope)
    this.#published.get(stream)?.push(envelope)
    for (const listener of this.#listeners.get(stream.sessionId) ?? []) listener(envelope, stream)
  }

  #forgetStale(): void {
    const now = Date.now()
    for (const [traceId, seen] of this.#lastSeen) {
      if (now - seen < DEFAULT_AVATAR_STALE_MS) break
      this.#lastSeen.delete(traceId)
      const stream = this.#byTrace.get(traceId)
      this.#byTrace.delete(traceId)
      if (stream === undefined) continue
      this.#published.delete(stream)
      if (this.#current.get(stream.sessionId) === stream) this.#current.delete(stream.sessionId)
    }
  }
}
