import type { BusClient, PublishReceipt } from '../../bus/index.ts'
import { assertNoLoneSurrogate, fail, HubError, type Result, toHubError } from '../../contracts/index.ts'
import { toDraft } from './ingest-draft.ts'
import { type ChunkLines, splitLines } from './ndjson-lines.ts'

/** Options of one streamed NDJSON ingest (the hub's defaults live in ingest-events.ts). */
export interface NdjsonIngestOptions {
  /** Most events accepted in one body; the line past it answers E_RESOURCE_LIMIT and ends the body. */
  maxEvents: number
  /** Lines per publishManyUntyped call (one group commit). */
  batchEvents: number
  /**
   * Batches handed to the bus before the oldest one's results are awaited: batch N+1 is parsed,
   * converted and queued while batch N is validated and committed (decision 1635).
   */
  batchesInFlight: number
  /**
   * Longest a line waits in an unfilled batch before the batch goes to the bus anyway (ms), so a
   * client that sends a few lines at a time has them stored and answered at once, not when 1000
   * have come (DEFAULT_BATCH_MAX_WAIT_MS).
   */
  batchMaxWaitMs?: number
}

/** A bulk load fills a batch of 1000 in ~10-50 ms; a slower sender's lines wait at most this (ms). */
export const DEFAULT_BATCH_MAX_WAIT_MS = 100

/**
 * One turn of the event loop (the check phase, after I/O). A body that is already in memory is
 * parsed and published through promises alone, which never let timers, I/O or `setImmediate`
 * work run: the hub's consumers (scheduled by each commit) then fall a whole body behind and read
 * it back from the database instead of the store's recent-events cache, and every other request
 * waits for the body's end. One turn per batch handed to the bus lets them run in between
 * (decision 1647).
 */
function eventLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

function withLine(failure: Result<PublishReceipt>, line: number): Result<PublishReceipt> {
  if (!failure.ok) failure.error.details = { ...(failure.error.details ?? {}), line }
  return failure
}

/**
 * A line can only yield a lone surrogate through a `\u` escape or one in its own text, so a line
 * with neither skips the walk over the parsed value (which cost a third of parsing, decision 1631).
 */
const MAY_HOLD_SURROGATE = /\\u|\p{Surrogate}/u

/**
 * The lines of one batch in parallel arrays, not an object per line (decision 1791): `lines[i]`
 * is the line number of entry i, `failures[i]` its failure when it failed before the bus (the
 * array is made at a batch's first failure: most batches have none), and `drafts` holds the drafts
 * in entry order. `lines` and `drafts` are made at the batch's size, not grown line by line
 * (decision 2093): `count` entries are filled, and the arrays are cut to it when the batch is sent.
 */
interface Batch {
  count: number
  draftCount: number
  lines: number[]
  failures: (Result<PublishReceipt> | undefined)[] | undefined
  drafts: unknown[]
}

/** Most entries a batch's arrays are made with before its lines arrive. */
const MAX_PREALLOCATED_ENTRIES = 10_000

function emptyBatch(size: number): Batch {
  // Capped: a batch size past it still works, its arrays grow past the cap as they fill.
  const room = Math.min(size, MAX_PREALLOCATED_ENTRIES)
  return { count: 0, draftCount: 0, lines: new Array(room), failures: undefined, drafts: new Array(room) }
}

function addFailure(batch: Batch, failure: Result<PublishReceipt>): void {
  batch.failures ??= []
  batch.failures[batch.count++] = failure
}

/** Parses and converts one line into the batch: a draft, or its failure (not JSON, not convertible, not Unicode). */
function addLine(batch: Batch, text: string, line: number, hint: string | undefined): void {
  batch.lines[batch.count] = line
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    addFailure(
      batch,
      fail(
        new HubError('E_BAD_REQUEST', `line ${line} is not JSON: ${(cause as Error).message}`, {
          details: { line },
        }),
      ),
    )
    return
  }
  try {
    const draft = toDraft(value, hint)
    // A converted dialect may cut strings, so only a canonical draft (the parsed value) skips.
    if (draft !== value || MAY_HOLD_SURROGATE.test(text)) assertNoLoneSurrogate(draft, 'the event')
    batch.drafts[batch.draftCount++] = draft
    batch.count++
  } catch (error) {
    addFailure(batch, withLine(fail(toHubError(error, 'E_VALIDATION')), line))
  }
}

/**
 * Hands the batch's drafts to the bus now (one publishManyUntyped) and answers a promise of the
 * results in line order. The bus's publish queue keeps calls in the order they were made, so two
 * batches in flight are stored in body order; the promise settles only after the batch's commit.
 */
