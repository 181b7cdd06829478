import { createReadStream } from 'node:fs'
import { type PublishReceipt, postEventBatches } from '../../bus/index.ts'
import { assertNoLoneSurrogate, HubError, type Result, toHubError } from '../../contracts/index.ts'
import { toBusDraft } from '../../dialects/index.ts'
import { parseArgs } from '../args.ts'
import { inputFilePath } from '../input-file.ts'
import { type CommandGroup, type CommandIo, writeLine } from '../io.ts'
import { dataDirOf, openLocalBus, reportFailure, serverFor } from './events-bus-access.ts'
import { type BodySegment, readBodySegments, runEndAfter } from './events-publish-body.ts'
import { type NumberedLine, readNumberedLines } from './ndjson-lines.ts'

const USAGE = [
  'usage: localhub events publish <FILE|-> [--data DIR]',
  '',
  '  Publishes NDJSON envelopes (canonical, Pinchy v1, AdaOS, Denis or CloudEvents; detected per',
  '  line) and prints one receipt {"id","seq"} per line as each commits. Failures go to stderr as',
  '  {"line":N,"error":{...}}; the others are published all the same; the exit code is then 1.',
  '  Uses the running server (server.json) when there is one, else the data directory. When the',
  '  server stops answering mid-stream, it says how many events were receipted and exits 1.',
].join('\n')

/**
 * Lines per POST /events when a server runs: the hub's per-request limit
 * (DEFAULT_MAX_EVENTS_PER_REQUEST). Each body is streamed as the file is read (decision 1637).
 */
const LINES_PER_REQUEST = 10_000
/** Lines per publishManyUntyped call on the data directory: one group commit each. */
const LOCAL_BATCH = 1000
/** Batches committing while the next ones are read; bounds memory. */
const LOCAL_BATCHES_IN_FLIGHT = 4

/**
 * A line can only carry a lone surrogate through a `\u` escape or one in its own text; only such
 * lines, and converted dialects (which may cut strings), are walked (as POST /events does).
 */
const MAY_HOLD_SURROGATE = /\\u|\p{Surrogate}/u

/**
 * One line as the bus's draft, refused as POST /events refuses it: not JSON, or not well-formed
 * Unicode (the bus would store it; the hub's route refuses it, so the data directory does too).
 */
function draftOf(text: string): unknown {
  const value = JSON.parse(text)
  // Foreign dialects become canonical; canonical lines skip detection (the hub's shortcut, 1794).
  const draft = toBusDraft(value)
  if (draft !== value || MAY_HOLD_SURROGATE.test(text)) assertNoLoneSurrogate(draft, 'the event')
  return draft
}

/** A line whose bytes are not UTF-8: refused, as its text would hold U+FFFD where they were. */
function notUtf8Error(): HubError {
  return new HubError('E_BAD_REQUEST', 'the line is not valid UTF-8 (save the file as UTF-8)')
}

function lineFailure(io: CommandIo, line: number, error: unknown): void {
  const failure = toHubError(error, 'E_BAD_REQUEST').toJSON()
  writeLine(io.stderr, JSON.stringify({ line, error: failure }))
}

