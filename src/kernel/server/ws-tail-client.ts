import type { Envelope } from '../../contracts/index.ts'

/** Close code for a client that fell behind on stored events; the reason says where to resume. */
export const WS_CLOSE_SLOW_CONSUMER = 4008
export const WS_CLOSE_GOING_AWAY = 1001
export const WS_CLOSE_INTERNAL_ERROR = 1011
/** RFC 6455: the endpoint received something that violates its policy (a revoked token). */
export const WS_CLOSE_POLICY_VIOLATION = 1008

/**
 * Corked bytes past which the stream is uncorked at once, within the turn: they count in
 * bufferedAmount, so a turn's burst held back in user space would otherwise look like a client
 * that does not read (and be dropped or closed), where the kernel would have taken it (1773).
 */
export const DEFAULT_CORK_FLUSH_BYTES = 16 * 1024

/** The part of a `ws` WebSocket the policy needs (so it can be tested without sockets). */
export interface TailSocket {
  readonly bufferedAmount: number
  send(data: string, callback: (error?: Error) => void): void
  close(code: number, reason: string): void
  terminate(): void
}

export interface TailClientLimits {
  /** Above half of this, ephemeral events are dropped; above all of it, a stored event closes the socket. */
  queueLimitBytes: number
  /** How long a client may stay above half the limit before it is closed as slow. */
  drainWaitMs: number
  /** How long a closing client may take to read its close frame before the socket is cut. */
  closeGraceMs: number
}

/** The stream under a WebSocket: corked while one delivery turn writes its frames. */
export interface CorkableStream {
  cork(): void
  uncork(): void
}

export interface TailClientHooks {
  serialise(event: Envelope): string
  /**
   * When given, the frames sent in one turn of the event loop leave in one write: the stream is
   * corked at the turn's first frame and uncorked when the turn's synchronous work is done
   * (decision 1773).
   */
  stream?: CorkableStream
  onSent(kind: 'stored' | 'ephemeral'): void
  onDropped(): void
  onClosedSlow(): void
}

/**
 * One WebSocket subscriber's flow control. Nothing stored is dropped silently: when a stored event
 * cannot be queued the socket is closed with 4008 and a reason naming the seq to resume from.
 */
export class WsTailClient {
  #socket: TailSocket
  #limits: TailClientLimits
  #hooks: TailClientHooks
  #closed = false
  #sent = 0
  #flushed = 0
  #lastSeq: number | undefined
  #drain: { target: number; promise: Promise<void>; resolve: () => void; timer: NodeJS.Timeout } | undefined
  #terminateTimer: NodeJS.Timeout | undefined
  #corked = false
  readonly #uncork = () => {
    // Already uncorked when the turn's frames passed DEFAULT_CORK_FLUSH_BYTES.
    if (!this.#corked) return
    this.#corked = false
    this.#hooks.stream!.uncork()
  }

  constructor(socket: TailSocket, limits: TailClientLimits, hooks: TailClientHooks, fromSeq?: number) {
    this.#socket = socket
    this.#limits = limits
    this.#hooks = hooks
    if (fromSeq !== undefined) this.#lastSeq = fromSeq - 1
  }

  get closed(): boolean {
    return this.#closed
  }

  /** The last stored seq handed to the socket. */
  get lastSeq(): number | undefined {
    return this.#lastSeq
  }

  /** Returns a promise while the socket is over half its limit; a replaying hub awaits it. */
  offer(event: Envelope): void | Promise<void> {
    if (this.#closed) return
    const stored = typeof event.seq === 'number'
    if (stored && this.#lastSeq !== undefined && event.seq! <= this.#lastSeq) return // already sent
    const buffered = this.#socket.bufferedAmount
    const softLimit = this.#limits.queueLimitBytes / 2
    if (!stored && buffered >= softLimit) {
      this.#hooks.onDropped()
      return this.#drain?.promise
    }
    if (stored && buffered >= this.#limits.queueLimitBytes) {
      this.#closeSlow(event.seq!)
      return
    }
    this.#send(event)
    if (stored) this.#lastSeq = event.seq
    if (this.#socket.bufferedAmount >= softLimit) return this.#waitForDrain()
  }

  /** Closes with `code`; a client that does not read its close frame is cut off after the grace time. */
  close(code: number, reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#resolveDrain()
    try {
      this.#socket.close(code, reason)
    } catch {
      this.#socket.terminate()
    }
    this.#terminateTimer = setTimeout(() => this.#socket.terminate(), this.#limits.closeGraceMs)
    this.#terminateTimer.unref()
  }

  /** The socket is gone (either side closed it). */
  closedBySocket(): void {
    this.#closed = true
    clearTimeout(this.#terminateTimer)
    this.#resolveDrain()
  }

  #send(event: Envelope): void {
    this.#sent++
    const stream = this.#hooks.stream
    if (stream !== undefined && !this.#corked) {
      // The consumer delivers a batch synchronously: nextTick runs after the batch, so its frames
      // share one write. Corked bytes still count in bufferedAmount, so flow control sees them.
      this.#corked = true
      stream.cork()
      process.nextTick(this.#uncork)
    }
    this.#socket.send(this.#hooks.serialise(event), () => {
      this.#flushed++
      if (this.#drain !== undefined && this.#flushed >= this.#drain.target) this.#resolveDrain()
    })
    this.#hooks.onSent(typeof event.seq === 'number' ? 'stored' : 'ephemeral')
    if (this.#corked && this.#socket.bufferedAmount >= DEFAULT_CORK_FLUSH_BYTES) this.#uncork()
  }

  #waitForDrain(): Promise<void> {
    if (this.#drain !== undefined) {
      this.#drain.target = this.#sent
      return this.#drain.promise
    }
    let resolve: () => void = () => {}
    const promise = new Promise<void>((done) => (resolve = done))
    const timer = setTimeout(() => {
      if (this.#lastSeq !== undefined) this.#closeSlow(this.#lastSeq + 1)
      else this.close(WS_CLOSE_SLOW_CONSUMER, 'slow consumer: reconnect')
    }, this.#limits.drainWaitMs)
    timer.unref()
    this.#drain = { target: this.#sent, promise, resolve, timer }
    return promise
  }

  #resolveDrain(): void {
    const drain = this.#drain
    if (drain === undefined) return
    this.#drain = undefined
    clearTimeout(drain.timer)
    drain.resolve()
  }

  #closeSlow(resumeFrom: number): void {
    const from = this.#lastSeq === undefined ? resumeFrom : Math.min(resumeFrom, this.#lastSeq + 1)
    this.#hooks.onClosedSlow()
    this.close(WS_CLOSE_SLOW_CONSUMER, `slow consumer: reconnect with from=${from}`)
  }
}
