import { parseArgs } from 'node:util'
import { type Bus, getEvents, type HubServer, type SubscribeOptions } from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import { type CommandGroup, writeLine } from '../io.ts'
import {
  dataDirOf,
  type EventQuery,
  eventQueryOf,
  matchesEventKeys,
  openLocalBus,
  parseCount,
  parsePosition,
  printEvent,
  QUERY_FLAGS,
  reportFailure,
  serverFor,
  untilStopped,
} from './events-bus-access.ts'

const USAGE = [
  'usage: localhub events tail [PATTERN] [--from SEQ|TIME] [--trace ID] [--session ID] [--source NAME]',
  '         [--json] [--count N] [--data DIR]',
  '',
  '  Follows stored events as they are committed (by this or any other process), from now or',
  '  from --from, narrowed by type PATTERN, trace, session or source. Stops after --count events,',
  '  or on Ctrl-C.',
].join('\n')

const REMOTE_POLL_MS = 250

async function tailRemote(
  server: HubServer,
  filter: string,
  keys: EventQuery,
  from: number | string,
  emit: (event: Envelope) => boolean,
  stopped: () => boolean,
) {
  let next: number | string = from
  while (!stopped()) {
    let got = 0
    for await (const event of getEvents(server, {
      from: next,
      filter: filter === '>' ? undefined : filter,
      ...keys,
      limit: 1000,
    })) {
      got++
      next = (event.seq ?? 0) + 1
      if (!emit(event)) return
    }
    if (got === 0) await new Promise((resolve) => setTimeout(resolve, REMOTE_POLL_MS))
  }
}

export const run: CommandGroup = async (args, io) => {
  let bus: Bus | undefined
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        from: { type: 'string' },
        trace: QUERY_FLAGS.trace,
        session: QUERY_FLAGS.session,
        source: QUERY_FLAGS.source,
        json: { type: 'boolean' },
        count: { type: 'string' },
        data: { type: 'string' },
        help: { type: 'boolean' },
      },
      allowPositionals: true,
    })
    if (values.help) {
      writeLine(io.stdout, USAGE)
      return 0
    }
    if (positionals.length > 1) throw new Error('give at most one PATTERN')
    const filter = positionals[0] ?? '>'
    const keys = eventQueryOf({ trace: values.trace, session: values.session, source: values.source })
    const limit = parseCount(values.count, '--count')
    const from = values.from === undefined ? undefined : parsePosition(values.from, '--from')
    const dataDir = dataDirOf(values.data, io)
    const waiting = untilStopped()
    let printed = 0
    const emit = (event: Envelope): boolean => {
      if (!matchesEventKeys(event, keys)) return true
      if (limit !== undefined && printed >= limit) return false
      printEvent(io.stdout, event, values.json === true)
      if (limit !== undefined && ++printed >= limit) waiting.stop()
      return true
    }
    const server = serverFor(dataDir)
    if (server !== undefined) {
      let stopped = false
      void waiting.done.then(() => {
        stopped = true
      })
      const start = from === undefined ? new Date().toISOString() : 'seq' in from ? from.seq : from.time
      await Promise.race([tailRemote(server, filter, keys, start, emit, () => stopped), waiting.done])
      waiting.stop()
      return 0
    }
    bus = await openLocalBus(dataDir, io)
    const options: SubscribeOptions = { from: from ?? 'new', maxAckPending: 1000 }
    await bus.subscribe(filter, (event) => void emit(event), options)
    await waiting.done
    return 0
  } catch (error) {
    return reportFailure(io, 'tail', error, USAGE)
  } finally {
    await bus?.close()
  }
}
