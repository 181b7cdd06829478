import type { ReplayOptions } from '../../bus/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import type { CommandGroup } from '../io.ts'
import {
  dataDirOf,
  eventQueryOf,
  openLocalBus,
  parseCount,
  parsePosition,
  printEvent,
  QUERY_FLAGS,
  reportFailure,
  serverFor,
} from './events-bus-access.ts'
import { hubEvents } from './hub-events.ts'

const USAGE = [
  'usage: localhub events replay [PATTERN] [--from SEQ|TIME] [--to SEQ|TIME] [--type PATTERN]',
  '         [--trace ID] [--session ID] [--source NAME] [--since TIME] [--until TIME] [--limit N]',
  '         [--json] [--data DIR]',
  '',
  '  Prints stored events in seq order (ephemeral events are never stored). PATTERN is a type',
  '  pattern with NATS wildcards: chat.* (one token), voice.> (the rest); --type and --filter are',
  '  the same. Each of --trace, --session, --source, --type, --since reads an index. --limit N',
  '  (default: all) is read through a running hub page by page. --json prints NDJSON.',
].join('\n')

export const run: CommandGroup = async (args, io) => {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        ...QUERY_FLAGS,
        limit: { type: 'string' },
        json: { type: 'boolean' },
        data: { type: 'string' },
        help: { type: 'boolean' },
      },
      allowPositionals: true,
    })
    if (printedHelp(values, io, USAGE)) return 0
    if (positionals.length > 1) throw new Error('give at most one PATTERN')
    const options: ReplayOptions = {}
    if (values.from !== undefined) options.from = parsePosition(values.from, '--from')
    if (values.to !== undefined) options.to = parsePosition(values.to, '--to')
    const query = eventQueryOf(values, positionals[0])
    Object.assign(options, query)
    const limit = parseCount(values.limit, '--limit')
    if (limit !== undefined) options.limit = limit
    const dataDir = dataDirOf(values.data, io)
    const server = serverFor(dataDir)
    if (server !== undefined) {
      const position = (value: ReplayOptions['from']) =>
        value === undefined ? undefined : 'seq' in value ? value.seq : String(value.time)
      const positions = { from: position(options.from), to: position(options.to) }
      for await (const event of hubEvents(server, { ...positions, ...query }, limit)) {
        printEvent(io.stdout, event, values.json === true)
      }
      return 0
    }
    const bus = await openLocalBus(dataDir, io, { mustExist: true })
    try {
      for await (const event of bus.replay(options)) printEvent(io.stdout, event, values.json === true)
    } finally {
      await bus.close()
    }
    return 0
  } catch (error) {
    return reportFailure(io, 'replay', error, USAGE)
  }
}
