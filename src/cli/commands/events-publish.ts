import { createReadStream } from 'node:fs'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { type PublishReceipt, postEvents } from '../../bus/index.ts'
import { HubError, type Result, toHubError } from '../../contracts/index.ts'
import { detectDialect, toCanonical } from '../../dialects/index.ts'
import { type CommandGroup, type CommandIo, writeLine } from '../io.ts'
import { dataDirOf, openLocalBus, reportFailure, serverFor } from './events-bus-access.ts'

const USAGE = [
  'usage: localhub events publish <FILE|-> [--data DIR]',
  '',
  '  Publishes NDJSON envelopes (canonical, Pinchy v1, AdaOS, Denis or CloudEvents; detected per',
  '  line) and prints one receipt {"id","seq"} per line as each commits. Failures go to stderr as',
  '  {"line":N,"error":{...}}; the others are published all the same; the exit code is then 1.',
  '  Uses the running server (server.json) when there is one, else the data directory. When the',
  '  server stops answering mid-stream, it says how many events were receipted and exits 1.',
].join('\n')

// Lines in flight at once: enough for group commit to batch, small enough to bound memory.
const WINDOW = 1000

/** Foreign dialects become canonical here; canonical drafts go to the bus as they are (it fills ids). */
function toDraft(value: unknown): unknown {
  const { dialect } = detectDialect(value)
  return dialect === 'canonical' || dialect === 'unknown' ? value : toCanonical(dialect, value)
}

function lineFailure(io: CommandIo, line: number, error: unknown): void {
  const failure = toHubError(error, 'E_BAD_REQUEST').toJSON()
  writeLine(io.stderr, JSON.stringify({ line, error: failure }))
}

function printReceipt(io: CommandIo, receipt: PublishReceipt): void {
  const shown: Record<string, unknown> = { id: receipt.id, seq: receipt.seq ?? null }
  if (receipt.duplicate) shown.duplicate = true
  writeLine(io.stdout, JSON.stringify(shown))
}

async function publishLocal(lines: AsyncIterable<string>, dataDir: string, io: CommandIo): Promise<boolean> {
  const bus = await openLocalBus(dataDir, io)
  let failed = false
  const window: { line: number; result: Promise<Result<PublishReceipt>> }[] = []
  const drainOne = async () => {
    const { line, result } = window.shift()!
    const outcome = await result
    if (outcome.ok) printReceipt(io, outcome.data)
    else {
      failed = true
      writeLine(io.stderr, JSON.stringify({ line, error: outcome.error }))
    }
  }
  try {
    let number = 0
    for await (const text of lines) {
      number++
      if (text.trim() === '') continue
      let draft: unknown
      try {
        draft = toDraft(JSON.parse(text))
      } catch (error) {
        // Earlier lines print first, so output stays in input order.
        while (window.length > 0) await drainOne()
        failed = true
        lineFailure(io, number, error)
        continue
      }
      window.push({ line: number, result: bus.publishManyUntyped([draft]).then(([outcome]) => outcome!) })
      if (window.length >= WINDOW) await drainOne()
    }
    while (window.length > 0) await drainOne()
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

async function publishRemote(lines: AsyncIterable<string>, dataDir: string, io: CommandIo): Promise<boolean> {
  const server = serverFor(dataDir)!
  let failed = false
  let batch: { line: number; text: string }[] = []
  const progress: RemoteProgress = { sent: 0, receipted: 0, firstUnanswered: undefined }
  const send = async () => {
    let index = 0
    progress.sent += batch.length
    try {
      for await (const outcome of postEvents(
        server,
        batch.map((item) => item.text),
      )) {
        const line = batch[index++]?.line ?? 0
        if (outcome.ok) {
          progress.receipted++
          printReceipt(io, outcome.data)
        } else {
          failed = true
          writeLine(io.stderr, JSON.stringify({ line, error: outcome.error }))
        }
      }
    } catch (cause) {
      progress.firstUnanswered = batch[index]?.line
      throw connectionLost(server, progress, cause)
    }
    if (index < batch.length) {
      progress.firstUnanswered = batch[index]?.line
      throw connectionLost(
        server,
        progress,
        new Error(`the answer ended after ${index} of ${batch.length} results`),
      )
    }
    batch = []
  }
  let number = 0
  for await (const text of lines) {
    number++
    if (text.trim() !== '') batch.push({ line: number, text })
    if (batch.length >= WINDOW) await send()
  }
  if (batch.length > 0) await send()
  return !failed
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
    const source = positionals[0] === '-' ? io.stdin : createReadStream(resolve(io.cwd, positionals[0]!))
    // The iterator is taken now, so lines read while the bus opens are buffered, not lost.
    const iterator = createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY })[
      Symbol.asyncIterator
    ]()
    const lines: AsyncIterable<string> = { [Symbol.asyncIterator]: () => iterator }
    const dataDir = dataDirOf(values.data, io)
    const published = serverFor(dataDir)
      ? await publishRemote(lines, dataDir, io)
      : await publishLocal(lines, dataDir, io)
    return published ? 0 : 1
  } catch (error) {
    return reportFailure(io, 'publish', error, USAGE)
  }
}
