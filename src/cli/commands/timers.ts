import { HubError } from '../../contracts/index.ts'
import { parseArgs } from '../args.ts'
import { isHelpWord, printedHelp, verbUsage } from '../help.ts'
import { type CommandGroup, type CommandIo, guardCommand, UsageError, writeLine } from '../io.ts'
import { DATA_DIR_HELP, dataDirFor } from './data-dir.ts'
import { serverFor } from './events-bus-access.ts'
import { callTimers, type TimerListing } from './timers-client.ts'

const USAGE = `usage: localhub timers <list|add|rm|run> [options]

Manages the running hub's timers (skill.scheduler; start the hub with \`localhub serve\`).

  localhub timers list [--json]
  localhub timers add ID (--cron EXPR | --at TIME | --every DURATION) [options]
      --event TYPE      timer.tick (default), cron.triggered or heartbeat.tick
      --name NAME       the job's name (cron.triggered's job_name)
      --timezone TZ     an IANA zone for --cron (default: the hub's)
      --missed POLICY   runs missed while the hub was down: skip (default), once or catch_up
      --input JSON      an object handed to the job
  localhub timers rm ID        removes a timer added here or over HTTP (manifest timers stay)
  localhub timers run ID       fires a timer now (its schedule is unchanged)

  DURATION is milliseconds or a number with ms, s, m, h or d (e.g. 90s, 15m, 1h); at least 1s.
  --data DIR  data directory of the running hub (${DATA_DIR_HELP})`

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

/** "90s", "15m", "1h", "2500" (milliseconds) to milliseconds. */
function parseDurationMs(text: string): number {
  const match = /^(\d{1,12})(ms|s|m|h|d)?$/.exec(text.trim())
  if (match === null)
    throw new UsageError(`--every takes a duration like 90s, 15m or 1h, got ${JSON.stringify(text)}`)
  return Number(match[1]) * DURATION_UNITS_MS[match[2] ?? 'ms']!
}

function hubFor(values: { data?: string | undefined }, io: CommandIo) {
  const dataDir = dataDirFor(values.data, io)
  const server = serverFor(dataDir)
  if (server === undefined)
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `no running hub found in ${dataDir}; start one with \`localhub serve --data ${dataDir}\``,
    )
  return server
}

function oneId(positionals: string[], verb: string): string {
  if (positionals.length !== 1) throw new UsageError(`timers ${verb} takes one timer id`)
  return positionals[0]!
}

function showTimers(timers: TimerListing[], io: CommandIo): void {
  if (timers.length === 0) {
    writeLine(io.stdout, 'no timers')
    return
  }
  const rows = timers.map((timer) => [
    timer.id,
    timer.kind,
    timer.kind === 'interval' ? `${timer.spec}ms` : timer.spec,
    timer.event,
    timer.nextAt ?? '-',
    timer.lastAt ?? '-',
    String(timer.count),
    timer.source,
  ])
  const header = ['ID', 'KIND', 'SPEC', 'EVENT', 'NEXT', 'LAST', 'RUNS', 'FROM']
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  )
  for (const row of [header, ...rows])
    writeLine(
      io.stdout,
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
}

/** The POST /timers body from the flags; the hub checks the expression, time and zone. */
function timerFromFlags(
  id: string,
  values: Record<string, string | boolean | undefined>,
): Record<string, unknown> {
  const given = (['cron', 'at', 'every'] as const).filter((flag) => values[flag] !== undefined)
  if (given.length !== 1) throw new UsageError('give exactly one of --cron, --at or --every')
  const kind = given[0]!
  let input: unknown
  if (values.input !== undefined) {
    try {
      input = JSON.parse(String(values.input))
    } catch (error) {
      throw new UsageError(`--input is not JSON: ${(error as Error).message}`)
    }
  }
  return {
    id,
    ...(kind === 'cron' ? { kind: 'cron', spec: values.cron } : {}),
    ...(kind === 'at' ? { kind: 'once', spec: values.at } : {}),
    ...(kind === 'every' ? { kind: 'interval', spec: parseDurationMs(String(values.every)) } : {}),
    ...(values.event === undefined ? {} : { event: values.event }),
    ...(values.name === undefined ? {} : { name: values.name }),
    ...(values.timezone === undefined ? {} : { timezone: values.timezone }),
    ...(values.missed === undefined ? {} : { missed: values.missed }),
    ...(input === undefined ? {} : { input }),
  }
}

const execute: CommandGroup = async (args, io) => {
  const [verb, ...rest] = args
  const usageExit = verbUsage(isHelpWord(verb), verb, io, USAGE)
  if (usageExit !== undefined) return usageExit
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      json: { type: 'boolean' },
      cron: { type: 'string' },
      at: { type: 'string' },
      every: { type: 'string' },
      event: { type: 'string' },
      name: { type: 'string' },
      timezone: { type: 'string' },
      missed: { type: 'string' },
      input: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (printedHelp(values, io, USAGE)) return 0
  switch (verb) {
    case 'list': {
      if (positionals.length > 0) throw new UsageError('timers list takes no arguments')
      const timers = await callTimers<TimerListing[]>(hubFor(values, io), 'GET', '/timers')
      if (values.json) for (const timer of timers) writeLine(io.stdout, JSON.stringify(timer))
      else showTimers(timers, io)
      return 0
    }
    case 'add': {
      const id = oneId(positionals, 'add')
      const body = timerFromFlags(id, values)
      const added = await callTimers<{ timerId: string; nextAt: string | null }>(
        hubFor(values, io),
        'POST',
        '/timers',
        body,
      )
      writeLine(io.stdout, `added ${added.timerId}; next run ${added.nextAt ?? 'none (the time has passed)'}`)
      return 0
    }
    case 'rm': {
      const id = oneId(positionals, 'rm')
      await callTimers(hubFor(values, io), 'DELETE', `/timers/${encodeURIComponent(id)}`)
      writeLine(io.stdout, `removed ${id}`)
      return 0
    }
    case 'run': {
      const id = oneId(positionals, 'run')
      const fired = await callTimers<{ timerId: string; firedAt: string; count: number }>(
        hubFor(values, io),
        'POST',
        `/timers/${encodeURIComponent(id)}/run`,
      )
      writeLine(io.stdout, `fired ${fired.timerId} at ${fired.firedAt} (run ${fired.count})`)
      return 0
    }
    default:
      throw new UsageError(`unknown verb '${verb}'`)
  }
}

export const run: CommandGroup = guardCommand('timers', USAGE, execute)
