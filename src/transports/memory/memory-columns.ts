import { type StoredRecord, withSequence } from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import { ID_WORDS, packId, unpackId } from './packed-id.ts'

/**
 * Events per chunk: fixed chunks are filled by index and never copied or reallocated (pushing onto
 * one growing array took ~13 ns per element against ~3, decision 1760).
 */
const CHUNK_BITS = 12
const CHUNK_EVENTS = 1 << CHUNK_BITS
const CHUNK_MASK = CHUNK_EVENTS - 1
/** Numbers kept per event in a chunk's `numbers`: sessionSeq (0: none), timeMs, appendedAt. */
const NUMBERS = 3
const SESSION_SEQ = 0
const TIME = 1
const APPENDED_AT = 2

/** The columns of CHUNK_EVENTS consecutive events. */
class Chunk {
  /** Two per event: its Common (undefined for an event kept whole), then its payload or envelope. */
  readonly slots: unknown[] = new Array(2 * CHUNK_EVENTS)
  readonly numbers = new Float64Array(NUMBERS * CHUNK_EVENTS)
  readonly ids = new Int32Array(ID_WORDS * CHUNK_EVENTS)
}

/**
 * The values a run of events shares: consecutive events of one producer usually have the same
 * type, version, ts (the bus stamps a batch with one clock reading), source, severity and tenant,
 * and their traceId is their own id. One object serves the whole run.
 */
interface Common {
  readonly type: string
  readonly version: number
  readonly ts: string
  readonly source: string
  readonly severity: string
  readonly tenant: string
  /** undefined when each event's traceId is its own id. */
  readonly traceId: string | undefined
}

/**
 * The memory log's records as columns (decisions 1753, 1760). Most events are kept without a heap
 * object of their own. A "compact" event — id a canonical UUID, no causationId, sessionId,
 * idempotencyKey or meta — keeps its id as four words of a typed array, its payload in one slot,
 * and in another the Common it shares with the events before it when their other fields are the
 * same. Any other event keeps its persisted envelope whole. The numbers live in typed arrays
 * outside the heap. A record's stored form (seq and sessionSeq in their place, in the field order
 * of `withSequence`) is built when it is read, equal to `withSequence` of the appended envelope
 * either way. seq is the position + 1.
 *
 * Why: every object the log kept per event was copied by the young-generation collector and then
 * promoted, the largest part of keeping an event; objects not kept are never copied.
 */
export class MemoryColumns {
  private count = 0
  private readonly chunks: Chunk[] = []
  private last: Common | undefined

  get length(): number {
    return this.count
  }

  /** Appends one event; returns its seq. */
  push(envelope: Envelope, sessionSeq: number | undefined, timeMs: number, appendedAt: number): number {
    const index = this.count
    const offset = index & CHUNK_MASK
    if (offset === 0 && index >>> CHUNK_BITS === this.chunks.length) this.chunks.push(new Chunk())
    const chunk = this.chunks[index >>> CHUNK_BITS]!
    const numbers = NUMBERS * offset
    chunk.numbers[numbers + SESSION_SEQ] = sessionSeq ?? 0
    chunk.numbers[numbers + TIME] = timeMs
    chunk.numbers[numbers + APPENDED_AT] = appendedAt
    const id = envelope.id
    const compact =
      sessionSeq === undefined &&
      envelope.causationId === undefined &&
      envelope.sessionId === undefined &&
      envelope.idempotencyKey === undefined &&
      envelope.meta === undefined &&
      typeof envelope.traceId === 'string' &&
      packId(id, chunk.ids, ID_WORDS * offset)
    const at = 2 * offset
    if (compact) {
      chunk.slots[at] = this.commonOf(envelope, envelope.traceId === id ? undefined : envelope.traceId)
      chunk.slots[at + 1] = envelope.payload
    } else {
      chunk.slots[at] = undefined
      chunk.slots[at + 1] = envelope
    }
    this.count = index + 1
    return index + 1
  }

