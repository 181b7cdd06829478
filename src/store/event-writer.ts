import type { AppendItem, AppendOutcome, ConsumerChanges } from '../bus/index.ts'
import { HubError, toHubError } from '../contracts/index.ts'
import { envelopeJson, resequenceEnvelopeJson } from './envelope-json.ts'
import { EventRows, ROWS_PER_STATEMENT, timeColumn, traceColumn } from './event-rows.ts'
import type { SqliteDatabase } from './open-database.ts'
import { makeRecord, type RecentEvents } from './recent-events.ts'
import { RETIRED_IDS_UNTIL_KEY } from './schema.ts'
import { storeError } from './store-errors.ts'
import type { EventStoreSettings } from './store-options.ts'

interface DuplicateRow {
  seq: number
  session_seq: number | null
}

function isIdKey(key: string): boolean {
  return key.charCodeAt(0) === 105 /* i */ && key.startsWith('id:')
}

function duplicateOf(id: string, row: DuplicateRow): AppendOutcome {
  return row.session_seq === null
    ? { id, seq: row.seq, duplicate: true }
    : { id, seq: row.seq, sessionSeq: row.session_seq, duplicate: true }
}

/** A new event's outcome in a receipt's very shape, so the bus answers with it (decision 2095). */
function storedOutcome(id: string, seq: number, sessionSeq: number | undefined): AppendOutcome {
  return sessionSeq === undefined ? { id, seq } : { id, seq, sessionSeq }
}

interface AppendJob {
  kind: 'append'
  items: AppendItem[]
  /** Each event's stored JSON, serialised at append with the seq it was expected to get. */
  bodies: string[]
  /** The seq written into bodies[0]; bodies[i] has firstGuess + i. */
  firstGuess: number
  /** The sessionSeq written into each body of an event with a session (absent: none has one). */
  sessionGuesses: (number | undefined)[] | undefined
  resolve(outcomes: AppendOutcome[]): void
  reject(error: Error): void
}

interface ConsumerJob {
  kind: 'consumer'
  name: string
  changes: ConsumerChanges
}

type Job = AppendJob | ConsumerJob

/**
 * The single writer of this process. Appends and consumer progress queue up and are committed
 * together in one IMMEDIATE transaction when the batch is full or its time window ends (group
 * commit); every waiting publish resolves after that commit. Other processes' writers serialise
 * on SQLite's write lock; seq comes from log_head inside the transaction, so it stays global.
 * Runs of events with no idempotency key go in multi-row INSERTs (decision 1744).
 */
export class EventWriter {
  private jobs: Job[] = []
  private waitingEvents = 0
  private timer: NodeJS.Timeout | undefined
  private immediate: NodeJS.Immediate | undefined
  private readonly sessionSeqs = new Map<string, number>()
  private knownHead = -1
  /** The seq the next appended event is expected to get: the head after the queued events. */
  private nextSeqGuess = 1
  /** The last sessionSeq expected for each session with queued events. */
  private readonly sessionGuesses = new Map<string, number>()
  private closed = false
  private readonly statements
  private readonly rows: EventRows
  /** The stored JSON and sessionSeq of each row of the multi-row INSERT being built. */
  private readonly chunkBodies = new Array<string>(ROWS_PER_STATEMENT)
  private readonly chunkSessionSeqs = new Array<number | undefined>(ROWS_PER_STATEMENT)

