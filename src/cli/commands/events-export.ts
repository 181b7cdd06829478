import type { HubServer, ReplayOptions } from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, type CommandIo, writeLine } from '../io.ts'
import {
  dataDirOf,
  type EventQuery,
  eventQueryOf,
  openLocalBus,
  parsePosition,
  QUERY_FLAGS,
  reportFailure,
  serverFor,
} from './events-bus-access.ts'
import { hubEvents } from './hub-events.ts'

const USAGE = [
  'usage: localhub events export [PATTERN] [--trace ID] [--session ID] [--since TIME] [--until TIME]',
  '         [--type PATTERN] [--source NAME] [--from SEQ] [--to SEQ] [--data DIR] > slice.ndjson',
  '',
  '  Writes the matching stored events, in seq order, one envelope per line: the stored form, so',
  '  guardrails were applied before anything reached the log and nothing redacted comes back out.',
  '  PATTERN is a type pattern (chat.*, voice.>), the same as --type and --filter.',
  '  `localhub events import slice.ndjson` publishes them into another (or the same) log.',
].join('\n')

async function exportRemote(io: CommandIo, server: HubServer, query: EventQuery, from: number, to?: number) {
  let count = 0
  for await (const event of hubEvents(server, { ...query, from, ...(to === undefined ? {} : { to }) })) {
    writeLine(io.stdout, JSON.stringify(event))
    count++
  }
  return count
}

export const run: CommandGroup = async (args, io) => {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        ...QUERY_FLAGS,
        from: { type: 'string' },
        to: { type: 'string' },
        data: { type: 'string' },
        help: { type: 'boolean' },
      },
      allowPositionals: true,
    })
    if (printedHelp(values, io, USAGE)) return 0
    if (positionals.length > 1) throw new Error('give at most one PATTERN')
    const query = eventQueryOf(values, positionals[0])
    const seqOf = (value: string | undefined, flag: string) => {
      if (value === undefined) return undefined
      const position = parsePosition(value, flag)
      if (!('seq' in position)) throw new Error(`${flag} takes a seq; use --since/--until for times`)
      return position.seq
    }
    const from = seqOf(values.from, '--from') ?? 1
    const to = seqOf(values.to, '--to')
    const dataDir = dataDirOf(values.data, io)
    const server = serverFor(dataDir)
    let count: number
    if (server !== undefined) count = await exportRemote(io, server, query, from, to)
    else {
      const bus = await openLocalBus(dataDir, io, { mustExist: true })
      try {
        const options: ReplayOptions = {
          ...query,
          from: { seq: from },
          ...(to === undefined ? {} : { to: { seq: to } }),
        }
        count = 0
        for await (const event of bus.replay(options) as AsyncIterable<Envelope>) {
          writeLine(io.stdout, JSON.stringify(event))
          count++
        }
      } finally {
        await bus.close()
      }
    }
    writeLine(io.stderr, `exported ${count} events`)
    return 0
  } catch (error) {
    return reportFailure(io, 'export', error, USAGE)
  }
}