function publishBatch(bus: BusClient, batch: Batch): Promise<Result<PublishReceipt>[]> {
  const { count, failures, lines, drafts } = batch
  // Cut to what was filled: the bus reads drafts.length, and no hole may reach it.
  lines.length = count
  drafts.length = batch.draftCount
  // The drafts were parsed from the body and nothing here keeps them: handed over (decision 1772).
  const published =
    drafts.length === 0 ? Promise.resolve([]) : bus.publishManyUntyped(drafts, { handOver: true })
  return published.then(
    (outcomes) => {
      // Every line reached the bus: its results are the answer, a refused line given its number.
      if (failures === undefined && outcomes.length === count) {
        for (let index = 0; index < count; index++) {
          const outcome = outcomes[index]!
          if (!outcome.ok) withLine(outcome, lines[index]!)
        }
        return outcomes
      }
      const results: Result<PublishReceipt>[] = new Array(count)
      let next = 0
      for (let index = 0; index < count; index++) {
        const failure = failures?.[index]
        if (failure !== undefined) results[index] = failure
        else {
          const outcome = outcomes[next++]!
          results[index] = outcome.ok ? outcome : withLine(outcome, lines[index]!)
        }
      }
      return results
    },
    (error: unknown) => {
      const failure = toHubError(error, 'E_VALIDATION')
      return lines.map((line, index) => failures?.[index] ?? withLine(fail(failure), line))
    },
  )
}

type Step =
  | { kind: 'lines'; next: IteratorResult<ChunkLines> }
  | { kind: 'batch'; results: Result<PublishReceipt>[] }
  | { kind: 'waited' }

/**
 * POST /events NDJSON as the body streams in: each chunk's lines are parsed and converted as it
 * arrives, a batch goes to the bus as soon as it is full, and up to `batchesInFlight` batches are
 * queued before the oldest one's results are awaited. While the next chunk is awaited, a batch
 * whose commit has answered is yielded at once (a slow sender still gets its receipts). Results
 * come one array per batch, in body order, each after its batch's commit. A bad line is reported
 * on its own with its line number; a failure of the body itself (over the byte limit, the client
 * gone) ends it: everything before it is still published and answered, then the failure with the
 * line it happened in.
 */
export async function* ingestNdjson(
  bus: BusClient,
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  hint: string | undefined,
  options: NdjsonIngestOptions,
): AsyncGenerator<Result<PublishReceipt>[]> {
  const inFlight: Promise<Result<PublishReceipt>[]>[] = []
  let batch = emptyBatch(options.batchEvents)
  let count = 0
  const position = { line: 0 }
  const lines = splitLines(chunks, position)
  let ending: Result<PublishReceipt> | undefined
  const maxWaitMs = options.batchMaxWaitMs ?? DEFAULT_BATCH_MAX_WAIT_MS
  // Set while the current batch holds lines and has not gone to the bus: fires after maxWaitMs.
  let waited: Promise<Step> | undefined
  let waitTimer: NodeJS.Timeout | undefined
  const sendBatch = () => {
    clearTimeout(waitTimer)
    waited = undefined
    inFlight.push(publishBatch(bus, batch))
    batch = emptyBatch(options.batchEvents)
  }
  try {
    let pending: Promise<Step> | undefined
    reading: for (;;) {
      if (pending === undefined) {
        pending = lines.next().then((next): Step => ({ kind: 'lines', next }))
        // Marked handled: if the answer stops early (client gone) a later body error is not unhandled.
        pending.catch(() => {})
      }
      if (batch.count > 0 && waited === undefined)
        waited = new Promise<Step>((resolve) => {
          waitTimer = setTimeout(() => resolve({ kind: 'waited' }), maxWaitMs)
        })
      const oldest = inFlight[0]
      const racing: Promise<Step>[] = [pending]
      if (oldest !== undefined) racing.push(oldest.then((results): Step => ({ kind: 'batch', results })))
      if (waited !== undefined) racing.push(waited)
      const step = racing.length === 1 ? await pending : await Promise.race(racing)
      if (step.kind === 'batch') {
        inFlight.shift()
        yield step.results
        continue
      }
      if (step.kind === 'waited') {
        // The sender is slow: what it sent goes to the bus now.
        sendBatch()
        continue
      }
      pending = undefined
      if (step.next.done) break
      const { first, texts, invalid } = step.next.value
      for (let index = 0; index < texts.length; index++) {
        const line = first + index
        const trimmed = texts[index]!.trim()
        if (trimmed === '') continue
        if (++count > options.maxEvents) {
          ending = fail(
            new HubError('E_RESOURCE_LIMIT', `at most ${options.maxEvents} events per request`, {
              details: { line },
            }),
          )
          break reading
        }
        if (invalid?.includes(index) === true) {
          batch.lines[batch.count] = line
          addFailure(
            batch,
            fail(new HubError('E_BAD_REQUEST', `line ${line} is not valid UTF-8`, { details: { line } })),
          )
        } else addLine(batch, trimmed, line, hint)
        if (batch.count >= options.batchEvents) {
          sendBatch()
          // At most one batch per turn, whichever way the loop goes on (decision 1647).
          await eventLoopTurn()
          if (inFlight.length >= options.batchesInFlight) yield await inFlight.shift()!
        }
      }
    }
  } catch (error) {
    // The body broke off: the complete lines before the break are published all the same.
    ending = fail(toHubError(error, 'E_BAD_REQUEST'))
    withLine(ending, position.line + 1)
  }
  clearTimeout(waitTimer)
  if (batch.count > 0) inFlight.push(publishBatch(bus, batch))
  while (inFlight.length > 0) {
    const results = await inFlight.shift()!
    // The failure that ended the body comes after every line before it, in the last array.
    if (ending !== undefined && inFlight.length === 0) {
      results.push(ending)
      ending = undefined
    }
    yield results
  }
  if (ending !== undefined) yield [ending]
}