  constructor(
    private readonly db: SqliteDatabase,
    private readonly settings: EventStoreSettings,
    private readonly recent: RecentEvents,
    private readonly onError: (error: HubError, where: string) => void,
  ) {
    this.rows = new EventRows(db)
    this.statements = {
      head: db.prepare('SELECT last_seq FROM log_head WHERE id = 1').pluck(),
      setHead: db.prepare('UPDATE log_head SET last_seq = ? WHERE id = 1'),
      sessionMax: db.prepare('SELECT max(session_seq) FROM events WHERE session_id = ?').pluck(),
      dedupeGet: db.prepare('SELECT id, seq, session_seq FROM dedupe WHERE key = ? AND expires_ms > ?'),
      byId: db.prepare('SELECT seq, session_seq FROM events WHERE id = ?'),
      retiredUntil: db.prepare('SELECT CAST(value AS INTEGER) FROM store_meta WHERE key = ?').pluck(),
      dedupePut: db.prepare(
        'INSERT INTO dedupe (key, id, seq, session_seq, expires_ms) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (key) DO UPDATE SET id = excluded.id, seq = excluded.seq, session_seq = excluded.session_seq, expires_ms = excluded.expires_ms',
      ),
      insert: db.prepare(
        'INSERT INTO events (seq, id, type, session_id, session_seq, ts_ms, committed_ms, body, trace_id, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (id) DO NOTHING',
      ),
      floor: db.prepare('UPDATE consumers SET ack_floor = ?, updated_ms = ? WHERE name = ?'),
      dropAcks: db.prepare('DELETE FROM consumer_acks WHERE name = ? AND seq <= ?'),
      addAck: db.prepare('INSERT OR IGNORE INTO consumer_acks (name, seq) VALUES (?, ?)'),
      dropAttemptsBelow: db.prepare('DELETE FROM consumer_attempts WHERE name = ? AND seq <= ?'),
      dropAttempt: db.prepare('DELETE FROM consumer_attempts WHERE name = ? AND seq = ?'),
      putAttempt: db.prepare(
        'INSERT OR REPLACE INTO consumer_attempts (name, seq, attempts, last_error) VALUES (?, ?, ?, ?)',
      ),
    }
    this.nextSeqGuess = (this.statements.head.get() as number) + 1
  }

  append(items: AppendItem[]): Promise<AppendOutcome[]> {
    if (this.closed)
      return Promise.reject(new HubError('E_DEPENDENCY_UNAVAILABLE', 'the event store is closed'))
    // Serialised here, outside the transaction, once per event, with the seq it will most likely
    // get (this process's head plus what is queued); a wrong guess is rewritten at commit.
    const count = items.length
    const bodies = new Array<string>(count)
    const firstGuess = this.nextSeqGuess
    let sessionGuesses: (number | undefined)[] | undefined
    for (let index = 0; index < count; index++) {
      const envelope = items[index]!.envelope
      const sessionId = envelope.sessionId
      let sessionGuess: number | undefined
      if (sessionId !== undefined) {
        sessionGuess = (this.sessionGuesses.get(sessionId) ?? this.sessionSeqs.get(sessionId) ?? 0) + 1
        this.sessionGuesses.set(sessionId, sessionGuess)
        sessionGuesses ??= new Array<number | undefined>(count)
        sessionGuesses[index] = sessionGuess
      }
      bodies[index] = envelopeJson(envelope, firstGuess + index, sessionGuess)
    }
    this.nextSeqGuess = firstGuess + count
    return new Promise((resolve, reject) => {
      this.jobs.push({ kind: 'append', items, bodies, firstGuess, sessionGuesses, resolve, reject })
      this.waitingEvents += count
      this.schedule()
    })
  }

  saveConsumer(name: string, changes: ConsumerChanges): void {
    if (this.closed) return
    this.jobs.push({ kind: 'consumer', name, changes })
    this.schedule()
  }

  private schedule(): void {
    if (this.waitingEvents >= this.settings.groupCommitMaxEvents) {
      this.flush()
      return
    }
    if (this.timer !== undefined || this.immediate !== undefined) return
    if (this.settings.groupCommitWindowMs === 0) this.immediate = setImmediate(() => this.flush())
    else this.timer = setTimeout(() => this.flush(), this.settings.groupCommitWindowMs)
  }