/** Printable ASCII but the quote and the backslash: what JSON.stringify writes as it is. */
const VERBATIM = /^[ !#-[\]-~]*$/

/** One receipt's line: {"id","seq"} and duplicate when it was one (exported for its test). */
export function receiptLine(receipt: PublishReceipt): string {
  const { id, seq } = receipt
  // The usual receipt written from its fields, as JSON.stringify would (decision 2088).
  if (!receipt.duplicate && Number.isSafeInteger(seq) && typeof id === 'string' && VERBATIM.test(id))
    return `{"id":"${id}","seq":${seq}}\n`
  const shown: Record<string, unknown> = { id: receipt.id, seq: receipt.seq ?? null }
  if (receipt.duplicate) shown.duplicate = true
  return `${JSON.stringify(shown)}\n`
}

type LocalItem = { line: number; draft: unknown } | { line: number; error: unknown }

/** Told after each batch's results were handed out (the CLI prints them then, in one write). */
export type BatchDone = () => void

/**
 * Lines go to the bus a batch at a time (one publishManyUntyped, one group commit per batch), with
 * a few batches in flight so reading and committing overlap; results print in line order.
 */
async function publishLocal(
  lines: AsyncIterable<NumberedLine[]>,
  dataDir: string,
  io: CommandIo,
  onReceipt: (receipt: PublishReceipt) => void,
  onBatchDone: BatchDone,
): Promise<boolean> {
  const bus = await openLocalBus(dataDir, io)
  let failed = false
  const inFlight: { items: LocalItem[]; outcomes: Promise<Result<PublishReceipt>[]> }[] = []
  let batch: LocalItem[] = []
  const send = () => {
    const items = batch
    batch = []
    const drafts: unknown[] = []
    for (const item of items) if ('draft' in item) drafts.push(item.draft)
    // Parsed from the file and never read again here: handed over, as POST /events does (decision
    // 1772). This CLI's own bus has no consumers, so today nothing is kept for one (decision 1792).
    inFlight.push({
      items,
      outcomes:
        drafts.length === 0 ? Promise.resolve([]) : bus.publishManyUntyped(drafts, { handOver: true }),
    })
  }
  const drainOne = async () => {
    const { items, outcomes } = inFlight.shift()!
    const results = await outcomes
    let next = 0
    for (const item of items) {
      if ('error' in item) {
        failed = true
        lineFailure(io, item.line, item.error)
        continue
      }
      const outcome = results[next++]!
      if (outcome.ok) onReceipt(outcome.data)
      else {
        failed = true
        writeLine(io.stderr, JSON.stringify({ line: item.line, error: outcome.error }))
      }
    }
    onBatchDone()
  }
  try {
    for await (const chunk of lines) {
      for (const { line, text, notUtf8 } of chunk) {
        try {
          if (notUtf8) throw notUtf8Error()
          batch.push({ line, draft: draftOf(text) })
        } catch (error) {
          batch.push({ line, error })
        }
        if (batch.length >= LOCAL_BATCH) {
          send()
          if (inFlight.length >= LOCAL_BATCHES_IN_FLIGHT) await drainOne()
        }
      }
    }
    if (batch.length > 0) send()
    while (inFlight.length > 0) await drainOne()
  } finally {
    await bus.close()
  }
  return !failed
}

/** Counts of a remote publish, kept so a broken connection can say how far it got. */
interface RemoteProgress {
  sent: number
  receipted: number
  /** Line number of the first event sent but never answered. */
  firstUnanswered: number | undefined
}

/**
 * The hub stopped answering (it died, or the connection broke) after some receipts: the events it
 * receipted are stored; those sent after them may or may not be (re-sending them is safe when
 * they carry an id or idempotencyKey, which the hub dedupes).
 */
function connectionLost(server: { url: string }, progress: RemoteProgress, cause: unknown): HubError {
  const reason = (cause as Error)?.message ?? String(cause)
  const from = progress.firstUnanswered === undefined ? '' : ` from line ${progress.firstUnanswered} on`
  return new HubError(
    'E_DEPENDENCY_UNAVAILABLE',
    `the hub at ${server.url} stopped answering (${reason}) after ${progress.receipted} of ${progress.sent} sent events were receipted; the events${from} were not confirmed and may or may not be stored (check with \`localhub events replay\`)`,
    {
      cause,
      details: {
        receipted: progress.receipted,
        sent: progress.sent,
        firstUnanswered: progress.firstUnanswered,
      },
    },
  )
}

/** The file line number of the `index`-th line sent in a request (its runs' numbers in order). */
function lineAt(sentRuns: readonly number[][], index: number): number | undefined {
  let rest = index
  for (const numbers of sentRuns) {
    if (rest < numbers.length) return numbers[rest]
    rest -= numbers.length
  }
  return undefined
}

async function publishRemote(
  segments: AsyncIterable<BodySegment[]>,
  dataDir: string,
  io: CommandIo,
  onReceipt: (receipt: PublishReceipt) => void,
  onBatchDone: BatchDone,
): Promise<boolean> {
  const server = serverFor(dataDir)!
  let failed = false
  const progress: RemoteProgress = { sent: 0, receipted: 0, firstUnanswered: undefined }
  const iterator = segments[Symbol.asyncIterator]()
  // Segments read and not yet sent (a chunk read can cross a request's line limit).
  let waiting: BodySegment[] = []
  let at = 0
  let ended = false
  const refuse = (line: number) => {
    failed = true
    lineFailure(io, line, notUtf8Error())
  }
  /**
   * True when a run of lines is waiting to be sent (reading the next chunk if none is). Lines that
   * are not UTF-8 are reported and passed over here, so a request never opens with nothing to send.
   */
  const hasRun = async (): Promise<boolean> => {
    for (;;) {
      while (at >= waiting.length && !ended) {
        const next = await iterator.next()
        if (next.done) ended = true
        else {
          waiting = next.value
          at = 0
        }
      }
      const item = waiting[at]
      if (item === undefined) return false
      if (item.kind === 'run') return true
      refuse(item.line)
      at++
    }
  }
  // The next line is read before a request is opened, so an empty request is never sent.
  while (await hasRun()) {
    // Line numbers of this request's lines in the order sent, a run's at a time: the answer comes
    // in the same order.
    const sentRuns: number[][] = []
    let count = 0
    const body = async function* (): AsyncGenerator<Buffer> {
      while (count < LINES_PER_REQUEST && (await hasRun())) {
        // One piece of the body per chunk read (its runs together), cut at the request's line limit.
        const pieces: Buffer[] = []
        for (; at < waiting.length && count < LINES_PER_REQUEST; at++) {
          const item = waiting[at]!
          if (item.kind === 'refused') {
            refuse(item.line)
            continue
          }
          const room = LINES_PER_REQUEST - count
          if (item.sent.length <= room) {
            pieces.push(item.bytes)
            sentRuns.push(item.sent)
            count += item.sent.length
            progress.sent += item.sent.length
            continue
          }
          // The rest of the run waits for the next request.
          const last = item.sent[room - 1]!
          const end = runEndAfter(item, last)
          pieces.push(item.bytes.subarray(0, end))
          sentRuns.push(item.sent.slice(0, room))
          count += room
          progress.sent += room
          waiting[at] = {
            kind: 'run',
            bytes: item.bytes.subarray(end),
            first: last + 1,
            sent: item.sent.slice(room),
          }
          break
        }
        if (pieces.length > 0) yield pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces)
      }
    }
    let answered = 0
    try {
      for await (const outcomes of postEventBatches(server, body())) {
        for (const outcome of outcomes) {
          const index = answered++
          if (outcome.ok) {
            progress.receipted++
            onReceipt(outcome.data)
          } else {
            failed = true
            writeLine(io.stderr, JSON.stringify({ line: lineAt(sentRuns, index) ?? 0, error: outcome.error }))
          }
        }
        onBatchDone()
      }
    } catch (cause) {
      onBatchDone()
      // Not a hub at all: its refusal says nothing of this request was stored (decision 2082).
      if (cause instanceof HubError && cause.details?.notAHub === true) throw cause
      progress.firstUnanswered = lineAt(sentRuns, answered)
      throw connectionLost(server, progress, cause)
    }
    if (answered < count) {
      progress.firstUnanswered = lineAt(sentRuns, answered)
      throw connectionLost(
        server,
        progress,
        new Error(`the answer ended after ${answered} of ${count} results`),
      )
    }
  }
  return !failed
}

