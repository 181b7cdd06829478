import { StringDecoder } from 'node:string_decoder'
import type { BusClient, PublishReceipt } from '../../bus/index.ts'
import { assertNoLoneSurrogate, fail, HubError, type Result, toHubError } from '../../contracts/index.ts'
import { toDraft } from './ingest-draft.ts'

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
}

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

/** A line ready to publish (a draft) or already failed (not JSON, not convertible, not Unicode). */
type Pending = { line: number; draft: unknown } | { line: number; failure: Result<PublishReceipt> }

function withLine(failure: Result<PublishReceipt>, line: number): Result<PublishReceipt> {
  if (!failure.ok) failure.error.details = { ...(failure.error.details ?? {}), line }
  return failure
}

/**
 * A line can only yield a lone surrogate through a `\u` escape or one in its own text, so a line
 * with neither skips the walk over the parsed value (which cost a third of parsing, decision 1631).
 */
const MAY_HOLD_SURROGATE = /\\u|\p{Surrogate}/u

function prepareLine(text: string, line: number, hint: string | undefined): Pending {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    return {
      line,
      failure: fail(
        new HubError('E_BAD_REQUEST', `line ${line} is not JSON: ${(cause as Error).message}`, {
          details: { line },
        }),
      ),
    }
  }
  try {
    const draft = toDraft(value, hint)
    // A converted dialect may cut strings, so only a canonical draft (the parsed value) skips.
    if (draft !== value || MAY_HOLD_SURROGATE.test(text)) assertNoLoneSurrogate(draft, 'the event')
    return { line, draft }
  } catch (error) {
    return { line, failure: withLine(fail(toHubError(error, 'E_VALIDATION')), line) }
  }
}

/**
 * Hands the batch's drafts to the bus now (one publishManyUntyped) and answers a promise of the
 * results in line order. The bus's publish queue keeps calls in the order they were made, so two
 * batches in flight are stored in body order; the promise settles only after the batch's commit.
 */
function publishBatch(bus: BusClient, batch: readonly Pending[]): Promise<Result<PublishReceipt>[]> {
  const drafts: unknown[] = []
  for (const pending of batch) if ('draft' in pending) drafts.push(pending.draft)
  // The drafts were parsed from the body and nothing here keeps them: handed over (decision 1772).
  const published =
    drafts.length === 0 ? Promise.resolve([]) : bus.publishManyUntyped(drafts, { handOver: true })
  return published.then(
    (outcomes) => {
      let next = 0
      return batch.map((pending) =>
        'failure' in pending ? pending.failure : withLine(outcomes[next++]!, pending.line),
      )
    },
    (error: unknown) => {
      const failure = toHubError(error, 'E_VALIDATION')
      return batch.map((pending) =>
        'failure' in pending ? pending.failure : withLine(fail(failure), pending.line),
      )
    },
  )
}

/**
 * NDJSON lines with their 1-based line number, split as the chunks arrive (UTF-8 kept across
 * chunk edges): one array per chunk, so a line costs no await of its own.
 */
async function* splitLines(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  position: { line: number },
): AsyncGenerator<{ text: string; line: number }[]> {
  const decoder = new StringDecoder('utf8')
  let rest = ''
  for await (const chunk of chunks) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer))
    const lines: { text: string; line: number }[] = []
    let start = 0
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      position.line++
      lines.push({ text: text.slice(start, end), line: position.line })
      start = end + 1
    }
    rest = start === 0 ? text : text.slice(start)
    if (lines.length > 0) yield lines
  }
  rest += decoder.end()
  position.line++
  if (rest !== '') yield [{ text: rest, line: position.line }]
}

type Step =
  | { kind: 'lines'; next: IteratorResult<{ text: string; line: number }[]> }
  | { kind: 'batch'; results: Result<PublishReceipt>[] }

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
  let batch: Pending[] = []
  let count = 0
  const position = { line: 0 }
  const lines = splitLines(chunks, position)
  let ending: Result<PublishReceipt> | undefined
  try {
    let pending: Promise<Step> | undefined
    reading: for (;;) {
      if (pending === undefined) {
        pending = lines.next().then((next): Step => ({ kind: 'lines', next }))
        // Marked handled: if the answer stops early (client gone) a later body error is not unhandled.
        pending.catch(() => {})
      }
      const oldest = inFlight[0]
      const step =
        oldest === undefined
          ? await pending
          : await Promise.race([oldest.then((results): Step => ({ kind: 'batch', results })), pending])
      if (step.kind === 'batch') {
        inFlight.shift()
        yield step.results
        continue
      }
      pending = undefined
      if (step.next.done) break
      for (const { text, line } of step.next.value) {
        const trimmed = text.trim()
        if (trimmed === '') continue
        if (++count > options.maxEvents) {
          ending = fail(
            new HubError('E_RESOURCE_LIMIT', `at most ${options.maxEvents} events per request`, {
              details: { line },
            }),
          )
          break reading
        }
        batch.push(prepareLine(trimmed, line, hint))
        if (batch.length >= options.batchEvents) {
          inFlight.push(publishBatch(bus, batch))
          batch = []
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
  if (batch.length > 0) inFlight.push(publishBatch(bus, batch))
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
