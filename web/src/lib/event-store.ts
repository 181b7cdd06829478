// The page's memory of the live stream: a ring buffer of the last N events, so a hub publishing
// thousands of events per second cannot grow the tab without bound. Oldest events fall off first.
import type { Channel, Envelope } from '../../../src/contracts/index.ts'
import type { TypeMatcher } from './event-pattern.ts'
import { hintFor, type UiHints } from './ui-hints.ts'

export const DEFAULT_EVENT_CAPACITY = 20_000

export class EventStore {
  readonly capacity: number
  #items: Array<Envelope | undefined>
  #start = 0
  #count = 0
  #evicted = 0
  #version = 0

  constructor(capacity = DEFAULT_EVENT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer')
    this.capacity = capacity
    this.#items = new Array(capacity)
  }

  get size(): number {
    return this.#count
  }

  /** How many events fell off the front since the store was made. */
  get evicted(): number {
    return this.#evicted
  }

  /** Changes on every push or clear, so views know when to recompute. */
  get version(): number {
    return this.#version
  }

  push(events: readonly Envelope[]): void {
    if (events.length === 0) return
    // Only the newest `capacity` of a huge batch can survive; skip the rest without copying.
    const first = Math.max(0, events.length - this.capacity)
    this.#evicted += first
    for (let index = first; index < events.length; index++) {
      const slot = (this.#start + this.#count) % this.capacity
      if (this.#count === this.capacity) {
        this.#start = (this.#start + 1) % this.capacity
        this.#evicted++
      } else {
        this.#count++
      }
      this.#items[slot] = events[index]
    }
    this.#version++
  }

  /** The i-th oldest event held. */
  at(index: number): Envelope | undefined {
    if (index < 0 || index >= this.#count) return undefined
    return this.#items[(this.#start + index) % this.capacity]
  }

  toArray(): Envelope[] {
    const out: Envelope[] = new Array(this.#count)
    for (let index = 0; index < this.#count; index++) out[index] = this.at(index)!
    return out
  }

  clear(): void {
    this.#items = new Array(this.capacity)
    this.#start = 0
    this.#count = 0
    this.#version++
  }
}

export interface EventCriteria {
  type: TypeMatcher
  sessionId?: string
  traceId?: string
  /** 'all' or one channel. */
  channel: Channel | 'all'
}

export interface FilteredEvents {
  events: Envelope[]
  /** Per channel, how many events pass the other criteria (for the channel tabs). */
  channelCounts: Partial<Record<Channel, number>>
}

/** One pass over the store: the events that match, and counts per channel for the tabs. */
export function filterEvents(store: EventStore, criteria: EventCriteria, hints: UiHints): FilteredEvents {
  const events: Envelope[] = []
  const channelCounts: Partial<Record<Channel, number>> = {}
  const session = criteria.sessionId?.trim() || undefined
  const trace = criteria.traceId?.trim() || undefined
  for (let index = 0; index < store.size; index++) {
    const event = store.at(index)!
    if (session !== undefined && event.sessionId !== session) continue
    if (trace !== undefined && event.traceId !== trace) continue
    if (!criteria.type(String(event.type))) continue
    const channel = hintFor(String(event.type), hints).channel
    channelCounts[channel] = (channelCounts[channel] ?? 0) + 1
    if (criteria.channel === 'all' || criteria.channel === channel) events.push(event)
  }
  return { events, channelCounts }
}