  /** The last Common when `envelope` shares it, else a new one (then the last). */
  private commonOf(envelope: Envelope, traceId: string | undefined): Common {
    const last = this.last
    if (
      last !== undefined &&
      last.type === envelope.type &&
      last.version === envelope.version &&
      last.ts === envelope.ts &&
      last.source === envelope.source &&
      last.severity === envelope.severity &&
      last.tenant === envelope.tenant &&
      last.traceId === traceId
    )
      return last
    const common: Common = {
      type: envelope.type,
      version: envelope.version,
      ts: envelope.ts,
      source: envelope.source,
      severity: envelope.severity,
      tenant: envelope.tenant,
      traceId,
    }
    this.last = common
    return common
  }

  private chunkOf(index: number): Chunk {
    return this.chunks[index >>> CHUNK_BITS]!
  }

  private commonAt(index: number): Common | undefined {
    return this.chunkOf(index).slots[2 * (index & CHUNK_MASK)] as Common | undefined
  }

  /** A compact event's payload, or the whole envelope. */
  private bodyAt(index: number): unknown {
    return this.chunkOf(index).slots[2 * (index & CHUNK_MASK) + 1]
  }

  idAt(index: number): string {
    return this.commonAt(index) === undefined
      ? (this.bodyAt(index) as Envelope).id
      : unpackId(this.chunkOf(index).ids, ID_WORDS * (index & CHUNK_MASK))
  }

  typeAt(index: number): string {
    return (this.commonAt(index) ?? (this.bodyAt(index) as Envelope)).type
  }

  tsAt(index: number): string {
    return (this.commonAt(index) ?? (this.bodyAt(index) as Envelope)).ts
  }

  sessionIdAt(index: number): string | undefined {
    return this.commonAt(index) === undefined ? (this.bodyAt(index) as Envelope).sessionId : undefined
  }

  sessionSeqAt(index: number): number | undefined {
    const sessionSeq = this.chunkOf(index).numbers[NUMBERS * (index & CHUNK_MASK) + SESSION_SEQ]!
    return sessionSeq === 0 ? undefined : sessionSeq
  }

  timeAt(index: number): number {
    return this.chunkOf(index).numbers[NUMBERS * (index & CHUNK_MASK) + TIME]!
  }

  appendedAt(index: number): number {
    return this.chunkOf(index).numbers[NUMBERS * (index & CHUNK_MASK) + APPENDED_AT]!
  }

  /** The stored form of the event at `index`: a new object per call, as a parsed row would be. */
  storedAt(index: number): Envelope {
    const common = this.commonAt(index)
    if (common === undefined)
      return withSequence(this.bodyAt(index) as Envelope, index + 1, this.sessionSeqAt(index))
    const id = unpackId(this.chunkOf(index).ids, ID_WORDS * (index & CHUNK_MASK))
    // The fields, and their order, that withSequence gives an envelope without optional fields.
    return {
      id,
      type: common.type,
      version: common.version,
      ts: common.ts,
      source: common.source,
      severity: common.severity,
      traceId: common.traceId ?? id,
      tenant: common.tenant,
      seq: index + 1,
      payload: this.bodyAt(index),
    } as Envelope
  }

  /** A record for seq, or undefined past the end. */
  record(seq: number): MemoryRecord | undefined {
    return seq >= 1 && seq <= this.count ? new MemoryRecord(this, seq - 1) : undefined
  }

  /** Records with positions [from, to), clamped to the log. */
  records(from: number, to: number): MemoryRecord[] {
    const end = Math.min(to, this.count)
    const result: MemoryRecord[] = []
    for (let index = Math.max(0, from); index < end; index++) result.push(new MemoryRecord(this, index))
    return result
  }

  clear(): void {
    this.count = 0
    this.chunks.length = 0
    this.last = undefined
  }
}

/** A read view of one event of the columns: made when read, not kept by the log. */
export class MemoryRecord implements StoredRecord {
  constructor(
    private readonly columns: MemoryColumns,
    private readonly index: number,
  ) {}

  get seq(): number {
    return this.index + 1
  }

  get sessionSeq(): number | undefined {
    return this.columns.sessionSeqAt(this.index)
  }

  get timeMs(): number {
    return this.columns.timeAt(this.index)
  }

  get type(): string {
    return this.columns.typeAt(this.index)
  }

  get sessionId(): string | undefined {
    return this.columns.sessionIdAt(this.index)
  }

  get id(): string {
    return this.columns.idAt(this.index)
  }

  get ts(): string {
    return this.columns.tsAt(this.index)
  }

  envelope(): Envelope {
    return this.columns.storedAt(this.index)
  }
}
