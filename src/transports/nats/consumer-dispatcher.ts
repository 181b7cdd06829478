import type { JsMsg } from '@nats-io/jetstream'
import type { Clock, ConsumerConfig, DeliveryHandler } from '../../bus/index.ts'
import { type Envelope, type HubError, toHubError } from '../../contracts/index.ts'
import { AckDeadlines } from './ack-deadlines.ts'
import { AckWriter } from './ack-writer.ts'
import { type DeadLetterPorts, deadLetterEntry } from './consumer-dead-letters.ts'
import { type Entry, inflightWith } from './consumer-entry.ts'
import { HeldEntries } from './consumer-held.ts'

export interface DispatcherPorts {
  name: string
  config: ConsumerConfig
  clock: Clock
  deadLetterPorts: DeadLetterPorts
  onError(error: HubError, where: string): void
  /** The runner stopped: nothing is dispatched or nak'ed any more. */
  stopped(): boolean
}

/**
 * Hands a consumer runner's admitted events to its members and answers the server for them: the
 * ack once a handler finished, a nak after the backoff once it failed or its ack wait passed, the
 * DLQ once its attempts are used up. Session-ordered entries are dispatched one at a time per
 * session (HeldEntries keeps the order).
 */
export class ConsumerDispatcher {
  readonly held = new HeldEntries()
  private readonly members: DeliveryHandler[] = []
  private nextMember = 0
  /** Session successors waiting to be dispatched by the loop in `dispatchInTurn`. */
  private readonly ready: Entry[] = []
  private draining = false
  private readonly deadlines: AckDeadlines
  private readonly acks = new AckWriter()

  constructor(private readonly ports: DispatcherPorts) {
    this.deadlines = new AckDeadlines({
      clock: ports.clock,
      config: ports.config,
      held: () => this.held.size,
      expired: (entry, token, error) => this.settle(entry, token, error),
    })
  }

  get memberCount(): number {
    return this.members.length
  }

  addMember(handler: DeliveryHandler): void {
    this.members.push(handler)
    if (this.members.length === 1) {
      for (const entry of this.held.list())
        if (entry.state === 'waiting' && this.held.isSessionHead(entry)) this.dispatch(entry)
    }
  }

  removeMember(handler: DeliveryHandler): void {
    const index = this.members.indexOf(handler)
    if (index >= 0) this.members.splice(index, 1)
  }

  /** Holds a checked event and dispatches it unless its session has one ahead. */
  admit(message: JsMsg, seq: number, deliveryCount: number, envelope: Envelope, redo: boolean): void {
    const ordered =
      !redo && envelope.sessionId !== undefined && this.ports.config.isSessionOrdered(envelope.type)
    const entry: Entry = {
      redo,
      message,
      seq,
      envelope,
      sessionKey: ordered ? envelope.sessionId : undefined,
      state: 'waiting',
      attempt: deliveryCount,
      token: 0,
      timer: undefined,
      settled: undefined,
      held: false,
      released: false,
    }
    if (entry.sessionKey !== undefined) {
      if (this.held.add(entry)) this.dispatch(entry)
      return
    }
    // Dispatched before it is held: a handler that returns (decision 1771) finishes it right here,
    // and nothing that looks entries up (a redelivery, the heartbeat, the max-deliveries advisory)
    // can run before dispatch() returns. Anything not finished by then is held as before.
    this.dispatch(entry)
    if (!entry.released) this.held.add(entry)
  }

  /** A redelivery of something held here (after a nak, or the server's own timer): newest wins. */
  redelivered(known: Entry, message: JsMsg, deliveryCount: number): void {
    known.message = message
    known.attempt = deliveryCount
    if (known.state === 'backoff' || (known.state === 'waiting' && this.held.isSessionHead(known)))
      this.dispatch(known)
  }

