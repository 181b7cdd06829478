import { type StoredRecord, withSequence } from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'

const FIRST_CAPACITY = 1024

function grown(column: Float64Array): Float64Array {
  const larger = new Float64Array(column.length * 2)
  larger.set(column)
  return larger
}

/**
 * The memory log's records as columns (decision 1753): the persisted envelopes in one array, the
 * numbers beside them in typed arrays outside the heap. A record object per event, with its two
 * boxed times, was a third of what the log kept per event and of what each young-generation
 * collection copied; a record is now made only when one is read. seq is the position + 1.
 */
export class MemoryColumns {
  readonly envelopes: Envelope[] = []
  /** The stored form (seq and sessionSeq in their place), built on first read and kept. */
  private readonly stored: (Envelope | undefined)[] = []
  /** sessionSeq, 0 when the event has no session. */
  private sessionSeqs: Float64Array = new Float64Array(FIRST_CAPACITY)
  private times: Float64Array = new Float64Array(FIRST_CAPACITY)
  private appendedAts: Float64Array = new Float64Array(FIRST_CAPACITY)

  get length(): number {
    return this.envelopes.length
  }

  /** Appends one event; returns its seq. */
  push(envelope: Envelope, sessionSeq: number | undefined, timeMs: number, appendedAt: number): number {
    const index = this.envelopes.length
    if (index === this.times.length) {
      this.sessionSeqs = grown(this.sessionSeqs)
      this.times = grown(this.times)
      this.appendedAts = grown(this.appendedAts)
    }
    this.sessionSeqs[index] = sessionSeq ?? 0
    this.times[index] = timeMs
    this.appendedAts[index] = appendedAt
    this.envelopes.push(envelope)
    this.stored.push(undefined)
    return index + 1
  }

  idAt(index: number): string {
    return this.envelopes[index]!.id
  }

  sessionSeqAt(index: number): number | undefined {
    const sessionSeq = this.sessionSeqs[index]!
    return sessionSeq === 0 ? undefined : sessionSeq
  }

  timeAt(index: number): number {
    return this.times[index]!
  }

  appendedAt(index: number): number {
    return this.appendedAts[index]!
  }

  storedAt(index: number): Envelope {
    let envelope = this.stored[index]
    if (envelope === undefined) {
      envelope = withSequence(this.envelopes[index]!, index + 1, this.sessionSeqAt(index))
      this.stored[index] = envelope
    }
    return envelope
  }

  /** A record for seq, or undefined past the end. */
  record(seq: number): MemoryRecord | undefined {
    return seq >= 1 && seq <= this.envelopes.length ? new MemoryRecord(this, seq - 1) : undefined
  }

  /** Records with positions [from, to), clamped to the log. */
  records(from: number, to: number): MemoryRecord[] {
    const end = Math.min(to, this.envelopes.length)
    const result: MemoryRecord[] = []
    for (let index = Math.max(0, from); index < end; index++) result.push(new MemoryRecord(this, index))
    return result
  }

  clear(): void {
    this.envelopes.length = 0
    this.stored.length = 0
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
    return this.columns.envelopes[this.index]!.type
  }

  get sessionId(): string | undefined {
    return this.columns.envelopes[this.index]!.sessionId
  }

  get id(): string {
    return this.columns.envelopes[this.index]!.id
  }

  get ts(): string {
    return this.columns.envelopes[this.index]!.ts
  }

  envelope(): Envelope {
    return this.columns.storedAt(this.index)
  }
}
