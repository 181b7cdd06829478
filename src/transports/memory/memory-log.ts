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
  type TopicStat,
} from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import { MemoryColumns } from './memory-columns.ts'
import { MemoryIdIndex } from './memory-id-index.ts'

function receiptOf(columns: MemoryColumns, index: number, duplicate: boolean): AppendOutcome {
  const id = columns.idAt(index)
  const sessionSeq = columns.sessionSeqAt(index)
  return sessionSeq === undefined
    ? { id, seq: index + 1, duplicate }
    : { id, seq: index + 1, sessionSeq, duplicate }
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
  const columns = new MemoryColumns()
  const sessionSeqs = new Map<string, number>()
  const ids = new MemoryIdIndex(options.dedupeWindowMs, columns)
  /** Idempotency key -> the position of the record that first used it. */
  const keys = new DedupeWindow<number>(options.dedupeWindowMs)
  const consumers = new Map<string, MemoryConsumer>()
  let deadLetters: DeadLetterEntry[] = []
  let nextDlqId = 1

  function appendOne(item: AppendItem, now: number): AppendOutcome {
    const envelope = item.envelope
    // Keys beyond the id's exist only for an envelope with an idempotency key (dedupeKeysOf): only
    // then are the item's keys read, so the bus need not make them for the others (decision 1761).
    const keyed = envelope.idempotencyKey !== undefined
    let seen = item.generatedId === true ? undefined : ids.get(envelope.id, now)
    if (seen === undefined && keyed) {
      for (const key of item.dedupeKeys) {
        if (key.startsWith('id:')) continue
        seen = keys.get(key, now)
        if (seen !== undefined) break
      }
    }
    if (seen !== undefined) return receiptOf(columns, seen, true)
    let sessionSeq: number | undefined
    if (envelope.sessionId !== undefined) {
      sessionSeq = (sessionSeqs.get(envelope.sessionId) ?? 0) + 1
      sessionSeqs.set(envelope.sessionId, sessionSeq)
    }
    const timeMs = item.timeMs ?? envelopeTimeMs(envelope)
    // The id index reads the columns when it is next asked (decision 1740): nothing to do here.
    const seq = columns.push(envelope, sessionSeq, timeMs, now)
    if (keyed) for (const key of item.dedupeKeys) if (!key.startsWith('id:')) keys.remember(key, seq - 1, now)
    // No `duplicate` key for a new event: the outcome is then a receipt's shape and the bus hands
    // it over as the receipt instead of copying it (decision 2095).
    return sessionSeq === undefined ? { id: envelope.id, seq } : { id: envelope.id, seq, sessionSeq }
  }

  const reader: LogReader = {
    readAfter: (afterSeq, limit) => columns.records(afterSeq, afterSeq + limit),
    readSeq: (seq) => columns.record(seq),
    lastSeq: () => columns.length,
    firstSeqAtOrAfter(timeMs) {
      for (let index = 0; index < columns.length; index++)
        if (columns.timeAt(index) >= timeMs) return index + 1
      return columns.length + 1
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
        while (index < columns.length && remaining > 0 && page.length < READ_PAGE) {
          const at = index++
          if (query.toSeq !== undefined && at + 1 > query.toSeq) {
            remaining = 0
            break
          }
          const timeMs = columns.timeAt(at)
          if (query.fromTime !== undefined && !(timeMs >= query.fromTime)) continue
          if (query.toTime !== undefined && !(timeMs <= query.toTime)) continue
          if (!matches(columns.typeAt(at))) continue
          remaining--
          page.push(columns.storedAt(at))
        }
        return page
      })
    },
    topics(): TopicStat[] {
      const byType = new Map<string, TopicStat>()
      for (let index = 0; index < columns.length; index++) {
        const type = columns.typeAt(index)
        const stat = byType.get(type) ?? { type, count: 0, lastSeq: 0, lastTs: '' }
        stat.count++
        stat.lastSeq = index + 1
        stat.lastTs = columns.tsAt(index)
        byType.set(type, stat)
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
      columns.clear()
      ids.clear()
      consumers.clear()
      deadLetters = []
    },
  }
}
