import {
  type AppendItem,
  type AppendOutcome,
  type AttemptState,
  type ConsumerChanges,
  type ConsumerSnapshot,
  type ConsumerStateStore,
  compileTypePattern,
  type DeadLetterEntry,
  type DeadLetterQuery,
  DedupeWindow,
  envelopeTimeMs,
  type LogBackend,
  type LogReader,
  pagedIterable,
  type ReadQuery,
  type StoredRecord,
  type TopicStat,
  withSequence,
} from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import { type IndexedRecord, MemoryIdIndex } from './memory-id-index.ts'

// A class, not a closure per record: one is made per event on the publish path. The stored form
// (seq and sessionSeq in their place) is built when first read, so appends copy nothing.
class MemoryRecord implements StoredRecord, IndexedRecord {
  private withSeq: Envelope | undefined

  constructor(
    readonly seq: number,
    readonly sessionSeq: number | undefined,
    readonly timeMs: number,
    readonly appendedAt: number,
    private readonly persisted: Envelope,
  ) {}

  get type(): string {
    return this.persisted.type
  }

  get sessionId(): string | undefined {
    return this.persisted.sessionId
  }

  get id(): string {
    return this.persisted.id
  }

  get ts(): string {
    return this.persisted.ts
  }

  envelope(): Envelope {
    this.withSeq ??= withSequence(this.persisted, this.seq, this.sessionSeq)
    return this.withSeq
  }
}

function receiptOf(record: MemoryRecord, duplicate: boolean): AppendOutcome {
  return record.sessionSeq === undefined
    ? { id: record.id, seq: record.seq, duplicate }
    : { id: record.id, seq: record.seq, sessionSeq: record.sessionSeq, duplicate }
}

const READ_PAGE = 1000

interface MemoryConsumer {
  filter: string
  ackFloor: number
  acked: Set<number>
  attempts: Map<number, AttemptState>
  redo: number[]
}

