import type { PubAck } from '@nats-io/jetstream'
import { createInbox, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node'
import { HubError } from '../../contracts/index.ts'

/** A JetStream publish the server answered with an error (its API error code kept for retry decisions). */
export class PublishRefused extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message)
  }
}

interface Waiting {
  resolve(ack: PubAck): void
  reject(error: unknown): void
  at: number
}

const decoder = new TextDecoder()

/**
 * JetStream publishes whose acknowledgements come back on one wildcard inbox subscription
 * (decision 1733): a publish is a plain NATS publish with a reply subject, and the answers are
 * matched by the reply's last token. nats.js's `js.publish` makes a request per message (a
 * deferred, a timer and an Error object each); here one timer watches the oldest publish, so a
 * batch's acks cost little more than the bytes. Any failure (timeout, no responders, an API error)
 * rejects, and the caller retries through `js.publish` with the same Nats-Msg-Id.
 */
export class AckInbox {
  private readonly prefix = createInbox()
  private readonly waiting = new Map<string, Waiting>()
  private readonly order: string[] = []
  private orderHead = 0
  private counter = 0
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    nc.subscribe(`${this.prefix}.*`, { callback: (_error, message) => this.answer(message) })
  }

  /** Publishes `data` with the given headers (the caller sets Nats-Msg-Id) and resolves with the PubAck. */
  publish(subject: string, data: Uint8Array, headers: MsgHdrs): Promise<PubAck> {
    const token = (this.counter++).toString(36)
    return new Promise<PubAck>((resolve, reject) => {
      this.waiting.set(token, { resolve, reject, at: Date.now() + this.timeoutMs })
      this.order.push(token)
      try {
        this.nc.publish(subject, data, { reply: `${this.prefix}.${token}`, headers })
      } catch (error) {
        this.waiting.delete(token)
        reject(error)
        return
      }
      this.timer ??= setTimeout(() => this.expire(), this.timeoutMs)
    })
  }

  /** Rejects every publish still waiting (the connection is closing). */
  close(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const failure = new HubError('E_DEPENDENCY_UNAVAILABLE', 'the NATS connection closed before the ack')
    for (const waiting of this.waiting.values()) waiting.reject(failure)
    this.waiting.clear()
    this.order.length = 0
    this.orderHead = 0
  }

  private answer(message: Msg): void {
    const token = message.subject.slice(this.prefix.length + 1)
    const waiting = this.waiting.get(token)
    if (waiting === undefined) return
    this.waiting.delete(token)
    this.trim()
    // A status message (503 no responders: no stream holds the subject) has headers and no body.
    const status = message.headers?.code ?? 0
    if (status >= 300 || message.data.length === 0) {
      waiting.reject(new PublishRefused(`no responders (status ${status || 'empty'})`, status || 503))
      return
    }
    try {
      const reply = JSON.parse(decoder.decode(message.data)) as Partial<PubAck> & {
        error?: { code?: number; description?: string }
      }
      if (reply.error !== undefined) {
        waiting.reject(
          new PublishRefused(reply.error.description ?? 'JetStream error', reply.error.code ?? 0),
        )
        return
      }
      if (typeof reply.stream !== 'string' || reply.stream === '' || typeof reply.seq !== 'number') {
        waiting.reject(new PublishRefused('invalid ack response', 0))
        return
      }
      waiting.resolve({ ...reply, duplicate: reply.duplicate === true } as PubAck)
    } catch (error) {
      waiting.reject(error)
    }
  }

  /** Drops answered tokens from the head of the deadline order. */
  private trim(): void {
    while (this.orderHead < this.order.length && !this.waiting.has(this.order[this.orderHead]!))
      this.orderHead++
    if (this.orderHead === this.order.length) {
      this.order.length = 0
      this.orderHead = 0
      clearTimeout(this.timer)
      this.timer = undefined
    } else if (this.orderHead > 4096) {
      this.order.splice(0, this.orderHead)
      this.orderHead = 0
    }
  }

  private expire(): void {
    this.timer = undefined
    const now = Date.now()
    while (this.orderHead < this.order.length) {
      const token = this.order[this.orderHead]!
      const waiting = this.waiting.get(token)
      if (waiting !== undefined && waiting.at > now) {
        this.timer = setTimeout(() => this.expire(), Math.max(1, waiting.at - now))
        return
      }
      this.orderHead++
      if (waiting !== undefined) {
        this.waiting.delete(token)
        waiting.reject(new PublishRefused(`no ack within ${this.timeoutMs} ms`, 408))
      }
    }
    this.order.length = 0
    this.orderHead = 0
  }
}