/**
 * Publishes the NDJSON lines of FILE (or - for stdin) through the running server or the data
 * directory; failures go to stderr with their line. True when every line was published.
 * `onBatchDone` follows each batch of receipts (a caller printing them writes once per batch).
 */
export async function publishLines(
  file: string,
  dataDir: string,
  io: CommandIo,
  onReceipt: (receipt: PublishReceipt) => void,
  onBatchDone: BatchDone = () => {},
): Promise<boolean> {
  const source = file === '-' ? io.stdin : createReadStream(inputFilePath(file, io.cwd))
  // A running hub is sent the file's bytes, a run of lines at a time (decision 2088).
  if (serverFor(dataDir))
    return await publishRemote(readBodySegments(source), dataDir, io, onReceipt, onBatchDone)
  // The iterator is taken now, so lines read while the bus opens are buffered, not lost.
  const iterator = readNumberedLines(source)
  const lines: AsyncIterable<NumberedLine[]> = { [Symbol.asyncIterator]: () => iterator }
  return await publishLocal(lines, dataDir, io, onReceipt, onBatchDone)
}

export const run: CommandGroup = async (args, io) => {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { data: { type: 'string' }, help: { type: 'boolean' } },
      allowPositionals: true,
    })
    if (values.help) {
      writeLine(io.stdout, USAGE)
      return 0
    }
    if (positionals.length !== 1) throw new Error('give one FILE, or - for stdin')
    // A batch's receipts are printed in one write, after the batch (not a write per line).
    let printed = ''
    const published = await publishLines(
      positionals[0]!,
      dataDirOf(values.data, io),
      io,
      (receipt) => {
        printed += receiptLine(receipt)
      },
      () => {
        if (printed !== '') io.stdout.write(printed)
        printed = ''
      },
    )
    return published ? 0 : 1
  } catch (error) {
    return reportFailure(io, 'publish', error, USAGE)
  }
}