/** Everything lives in arrays and maps of this process; nothing survives close(). */
export function createMemoryBackend(options: { dedupeWindowMs: number; now: () => number }): LogBackend {
  const records: MemoryRecord[] = []
  const sessionSeqs = new Map<string, number>()
  const ids = new MemoryIdIndex<MemoryRecord>(options.dedupeWindowMs, records)
  const keys = new DedupeWindow<MemoryRecord>(options.dedupeWindowMs)
  const consumers = new Map<string, MemoryConsumer>()
  let deadLetters: DeadLetterEntry[] = []
  let nextDlqId = 1

  function appendOne(item: AppendItem, now: number): AppendOutcome {
    const envelope = item.envelope
    const keyed = item.dedupeKeys.length > 1
    let seen = item.generatedId === true ? undefined : ids.get(envelope.id, now)
    if (seen === undefined && keyed) {
      for (const key of item.dedupeKeys) {
        if (key.startsWith('id:')) continue
        seen = keys.get(key, now)
        if (seen !== undefined) break
      }
    }
    if (seen !== undefined) return receiptOf(seen, true)
    const seq = records.length + 1
    let sessionSeq: number | undefined
    if (envelope.sessionId !== undefined) {
      sessionSeq = (sessionSeqs.get(envelope.sessionId) ?? 0) + 1
      sessionSeqs.set(envelope.sessionId, sessionSeq)
    }
    const timeMs = item.timeMs ?? envelopeTimeMs(envelope)
    const appended = new MemoryRecord(seq, sessionSeq, timeMs, now, envelope)
    // The id index reads `records` when it is next asked (decision 1740): nothing to do here.
    records.push(appended)
    if (keyed)
      for (const key of item.dedupeKeys) if (!key.startsWith('id:')) keys.remember(key, appended, now)
    return receiptOf(appended, false)
  }

  function record(seq: number): MemoryRecord | undefined {
    return records[seq - 1]
  }

  const reader: LogReader = {
    readAfter: (afterSeq, limit) => records.slice(afterSeq, afterSeq + limit),
    readSeq: (seq) => record(seq),
    lastSeq: () => records.length,
    firstSeqAtOrAfter(timeMs) {
      const found = records.find((candidate) => candidate.timeMs >= timeMs)
      return found === undefined ? records.length + 1 : found.seq
    },
  }

  const state: ConsumerStateStore = {
    load(name): ConsumerSnapshot | undefined {
      const consumer = consumers.get(name)
      if (consumer === undefined) return undefined
      return {
        filter: consumer.filter,
        ackFloor: consumer.ackFloor,
        acked: [...consumer.acked],
        attempts: new Map(consumer.attempts),
      }
    },
    create(name, filter, ackFloor) {
      consumers.set(name, { filter, ackFloor, acked: new Set(), attempts: new Map(), redo: [] })
    },
    save(name, changes: ConsumerChanges) {
      const consumer = consumers.get(name)
      if (consumer === undefined) return
      consumer.ackFloor = changes.ackFloor
      for (const seq of changes.acked) {
        consumer.acked.add(seq)
        consumer.attempts.delete(seq)
      }
      for (const seq of consumer.acked) if (seq <= consumer.ackFloor) consumer.acked.delete(seq)
      for (const [seq, attempt] of changes.attempts)
        if (seq > consumer.ackFloor) consumer.attempts.set(seq, attempt)
      for (const seq of consumer.attempts.keys()) if (seq <= consumer.ackFloor) consumer.attempts.delete(seq)
    },
    deadLetter(name, envelope, attempts, lastError) {
      const entry: DeadLetterEntry = {
        dlqId: nextDlqId++,
        consumer: name,
        seq: envelope.seq ?? 0,
        eventId: envelope.id,
        eventType: envelope.type,
        attempts,
        lastError,
        movedAt: new Date(options.now()).toISOString(),
        envelope,
      }
      deadLetters.push(entry)
      return entry
    },
    takeRedo(name) {
      const consumer = consumers.get(name)
      if (consumer === undefined) return []
      return consumer.redo.splice(0)
    },
  }

  function selected(query: DeadLetterQuery): DeadLetterEntry[] {
    const ids = query.ids === undefined ? undefined : new Set(query.ids)
    const found = deadLetters.filter(
      (entry) =>
        (query.consumer === undefined || entry.consumer === query.consumer) &&
        (ids === undefined || ids.has(entry.dlqId)),
    )
    return query.limit === undefined ? found : found.slice(0, query.limit)
  }

  return {
    reader,
    state,
    async append(items: AppendItem[]): Promise<AppendOutcome[]> {
      const now = options.now()
      const outcomes = new Array<AppendOutcome>(items.length)
      for (let index = 0; index < items.length; index++) outcomes[index] = appendOne(items[index]!, now)
      return outcomes
    },
    read(query: ReadQuery): AsyncIterable<Envelope> {
      const matches = compileTypePattern(query.filter ?? '>')
      let remaining = query.limit ?? Number.POSITIVE_INFINITY
      let index = Math.max(0, (query.fromSeq ?? 1) - 1)
      // Pages of what the log holds at each fetch, so appends during a replay are included.
      return pagedIterable(() => {
        const page: Envelope[] = []
        while (index < records.length && remaining > 0 && page.length < READ_PAGE) {
          const found = records[index++]!
          if (query.toSeq !== undefined && found.seq > query.toSeq) {
            remaining = 0
            break
          }
          if (query.fromTime !== undefined && !(found.timeMs >= query.fromTime)) continue
          if (query.toTime !== undefined && !(found.timeMs <= query.toTime)) continue
          if (!matches(found.type)) continue
          remaining--
          page.push(found.envelope())
        }
        return page
      })
    },
    topics(): TopicStat[] {
      const byType = new Map<string, TopicStat>()
      for (const found of records) {
        const stat = byType.get(found.type) ?? { type: found.type, count: 0, lastSeq: 0, lastTs: '' }
        stat.count++
        stat.lastSeq = found.seq
        stat.lastTs = found.ts
        byType.set(found.type, stat)
      }
      return [...byType.values()].sort((a, b) => a.type.localeCompare(b.type))
    },
    listDeadLetters: (query) => selected(query),
    takeDeadLetters(query, action) {
      const taken = selected(query)
      const ids = new Set(taken.map((entry) => entry.dlqId))
      deadLetters = deadLetters.filter((entry) => !ids.has(entry.dlqId))
      if (action === 'retry') {
        for (const entry of taken) {
          const consumer = consumers.get(entry.consumer)
          consumer?.redo.push(entry.seq)
          consumer?.attempts.delete(entry.seq)
        }
      }
      return taken
    },
    async close() {
      records.length = 0
      ids.clear()
      consumers.clear()
      deadLetters = []
    },
  }
}
