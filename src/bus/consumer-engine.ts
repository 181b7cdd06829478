// One consumer's delivery: reading its events from the log, handing them to its members round
// robin, settling each attempt (ack, backoff, DLQ) in session order. Its start, floor, saves and
// stop are its base class's, ConsumerProgress in consumer-progress.ts (decision 1779).
import { HubError, toHubError } from '../contracts/index.ts'
import type { Entry } from './consumer-entry.ts'
import { type ConsumerEngineOptions, ConsumerProgress } from './consumer-progress.ts'
import { backoffDelayMs, moveToDeadLetters } from './consumer-redelivery.ts'
import type { StoredRecord } from './log-engine-types.ts'
import { rememberStoredJson } from './stored-json.ts'
import { compileTypePattern, type TypeMatcher } from './subjects.ts'
import type { DeliveryHandler } from './transport-types.ts'

export { type ConsumerEngineOptions, PROGRESS_SAVE_INTERVAL_MS } from './consumer-progress.ts'

// Records read from the log per query, and queries per turn of the event loop, so catching up
// on a long log never blocks other work for long.
const FETCH_BATCH = 512
const FETCHES_PER_TURN = 16

interface Member {
  handler: DeliveryHandler
}

/**
 * Runs one consumer over a log: reads past its position, hands events to its members round
 * robin, tracks acks (a floor plus the acked seqs above it), redelivers with backoff, moves to
 * the dead-letter queue after maxDeliver, and keeps one event in flight per session for
 * session-ordered types.
 */
export class ConsumerEngine extends ConsumerProgress {
  private readonly takeHandedOver: ConsumerEngineOptions['takeHandedOver']
  private readonly matches: TypeMatcher
  private readonly members: Member[] = []
  private nextMember = 0
  private readonly sessions = new Map<string, Entry[]>()
  private ready: Entry[] = []
  private readyHead = 0
  private pumpScheduled = false
  private draining = false
  /** An entry completed inside the current drain: the floor and the next pump are seen to after it. */
  private completedInDrain = false
  /** isSessionOrdered's answer for the last type asked (a batch usually repeats one type). */
  private orderedType: string | undefined
  private orderedAnswer = false

  constructor(options: ConsumerEngineOptions) {
    // Checked before super() reads or creates the durable consumer: a bad filter creates none.
    const matches = compileTypePattern(options.config.filter)
    super(options)
    this.takeHandedOver = options.takeHandedOver
    this.matches = matches
  }

  get filter(): string {
    return this.config.filter
  }

  get memberCount(): number {
    return this.members.length
  }

  addMember(handler: DeliveryHandler): Member {
    const member = { handler }
    this.members.push(member)
    this.schedulePump()
    return member
  }

  removeMember(member: Member): void {
    const index = this.members.indexOf(member)
    if (index >= 0) this.members.splice(index, 1)
  }

