import { existsSync } from 'node:fs'
import { join } from 'node:path'
import {
  adoptUnwitnessedTail,
  LEDGER_FILE_NAME,
  type LedgerEntry,
  type LedgerReader,
  openLedgerReader,
  recoverUnwitnessedTail,
  type TailResolution,
} from '../../ledger/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, type CommandIo, guardCommand, UsageError, writeLine } from '../io.ts'
import { dataDirFor } from './data-dir.ts'

const USAGE = [
  'usage: localhub ledger <verb> [options]',
  '',
  '  verify [--allow-unwitnessed-tail] [--json]        check the hash chain, signed checkpoints and head witness',
  '  show   [--trace ID] [--limit N] [--from I] [--json]  entries, oldest first (default: the newest 20)',
  '  recover [--json]                                  archive, then remove, entries after the witnessed head',
  '  adopt   [--by NAME] [--json]                      vouch for entries after the witnessed head (signed entry)',
  '',
  'verify and show read <data>/ledger.sqlite and <data>/keys (--data DIR, default ~/.local/share/localhub) without',
  'changing them. verify exits 0 when the ledger is intact and 1 with the first broken entry otherwise;',
  'entries after the witnessed head (rows the hub did not write) count as broken unless',
  '--allow-unwitnessed-tail. The hub refuses to start on such a ledger (LEDGER_UNWITNESSED_TAIL):',
  'stop the hub, then recover (rows go to <data>/ledger-archive/) or adopt them (decision 1320).',
].join('\n')

const OPTIONS = {
  data: { type: 'string' },
  trace: { type: 'string' },
  limit: { type: 'string' },
  from: { type: 'string' },
  json: { type: 'boolean' },
  'allow-unwitnessed-tail': { type: 'boolean' },
  by: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

const DEFAULT_CLI_SHOW_LIMIT = 20

function integerOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d{1,9}$/.test(value))
    throw new UsageError(`--${name} must be a non-negative integer, got '${value}'`)
  return Number(value)
}

function formatEntry(entry: LedgerEntry): string {
  const decision =
    entry.decision === undefined ? '' : ` ${entry.decision}${entry.decidedBy ? ` by ${entry.decidedBy}` : ''}`
  const outcome =
    entry.outcome === undefined ? '' : ` ${entry.outcome}${entry.errorCode ? ` (${entry.errorCode})` : ''}`
  return `${entry.index}  ${entry.ts}  ${entry.traceId}  ${entry.actorSkill}  ${entry.action}${outcome}${decision}  ${entry.targets.join(', ')}`
}

const VERBS = new Set(['verify', 'show', 'recover', 'adopt'])

function describeResolution(result: TailResolution): string {
  const range = `entries ${result.from}..${result.to}`
  if (result.action === 'none') return 'nothing to do: every entry is accounted for by the head witness'
  if (result.action === 'recovered')
    return `removed ${range} after the witnessed head; archived in ${result.archivePath}`
  return `adopted ${range}; recorded as entry ${result.head?.index} and signed`
}

async function execute(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  if (printedHelp(values, io, USAGE)) return 0
  const [verb, ...rest] = positionals
  if (verb === undefined) throw new UsageError('missing verb')
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`)
  if (!VERBS.has(verb)) throw new UsageError(`unknown verb '${verb}'`)
  const dataDir = dataDirFor(values.data, io)
  const limit = integerOption(values.limit, 'limit')
  const from = integerOption(values.from, 'from')
  if (!existsSync(join(dataDir, LEDGER_FILE_NAME))) {
    if (verb === 'show') {
      if (values.json === true) writeLine(io.stdout, JSON.stringify({ entries: [] }))
      else writeLine(io.stderr, `no ledger in ${dataDir}`)
      return 0
    }
    writeLine(io.stderr, `localhub ledger: no ledger at ${join(dataDir, LEDGER_FILE_NAME)}`)
    return 1
  }
  if (verb === 'recover' || verb === 'adopt') {
    const result =
      verb === 'recover'
        ? recoverUnwitnessedTail({ dataDir })
        : adoptUnwitnessedTail({ dataDir, decidedBy: values.by ?? 'user' })
    if (values.json === true) writeLine(io.stdout, JSON.stringify(result))
    else writeLine(io.stdout, describeResolution(result))
    return 0
  }
  let reader: LedgerReader | undefined
  try {
    reader = openLedgerReader({ dataDir })
    if (verb === 'show') {
      const entries = reader.show({
        limit: limit ?? DEFAULT_CLI_SHOW_LIMIT,
        ...(values.trace === undefined ? {} : { traceId: values.trace }),
        ...(from === undefined ? {} : { from }),
      })
      if (values.json === true) writeLine(io.stdout, JSON.stringify({ entries }))
      else for (const entry of entries) writeLine(io.stdout, formatEntry(entry))
      return 0
    }
    const report = reader.verify({ allowUnwitnessedTail: values['allow-unwitnessed-tail'] === true })
    if (values.json === true) writeLine(io.stdout, JSON.stringify(report))
    else {
      const summary = `${report.entries} entries, ${report.checkpoints} signed checkpoints`
      if (report.ok) writeLine(io.stdout, `ledger ok: ${summary}, head ${report.head?.index ?? '-'}`)
      else
        writeLine(
          io.stdout,
          `ledger BROKEN at entry ${report.broken!.index} (${report.broken!.kind}): ${report.broken!.message}`,
        )
      for (const warning of report.warnings) writeLine(io.stderr, `warning: ${warning}`)
    }
    return report.ok ? 0 : 1
  } finally {
    reader?.close()
  }
}

export const run: CommandGroup = guardCommand('ledger', USAGE, execute)