  private dispatch(entry: Entry): void {
    if (this.ports.stopped()) return
    const members = this.members.length
    if (members === 0) {
      entry.state = 'waiting'
      return
    }
    const handler = members === 1 ? this.members[0]! : this.members[this.nextMember++ % members]!
    entry.state = 'inflight'
    const token = ++entry.token
    if (entry.timer !== undefined) {
      this.ports.clock.clearTimeout(entry.timer)
      entry.timer = undefined
    }
    let returned: void | Promise<void>
    try {
      returned = handler(entry.envelope, {
        consumer: this.ports.name,
        seq: entry.seq,
        attempt: entry.attempt,
      })
    } catch (error) {
      this.settle(entry, token, error ?? new Error('handler failed'))
      return
    }
    // A handler that returns a plain value has finished (decision 1771): it is settled here, with
    // no ack wait, promise or closure (decision 1782). Only a promise waits, with its ack wait.
    if (typeof returned?.then !== 'function') {
      this.settle(entry, token, undefined)
      return
    }
    this.deadlines.start(entry, token)
    entry.settled = returned.then(
      () => this.settle(entry, token, undefined),
      (error: unknown) => this.settle(entry, token, error ?? new Error('handler failed')),
    )
  }

  private settle(entry: Entry, token: number, error: unknown): void {
    if (!inflightWith(entry, token)) return
    const { clock, config } = this.ports
    if (error === undefined) {
      // Sent after the handler finished, in this microtask run, with the acks of every handler
      // that finishes in it: one command and one socket write for them (decisions 1765, 1783).
      try {
        this.acks.ack(entry.message)
      } catch (failure) {
        // The connection is closed or draining: the server redelivers it after its ack wait.
        this.ports.onError(
          toHubError(failure, 'E_IO'),
          `nats consumer ${this.ports.name}: acking seq ${entry.seq}`,
        )
      }
      this.complete(entry)
      this.deadlines.trim()
      return
    }
    const lastError = error instanceof Error ? error.message : String(error)
    if (entry.attempt >= config.maxDeliver) {
      void this.deadLetter(entry, lastError)
      return
    }
    if (this.ports.stopped()) return
    const backoff = config.backoffMs
    const delay = backoff.length === 0 ? 0 : backoff[Math.min(entry.attempt - 1, backoff.length - 1)]!
    entry.state = 'backoff'
    entry.timer = clock.setTimeout(() => {
      if (entry.state === 'backoff' && !this.ports.stopped()) entry.message.nak()
    }, delay)
    this.deadlines.trim()
  }

  private async deadLetter(entry: Entry, lastError: string): Promise<void> {
    entry.state = 'done'
    this.deadlines.trim()
    await deadLetterEntry(this.ports.deadLetterPorts, entry, lastError)
    this.complete(entry)
  }

  private complete(entry: Entry): void {
    entry.state = 'done'
    if (entry.timer !== undefined) this.ports.clock.clearTimeout(entry.timer)
    const next = this.held.release(entry)
    if (next !== undefined) this.dispatchInTurn(next)
  }

  /**
   * Dispatches a session's next entry. A synchronous handler completes inside dispatch(), which
   * would dispatch the following one from there: a session of thousands waiting would recurse that
   * deep. Successors found while dispatching are queued and dispatched by the outermost call.
   */
  private dispatchInTurn(entry: Entry): void {
    this.ready.push(entry)
    if (this.draining) return
    this.draining = true
    try {
      for (let index = 0; index < this.ready.length; index++) this.dispatch(this.ready[index]!)
    } finally {
      this.ready.length = 0
      this.draining = false
    }
  }

  /**
   * After the runner stopped: waits (at most ackWaitMs, 10 s) for handlers in flight, calls
   * `waited` (the runner ends its heartbeat), then lets go of everything held without answering.
   */
  async release(waited: () => void): Promise<void> {
    const held = this.held.list()
    const inflight = held.filter((entry) => entry.state === 'inflight' && entry.settled !== undefined)
    if (inflight.length > 0) {
      let timer: NodeJS.Timeout | undefined
      const limit = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.min(this.ports.config.ackWaitMs, 10_000))
      })
      await Promise.race([Promise.allSettled(inflight.map((entry) => entry.settled)), limit])
      clearTimeout(timer)
    }
    waited()
    this.deadlines.clear()
    for (const entry of held) {
      this.ports.clock.clearTimeout(entry.timer)
      // No nak here: the server would hand it straight back to this member's pull request, which
      // stays open on the server after stop() and so would swallow it and advance its BackOff.
      // Without heartbeats the server redelivers it after one ack wait. A handler that finishes
      // later no longer acks (state done).
      entry.state = 'done'
    }
    this.held.clear()
  }
}
