import type { Bus, SubscribeOptions } from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import type { CommandGroup } from '../io.ts'
import {
  dataDirOf,
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
import { hubEvents } from './hub-events.ts'

const USAGE = [
  'usage: localhub events tail [PATTERN] [--from SEQ|TIME] [--to SEQ] [--type PATTERN] [--trace ID]',
  '         [--session ID] [--source NAME] [--since TIME] [--until TIME] [--json] [--count N] [--data DIR]',
  '',
  '  Follows stored events as they are committed (by this or any other process), from now or',
  '  from --from (or --since), narrowed by type PATTERN, trace, session, source and time. Stops',
  '  after --count events, once the log reaches seq --to, once --until has passed, or on Ctrl-C.',
].join('\n')

const POLL_MS = 250

/** Where a bounded or remote tail reads: GET /events on the running hub, or the local log. */
type ReadPage = (from: number | string, limit: number) => AsyncIterable<Envelope>

/**
 * Follows the log by reading pages after the last seq shown (the running hub's GET /events, or a
 * replay of the local log), sleeping when there is nothing new. `reached` says whether the log is
 * at or past the --to seq (every event up to it is stored, so the tail is complete).
 */
async function tailByPages(
  read: ReadPage,
  from: number | string,
  emit: (event: Envelope) => boolean,
  stopped: () => boolean,
  done: () => Promise<boolean>,
) {
  let next: number | string = from
  while (!stopped()) {
    let got = 0
    for await (const event of read(next, 1000)) {
      got++
      next = (event.seq ?? 0) + 1
      if (!emit(event)) return
    }
    if (got === 0) {
      if (await done()) return
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  }
}

export const run: CommandGroup = async (args, io) => {
  let bus: Bus | undefined
  // Released in `finally` on every way out: its keep-alive timer held the process after an error.
  const waiting = untilStopped()
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        ...QUERY_FLAGS,
        json: { type: 'boolean' },
        count: { type: 'string' },
        data: { type: 'string' },
        help: { type: 'boolean' },
      },
      allowPositionals: true,
    })
    if (printedHelp(values, io, USAGE)) return 0
    if (positionals.length > 1) throw new Error('give at most one PATTERN')
    const query = eventQueryOf(values, positionals[0])
    const { filter = '>', since, until, ...keys } = query
    const limit = parseCount(values.count, '--count')
    const from = values.from === undefined ? undefined : parsePosition(values.from, '--from')
    if (from !== undefined && 'time' in from && since !== undefined)
      throw new Error('give --since or a time in --from, not both')
    const to = values.to === undefined ? undefined : parseCount(values.to, '--to')
    const untilMs = until === undefined ? undefined : Date.parse(until)
    const dataDir = dataDirOf(values.data, io)
    let printed = 0
    const emit = (event: Envelope): boolean => {
      if (!matchesEventKeys(event, keys)) return true
      if (to !== undefined && (event.seq ?? 0) > to) return false
      if (untilMs !== undefined && Date.parse(event.ts) > untilMs) return true
      if (limit !== undefined && printed >= limit) return false
      printEvent(io.stdout, event, values.json === true)
      if (limit !== undefined && ++printed >= limit) waiting.stop()
      return true
    }
    const server = serverFor(dataDir)
    const bounded = to !== undefined || until !== undefined || since !== undefined
    if (server === undefined && !bounded) {
      bus = await openLocalBus(dataDir, io)
      const options: SubscribeOptions = { from: from ?? 'new', maxAckPending: 1000 }
      await bus.subscribe(filter, (event) => void emit(event), options)
      await waiting.done
      return 0
    }
    // Remote, or bounded: pages of the log after the last seq shown (decision 1626).
    let read: ReadPage
    if (server !== undefined) {
      read = (next, pageLimit) =>
        hubEvents(
          server,
          {
            from: next,
            ...(to === undefined ? {} : { to }),
            ...(filter === '>' ? {} : { filter }),
            ...keys,
            ...(since === undefined ? {} : { since }),
            ...(until === undefined ? {} : { until }),
          },
          pageLimit,
        )
    } else {
      const local = await openLocalBus(dataDir, io)
      bus = local
      read = (next, pageLimit) =>
        local.replay({
          from: typeof next === 'number' ? { seq: next } : { time: next },
          ...(to === undefined ? {} : { to: { seq: to } }),
          filter,
          ...keys,
          ...(since === undefined ? {} : { since }),
          ...(until === undefined ? {} : { until }),
          limit: pageLimit,
        })
    }
    // Any stored event at or after --to (whatever its type) means every event up to it is stored.
    const reachedTo = async () => {
      if (to === undefined) return false
      const probe =
        server !== undefined
          ? hubEvents(server, { from: to }, 1)
          : bus!.replay({ from: { seq: to }, limit: 1 })
      for await (const _ of probe) return true
      return false
    }
    const done = async () => (await reachedTo()) || (untilMs !== undefined && Date.now() > untilMs)
    let stopped = false
    void waiting.done.then(() => {
      stopped = true
    })
    // --since alone starts at the first seq (the time index finds where); nothing at all: from now.
    const start =
      from !== undefined
        ? 'seq' in from
          ? from.seq
          : from.time
        : since !== undefined
          ? 1
          : new Date().toISOString()
    await Promise.race([tailByPages(read, start, emit, () => stopped, done), waiting.done])
    return 0
  } catch (error) {
    // A hub that went away ends the tail (exit 1); it does not reconnect (docs/cli.md).
    return reportFailure(io, 'tail', error, USAGE)
  } finally {
    waiting.stop()
    await bus?.close()
  }
}
