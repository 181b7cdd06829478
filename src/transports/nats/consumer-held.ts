import type { Entry } from './consumer-entry.ts'

/**
 * What one consumer runner holds, from arrival to ack, dead-lettering or stop: log events by
 * stream seq, DLQ retries by their redo message's seq (decision 1766), and for session-ordered
 * types a queue per session whose head is the one entry of that session allowed in flight.
 */
export class HeldEntries {
  private readonly events = new Map<number, Entry>()
  private readonly redos = new Map<number, Entry>()
  private readonly sessions = new Map<string, Entry[]>()

  get size(): number {
    return this.events.size + this.redos.size
  }

  /** The log event with this stream seq, when held. */
  event(seq: number): Entry | undefined {
    return this.events.get(seq)
  }

  /** The DLQ retry brought by the redo message with this seq, when held. */
  redo(redoSeq: number): Entry | undefined {
    return this.redos.get(redoSeq)
  }

  /** Holds a new entry; true when it may be dispatched now (no other entry of its session ahead). */
  add(entry: Entry): boolean {
    entry.held = true
    if (entry.redo) this.redos.set(entry.message.seq, entry)
    else this.events.set(entry.seq, entry)
    if (entry.sessionKey === undefined) return true
    const queue = this.sessions.get(entry.sessionKey)
    if (queue !== undefined) {
      queue.push(entry)
      return false
    }
    this.sessions.set(entry.sessionKey, [entry])
    return true
  }

  isSessionHead(entry: Entry): boolean {
    return entry.sessionKey === undefined || this.sessions.get(entry.sessionKey)?.[0] === entry
  }

  /** Lets go of a finished entry; returns the next entry of its session, now at the head. */
  release(entry: Entry): Entry | undefined {
    entry.released = true
    if (!entry.held) return undefined
    entry.held = false
    if (entry.redo) this.redos.delete(entry.message.seq)
    else this.events.delete(entry.seq)
    if (entry.sessionKey === undefined) return undefined
    const queue = this.sessions.get(entry.sessionKey)
    if (queue === undefined || queue[0] !== entry) return undefined
    queue.shift()
    const next = queue[0]
    if (next === undefined) this.sessions.delete(entry.sessionKey)
    return next
  }

  /** Every held entry, log events first (a copy: dispatching may change what is held). */
  list(): Entry[] {
    return [...this.events.values(), ...this.redos.values()]
  }

  /** Calls `visit` for every held entry without copying (it must not add or release any). */
  forEach(visit: (entry: Entry) => void): void {
    for (const entry of this.events.values()) visit(entry)
    for (const entry of this.redos.values()) visit(entry)
  }

  clear(): void {
    this.events.clear()
    this.redos.clear()
    this.sessions.clear()
  }
}
