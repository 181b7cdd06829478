import { migrateLogToNats } from '../../bus-factory/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, guardCommand, UsageError, writeLine } from '../io.ts'
import { wholeNumberFlag } from '../number-flag.ts'
import { checkHubDataDir, DATA_DIR_HELP, dataDirFor } from './data-dir.ts'

const USAGE = [
  'usage: localhub events migrate --to nats://HOST:PORT [--hub-id ID] [--data DIR] [--batch N]',
  '',
  "  Copies the data directory's SQLite log (events.sqlite) into the hub's stream LH_<ID> on NATS.",
  '  Stop the hub first. Into a new stream ids and seqs are kept; into a stream that already holds',
  '  events the copies are appended (ids kept, new seqs). Interrupted, it resumes where it stopped',
  '  (progress in <data>/nats/migrate-<ID>.json). Each session continues its sessionSeq after the copy.',
  '  Credentials: <data>/nats/hub.password (written by `localhub nats up --role hub`), if present.',
  '',
  '  --to URL      the NATS server (tls://… for TLS)',
  '  --hub-id ID   the hub id (default LOCALHUB_HUB_ID, else local)',
  `  --data DIR    data directory (${DATA_DIR_HELP})`,
  '  --batch N     publishes in flight at once (default 500)',
].join('\n')

export const run: CommandGroup = guardCommand('events migrate', USAGE, async (args, io) => {
  const { values } = parseArgs({
    args,
    options: {
      to: { type: 'string' },
      'hub-id': { type: 'string' },
      data: { type: 'string' },
      batch: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (printedHelp(values, io, USAGE)) return 0
  // Mistakes in the call are usage errors (exit 2), found before the log is opened.
  if (values.to === undefined) throw new UsageError('--to nats://HOST:PORT is required')
  const batch =
    values.batch === undefined ? undefined : wholeNumberFlag(values.batch, '--batch', { min: 1, max: 10_000 })
  const dataDir = dataDirFor(values.data, io)
  checkHubDataDir(dataDir, { mustExist: true })
  let shown = 0
  const result = await migrateLogToNats({
    dataDir,
    to: values.to,
    ...(values['hub-id'] === undefined ? {} : { hubId: values['hub-id'] }),
    env: io.env,
    ...(batch === undefined ? {} : { batchSize: batch }),
    onProgress: (progress) => {
      // A line per tenth, so a long copy shows it is moving.
      const tenth = Math.floor((progress.copied * 10) / Math.max(progress.total, 1))
      if (tenth > shown && progress.copied < progress.total) {
        shown = tenth
        writeLine(
          io.stderr,
          `copied ${progress.copied} of ${progress.total} (source seq ${progress.lastSourceSeq})`,
        )
      }
    },
  })
  writeLine(
    io.stdout,
    `copied ${result.copied} events into ${result.stream}${result.resumed ? ' (resumed)' : ''}; ` +
      `${result.preserveSeqs ? 'seqs kept' : 'appended with new seqs'}; ` +
      `${result.sessionsRaised} session counters raised. Now: localhub serve --bus ${values.to} --hub-id ${result.hubId}`,
  )
  return 0
})
