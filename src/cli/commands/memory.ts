import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { type MemoryEntry, type MemoryStore, openMemoryStore } from '../../skills/memory/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, type CommandIo, guardCommand, UsageError, writeLine } from '../io.ts'
import { parseTimeFlag } from '../time-flag.ts'
import { dataDirFor } from './data-dir.ts'
import { SCRUB_USAGE_LINE, scrubVerb } from './memory-scrub.ts'

const USAGE = [
  'usage: localhub memory <verb> [options]',
  '',
  '  list   [--session S] [--limit N] [--before TS] [--json]   episodes and facts, newest first',
  '  delete ID                                                one episode (with its facts) or one fact',
  '  forget [--session S]                                     delete everything, or one session',
  SCRUB_USAGE_LINE,
  '',
  'Works directly on <data>/memory.sqlite (--data DIR, default ~/.local/share/localhub). Memory is the one place the',
  'hub keeps raw conversation text; deleting here removes the bytes from the file.',
].join('\n')

const OPTIONS = {
  data: { type: 'string' },
  session: { type: 'string' },
  limit: { type: 'string' },
  before: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

function oneLine(text: string, max = 100): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`
}

function formatEntry(entry: MemoryEntry): string {
  const label = entry.kind === 'fact' ? `fact:${entry.factKind}` : 'episode'
  return `${entry.id}  ${entry.ts}  ${entry.sessionId}  ${label}  ${oneLine(entry.text)}`
}

function integerOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a positive integer, got '${value}'`)
  return Number(value)
}

async function execute(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  const [verb, ...rest] = positionals
  if (printedHelp(values, io, USAGE)) return 0
  if (verb === undefined) throw new UsageError('missing verb')
  const path = join(dataDirFor(values.data, io), 'memory.sqlite')
  const present = existsSync(path)
  const withStore = <T>(use: (store: MemoryStore) => T): T => {
    const store = openMemoryStore({ path })
    try {
      return use(store)
    } finally {
      store.close()
    }
  }

  switch (verb) {
    case 'list': {
      if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`)
      const limit = integerOption(values.limit, 'limit')
      // Digits are milliseconds since the epoch; anything else must be a time (refused up front).
      const before =
        values.before === undefined
          ? undefined
          : /^\d+$/.test(values.before)
            ? Number(values.before)
            : parseTimeFlag(values.before, '--before')
      const entries = present
        ? withStore((store) =>
            store.list({
              ...(values.session === undefined ? {} : { sessionId: values.session }),
              ...(limit === undefined ? {} : { limit }),
              ...(before === undefined ? {} : { before }),
            }),
          )
        : []
      if (values.json === true) writeLine(io.stdout, JSON.stringify({ entries }))
      else if (entries.length === 0) writeLine(io.stderr, `no memories in ${path}`)
      else for (const entry of entries) writeLine(io.stdout, formatEntry(entry))
      return 0
    }
    case 'delete': {
      if (rest.length !== 1) throw new UsageError('delete takes exactly one id (see `localhub memory list`)')
      const id = rest[0]!
      const deleted = present && withStore((store) => store.delete(id))
      if (!deleted) {
        writeLine(io.stderr, `localhub memory: no memory with id '${id}' in ${path}`)
        return 1
      }
      writeLine(io.stdout, `deleted ${id}`)
      return 0
    }
    case 'forget': {
      if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`)
      const result = present
        ? withStore((store) =>
            store.forgetAll(values.session === undefined ? {} : { sessionId: values.session }),
          )
        : { episodes: 0, facts: 0 }
      const scope = values.session === undefined ? 'all sessions' : `session '${values.session}'`
      writeLine(io.stdout, `forgot ${result.episodes} episodes and ${result.facts} facts (${scope})`)
      return 0
    }
    case 'scrub':
      return scrubVerb(rest, io, path, present, withStore)
    default:
      throw new UsageError(`unknown verb '${verb}'`)
  }
}

export const run: CommandGroup = guardCommand('memory', USAGE, execute)