  /** Commits everything queued now (also called by close and by tests). */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    if (this.immediate !== undefined) clearImmediate(this.immediate)
    this.timer = undefined
    this.immediate = undefined
    const jobs = this.jobs
    if (jobs.length === 0) return
    this.jobs = []
    this.waitingEvents = 0
    this.sessionGuesses.clear()
    const results = new Map<AppendJob, AppendOutcome[]>()
    const committed: ReturnType<typeof makeRecord>[] = []
    try {
      this.db.exec('BEGIN IMMEDIATE')
      try {
        const now = this.settings.now()
        let head = this.statements.head.get() as number
        if (head !== this.knownHead) this.sessionSeqs.clear()
        const retiredUntil = this.statements.retiredUntil.get(RETIRED_IDS_UNTIL_KEY) as number | undefined
        const retiredIds = retiredUntil !== undefined && retiredUntil > now
        for (const job of jobs) {
          if (job.kind === 'consumer') this.writeConsumer(job, now)
          else {
            const outcomes = new Array<AppendOutcome>(job.items.length)
            head = this.writeJob(job, outcomes, head, now, retiredIds, committed)
            results.set(job, outcomes)
          }
        }
        if (committed.length > 0) this.statements.setHead.run(head)
        this.db.exec('COMMIT')
        this.knownHead = head
        this.nextSeqGuess = head + 1
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK')
        throw error
      }
    } catch (error) {
      this.sessionSeqs.clear()
      this.knownHead = -1
      const failure = storeError(error, this.settings.path, 'committing events')
      for (const job of jobs) {
        if (job.kind === 'append') job.reject(failure)
        else this.onError(toHubError(failure), `saving consumer ${job.name}`)
      }
      return
    }
    if (committed.length > 0) this.recent.addCommit(committed)
    for (const [job, outcomes] of results) job.resolve(outcomes)
  }

  /** Writes one job's events in order; returns the new head. */
  private writeJob(
    job: AppendJob,
    outcomes: AppendOutcome[],
    head: number,
    now: number,
    retiredIds: boolean,
    committed: ReturnType<typeof makeRecord>[],
  ): number {
    const items = job.items
    let index = 0
    while (index < items.length) {
      // A run of events whose only key is their id (checked by the id index in the INSERT itself).
      let end = index
      if (!retiredIds)
        while (end < items.length && end - index < ROWS_PER_STATEMENT && items[end]!.dedupeKeys.length <= 1)
          end++
      if (end - index >= 2) {
        if (this.writeRows(job, index, end, outcomes, head, now, committed)) {
          head += end - index
          index = end
          continue
        }
        // A duplicate in the run: nothing of it was kept, nor may the session seqs it counted.
        this.sessionSeqs.clear()
      }
      // One by one: an event with an idempotency key, a lone event, or a run with a duplicate.
      for (const stop = Math.max(end, index + 1); index < stop; index++) {
        const outcome = this.writeEvent(job, index, head + 1, now, retiredIds, committed)
        if (!outcome.duplicate) head = outcome.seq
        outcomes[index] = outcome
      }
    }
    return head
  }

  private nextSessionSeq(sessionId: string): number {
    const last = this.sessionSeqs.get(sessionId)
    return (last ?? (this.statements.sessionMax.get(sessionId) as number | null) ?? 0) + 1
  }

  /** Events from..to-1 (keyed only by their ids) in one statement; false when one was a duplicate. */
  private writeRows(
    job: AppendJob,
    from: number,
    to: number,
    outcomes: AppendOutcome[],
    head: number,
    now: number,
    committed: ReturnType<typeof makeRecord>[],
  ): boolean {
    const { items, bodies, firstGuess, sessionGuesses } = job
    const rows = this.rows
    const chunkBodies = this.chunkBodies
    const chunkSessionSeqs = this.chunkSessionSeqs
    for (let index = from; index < to; index++) {
      const item = items[index]!
      const envelope = item.envelope
      const seq = head + 1 + index - from
      const sessionId = envelope.sessionId
      let sessionSeq: number | undefined
      if (sessionId !== undefined) {
        sessionSeq = this.nextSessionSeq(sessionId)
        // Counted now for the next event of the same session in this run; cleared if it fails.
        this.sessionSeqs.set(sessionId, sessionSeq)
      }
      const body = resequenceEnvelopeJson(
        bodies[index]!,
        firstGuess + index,
        sessionGuesses?.[index],
        seq,
        sessionSeq,
      )
      chunkBodies[index - from] = body
      chunkSessionSeqs[index - from] = sessionSeq
      rows.add(
        seq,
        envelope.id,
        envelope.type,
        sessionId ?? null,
        sessionSeq ?? null,
        timeColumn(item),
        now,
        body,
        traceColumn(envelope),
        envelope.source ?? null,
      )
    }
    if (!rows.run()) return false
    if (this.sessionSeqs.size > 100_000) this.sessionSeqs.clear()
    for (let index = from; index < to; index++) {
      const envelope = items[index]!.envelope
      const seq = head + 1 + index - from
      const sessionSeq = chunkSessionSeqs[index - from]
      committed.push(makeRecord(seq, envelope.type, envelope.sessionId, chunkBodies[index - from]!))
      outcomes[index] = storedOutcome(envelope.id, seq, sessionSeq)
    }
    return true
  }

  private writeEvent(
    job: AppendJob,
    index: number,
    seq: number,
    now: number,
    retiredIds: boolean,
    committed: ReturnType<typeof makeRecord>[],
  ): AppendOutcome {
    const item = job.items[index]!
    const envelope = item.envelope
    const s = this.statements
    const keys = item.dedupeKeys
    // The UNIQUE index on id dedupes ids (decision 0620); the dedupe table holds idempotency keys
    // and, while retiredIds, the ids of events retention deleted inside their window.
    let keyed = false
    // Most events carry only their id key, which the insert itself checks.
    if (keys.length > 1 || retiredIds)
      for (const key of keys) {
        if (isIdKey(key)) {
          if (!retiredIds) continue
        } else if (!keyed) {
          keyed = true
          // The id wins over the idempotency key when they name different events (checked first).
          const first = s.byId.get(envelope.id) as DuplicateRow | undefined
          if (first !== undefined) return duplicateOf(envelope.id, first)
        }
        const seen = s.dedupeGet.get(key, now) as (DuplicateRow & { id: string }) | undefined
        if (seen !== undefined) return duplicateOf(seen.id, seen)
      }
    let sessionSeq: number | undefined
    const sessionId = envelope.sessionId
    if (sessionId !== undefined) sessionSeq = this.nextSessionSeq(sessionId)
    const body = resequenceEnvelopeJson(
      job.bodies[index]!,
      job.firstGuess + index,
      job.sessionGuesses?.[index],
      seq,
      sessionSeq,
    )
    const inserted = s.insert.run(
      seq,
      envelope.id,
      envelope.type,
      sessionId ?? null,
      sessionSeq ?? null,
      timeColumn(item),
      now,
      body,
      traceColumn(envelope),
      envelope.source ?? null,
    ).changes
    if (inserted === 0) {
      const first = s.byId.get(envelope.id) as DuplicateRow
      return duplicateOf(envelope.id, first)
    }
    if (sessionId !== undefined) {
      this.sessionSeqs.set(sessionId, sessionSeq!)
      if (this.sessionSeqs.size > 100_000) this.sessionSeqs.clear()
    }
    if (keyed) {
      const expires = now + this.settings.dedupeWindowMs
      for (const key of keys)
        if (!isIdKey(key)) s.dedupePut.run(key, envelope.id, seq, sessionSeq ?? null, expires)
    }
    committed.push(makeRecord(seq, envelope.type, sessionId, body))
    return storedOutcome(envelope.id, seq, sessionSeq)
  }

  private writeConsumer(job: ConsumerJob, now: number): void {
    const { name, changes } = job
    const s = this.statements
    s.floor.run(changes.ackFloor, now, name)
    s.dropAcks.run(name, changes.ackFloor)
    s.dropAttemptsBelow.run(name, changes.ackFloor)
    for (const seq of changes.acked) {
      s.addAck.run(name, seq)
      s.dropAttempt.run(name, seq)
    }
    for (const [seq, attempt] of changes.attempts) {
      if (seq > changes.ackFloor)
        s.putAttempt.run(name, seq, attempt.attempts, attempt.lastError.slice(0, 4000))
    }
  }

  /** Commits what is queued and refuses further work. */
  close(): void {
    this.flush()
    this.closed = true
  }
}
