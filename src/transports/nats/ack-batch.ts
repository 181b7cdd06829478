import type { JsMsg } from '@nats-io/jetstream'

/** Acks of handled messages, sent together once per event-loop turn: one socket write, not one per message. */
export class AckBatch {
  private acks: JsMsg[] = []
  private scheduled = false

  add(message: JsMsg): void {
    this.acks.push(message)
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => this.flush())
  }

  flush(): void {
    this.scheduled = false
    const acks = this.acks
    this.acks = []
    for (const message of acks) message.ack()
  }
}