  /** New events were appended (or, with checkRedo, DLQ entries may have been put back). */
  notify(checkRedo = false): void {
    if (checkRedo) this.redoWanted = true
    this.schedulePump()
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.stopped) return
    this.pumpScheduled = true
    setImmediate(() => {
      this.pumpScheduled = false
      this.pump()
    })
  }

  private pump(): void {
    if (this.stopped || this.members.length === 0) return
    try {
      if (this.redoWanted && this.store !== undefined) {
        this.redoWanted = false
        for (const seq of this.store.takeRedo(this.name)) {
          const record = this.log.readSeq(seq)
          if (record !== undefined && !this.redo.has(seq) && !this.pending.has(seq)) this.admit(record, true)
        }
      }
      let fetches = 0
      while (this.pending.size + this.redo.size < this.config.maxAckPending) {
        if (++fetches > FETCHES_PER_TURN) {
          this.schedulePump()
          break
        }
        const want = Math.min(FETCH_BATCH, this.config.maxAckPending - this.pending.size - this.redo.size)
        if (this.log.readMatching !== undefined) {
          // The log skips what the filter does not match (its type index), so a consumer of a
          // few types does not read every event (decision 1624).
          const { records, through } = this.log.readMatching(this.cursor, want, this.config.filter)
          // Acks above the floor exist only after a resume or out-of-order completions.
          if (this.acked.size === 0) for (const record of records) this.admit(record, false)
          else for (const record of records) if (!this.acked.has(record.seq)) this.admit(record, false)
          this.cursor = Math.max(this.cursor, through)
          if (records.length < want) break
          continue
        }
        const batch = this.log.readAfter(this.cursor, want)
        for (const record of batch) {
          this.cursor = record.seq
          if (this.acked.has(record.seq) || !this.matches(record.type)) continue
          this.admit(record, false)
        }
        if (batch.length < want) break
      }
      this.advanceFloor()
    } catch (error) {
      this.onError(toHubError(error, 'E_IO'), `consumer ${this.name}: reading the log`)
    }
    this.drainReady()
  }

  private admit(record: StoredRecord, redo: boolean): void {
    const saved = this.savedAttempts.size === 0 ? undefined : this.savedAttempts.get(record.seq)
    const ordered = !redo && record.sessionId !== undefined && this.isSessionOrdered(record.type)
    const entry: Entry = {
      seq: record.seq,
      record,
      envelope: undefined,
      sessionKey: ordered ? record.sessionId : undefined,
      state: 'ready',
      attempts: redo ? 0 : (saved?.attempts ?? 0),
      lastError: saved?.lastError ?? '',
      token: 0,
      timer: undefined,
      redo,
      settled: undefined,
    }
    if (redo) this.redo.set(record.seq, entry)
    else this.pending.set(record.seq, entry)
    if (entry.sessionKey !== undefined) {
      const queue = this.sessions.get(entry.sessionKey)
      if (queue !== undefined) {
        queue.push(entry)
        entry.state = 'waiting'
        return
      }
      this.sessions.set(entry.sessionKey, [entry])
    }
    this.ready.push(entry)
  }

  /**
   * A session's next event joins the ready list at its seq's place, not at the end: with
   * synchronous handlers the log's order then holds across sessions too, which a forwarder that
   * resumes by seq (the WS tail, the dashboard) relies on (decision 2100). Usually at the end;
   * else found by bisection, as a scan back cost O(n) per release with many unsessioned events.
   */
  private makeReadyInOrder(entry: Entry): void {
    const ready = this.ready
    let low = this.readyHead
    let high = ready.length
    if (low === high || ready[high - 1]!.seq < entry.seq) {
      ready.push(entry)
      return
    }
    // The ready list past its head is in seq order (a retry pushed at its end aside): bisect.
    while (low < high) {
      const middle = (low + high) >>> 1
      if (ready[middle]!.seq < entry.seq) low = middle + 1
      else high = middle
    }
    ready.splice(low, 0, entry)
  }

  private isSessionOrdered(type: string): boolean {
    if (type !== this.orderedType) {
      this.orderedAnswer = this.config.isSessionOrdered(type)
      this.orderedType = type
    }
    return this.orderedAnswer
  }

  private drainReady(): void {
    // Synchronous handlers complete inside dispatch, and complete() drains: the outer loop goes on
    // instead, so a long ready list does not become a deep recursion.
    if (this.draining) return
    this.draining = true
    try {
      this.drainLoop()
    } finally {
      this.draining = false
    }
    // Once per drain rather than per completed entry (decision 2073): the floor past what the
    // filter skipped, and a pump for the room the completions made.
    if (this.completedInDrain) {
      this.completedInDrain = false
      this.advanceFloor()
      this.schedulePump()
    }
  }

  private drainLoop(): void {
    while (this.readyHead < this.ready.length && !this.stopped && this.members.length > 0) {
      const entry = this.ready[this.readyHead++]!
      if (entry.state === 'ready') this.dispatch(entry)
    }
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead)
      this.readyHead = 0
    }
  }

  private dispatch(entry: Entry): void {
    const member = this.members[this.nextMember++ % this.members.length]!
    entry.state = 'inflight'
    entry.attempts++
    entry.settled = undefined
    const token = ++entry.token
    let result: void | Promise<void>
    try {
      // Anew per delivery: a retry does not see what a failed attempt changed (decision 1638). A
      // first delivery may take the publisher's own object instead, handed over (decision 1772).
      entry.envelope =
        (entry.attempts === 1 && !entry.redo ? this.takeHandedOver?.(entry.seq) : undefined) ??
        entry.record.envelope()
      if (this.config.keepStoredJson === true && entry.record.body !== undefined)
        rememberStoredJson(entry.envelope, entry.record.body)
      result = member.handler(entry.envelope, {
        consumer: this.name,
        seq: entry.seq,
        attempt: entry.attempts,
      })
    } catch (error) {
      // Settled at once, as a rejection would be: the attempt is recorded with its error.
      this.settle(entry, token, error ?? new Error('handler failed'))
      return
    }
    if (typeof (result as Promise<void> | undefined)?.then !== 'function') {
      // A synchronous handler has finished: no ack timer, attempt record or promise for it
      // (decision 1771). complete() does not re-enter drainReady, which goes on to the next.
      this.complete(entry)
      return
    }
    // Only a handler still running can outlive its ack wait or a crash before it settles.
    this.recordAttempt(entry)
    entry.timer = this.clock.setTimeout(() => {
      this.settle(
        entry,
        token,
        new HubError('E_TIMEOUT', `not acknowledged within ${this.config.ackWaitMs} ms`),
      )
    }, this.config.ackWaitMs)
    entry.settled = Promise.resolve(result).then(
      () => this.settle(entry, token, undefined),
      (error: unknown) => this.settle(entry, token, error ?? new Error('handler failed')),
    )
  }

  private settle(entry: Entry, token: number, error: unknown): void {
    if (entry.token !== token || entry.state !== 'inflight') return
    this.clock.clearTimeout(entry.timer)
    if (error === undefined) {
      this.complete(entry)
      return
    }
    entry.lastError = error instanceof Error ? error.message : String(error)
    if (entry.attempts >= this.config.maxDeliver) {
      this.deadLetter(entry)
      return
    }
    this.recordAttempt(entry)
    if (this.stopped) return
    const delay = backoffDelayMs(this.config.backoffMs, entry.attempts)
    entry.state = 'backoff'
    entry.timer = this.clock.setTimeout(() => {
      if (entry.state !== 'backoff' || this.stopped) return
      entry.state = 'ready'
      this.ready.push(entry)
      this.drainReady()
    }, delay)
  }

  private deadLetter(entry: Entry): void {
    try {
      moveToDeadLetters(entry, this.config, this.store, this.clock)
    } catch (error) {
      this.onError(toHubError(error, 'E_IO'), `consumer ${this.name}: moving seq ${entry.seq} to the DLQ`)
    }
    this.complete(entry)
  }

  private complete(entry: Entry): void {
    entry.state = 'done'
    entry.timer = undefined
    // The ready list may keep a done entry a while: its envelope need not live that long.
    entry.envelope = undefined
    if (entry.redo) {
      this.redo.delete(entry.seq)
    } else {
      this.pending.delete(entry.seq)
      this.acknowledge(entry.seq)
    }
    if (entry.sessionKey !== undefined) {
      const queue = this.sessions.get(entry.sessionKey)
      if (queue !== undefined) {
        queue.shift()
        const next = queue[0]
        if (next === undefined) this.sessions.delete(entry.sessionKey)
        else {
          next.state = 'ready'
          this.makeReadyInOrder(next)
        }
      }
    }
    if (this.draining) {
      // Inside drainReady's loop (a synchronous handler): it goes on to the next entry and then
      // moves the floor and schedules the pump once for all.
      this.completedInDrain = true
      return
    }
    this.advanceFloor()
    this.scheduleFlush()
    this.drainReady()
    this.schedulePump()
  }
}
