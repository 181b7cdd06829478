// Shared by the events verbs (publish, tail, replay, subscribe, topics, dlq): where the data is,
// how to reach it (the running server over HTTP, else the data directory itself) and how to print.
import { resolve } from 'node:path'
import type { Writable } from 'node:stream'
import { type Bus, compileTypePattern, findHubServer, type HubServer } from '../../bus/index.ts'
import { openBus } from '../../bus-factory/index.ts'
import { loadRegistry } from '../../catalog/index.ts'
import { type Envelope, toHubError } from '../../contracts/index.ts'
import { argumentError } from '../args.ts'
import { type CommandIo, writeLine } from '../io.ts'
import { parseTimeFlag } from '../time-flag.ts'
import { checkHubDataDir, dataDirFor } from './data-dir.ts'

export function dataDirOf(value: string | undefined, io: CommandIo): string {
  return dataDirFor(value, io)
}

/** The running server for this data dir, if any (server.json with a live pid). */
export function serverFor(dataDir: string): HubServer | undefined {
  return findHubServer(dataDir)
}

/**
 * Opens the log in the data directory directly (SQLite, shared safely with other processes).
 * LOCALHUB_REGISTRY may name another registry.json (a custom or test catalog). A directory that is
 * not a hub's is refused; `mustExist` (commands that only read) refuses a missing one too.
 */
export async function openLocalBus(
  dataDir: string,
  io: CommandIo,
  options: { mustExist?: boolean } = {},
): Promise<Bus> {
  checkHubDataDir(dataDir, options)
  const registryPath = io.env.LOCALHUB_REGISTRY
  return openBus({
    transport: 'sqlite',
    dataDir,
    registry: registryPath ? loadRegistry(resolve(io.cwd, registryPath)) : loadRegistry(),
    defaultSource: 'cli',
    onError: (error, where) => writeLine(io.stderr, `localhub: ${where}: ${error.message}`),
  })
}

/** One line per event: seq, ts, type, session, source, payload (cut). */
export function formatEvent(event: Envelope): string {
  const payload = JSON.stringify(event.payload)
  return [
    String(event.seq ?? '-').padStart(6),
    event.ts,
    event.type,
    event.sessionId ?? '-',
    event.source,
    payload.length > 160 ? `${payload.slice(0, 157)}...` : payload,
  ].join('  ')
}

export function printEvent(stream: Writable, event: Envelope, json: boolean): void {
  writeLine(stream, json ? JSON.stringify(event) : formatEvent(event))
}

/** A seq (digits) or a time (RFC 3339) for --from/--to. */
export function parsePosition(value: string, flag: string): { seq: number } | { time: string } {
  if (/^\d{1,15}$/.test(value)) return { seq: Number(value) }
  if (/^\d{4}-/.test(value)) return { time: parseTimeFlag(value, flag) }
  throw new Error(
    `${flag} must be a seq (digits) or a time (e.g. 2030-01-01T00:00:00Z), got ${JSON.stringify(value)}`,
  )
}

export function parseCount(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1)
    throw new Error(`${flag} must be a whole number from 1 to 999999999, got ${JSON.stringify(value)}`)
  return Number(value)
}

/** Reports an error on stderr and returns the exit code (2 for usage, 1 otherwise). */
export function reportFailure(io: CommandIo, verb: string, error: unknown, usage?: string): number {
  const isUsage =
    error instanceof TypeError || (error instanceof Error && error.name === 'Error' && !('code' in error))
  if (isUsage && usage) {
    writeLine(io.stderr, `localhub events ${verb}: ${(error as Error).message}\n\n${usage}`)
    return 2
  }
  // The code first, as guardCommand prints it for the other groups.
  const hubError = toHubError(error)
  writeLine(io.stderr, `localhub events ${verb}: ${hubError.code}: ${hubError.message}`)
  return 1
}

/** Waits until stopped (SIGINT/SIGTERM or stop()), keeping the process alive meanwhile. */
export function untilStopped(): { done: Promise<void>; stop: () => void } {
  let stop: () => void = () => {}
  const done = new Promise<void>((resolveDone) => {
    const keepAlive = setInterval(() => {}, 1 << 30)
    const finish = () => {
      clearInterval(keepAlive)
      process.off('SIGINT', finish)
      process.off('SIGTERM', finish)
      resolveDone()
    }
    process.once('SIGINT', finish)
    process.once('SIGTERM', finish)
    stop = finish
  })
  return { done, stop }
}

/** The query flags replay, tail and export share (decision 1610). */
export const QUERY_FLAGS = {
  trace: { type: 'string' },
  session: { type: 'string' },
  source: { type: 'string' },
  type: { type: 'string' },
  filter: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
} as const

export interface QueryFlagValues {
  trace?: string | undefined
  session?: string | undefined
  source?: string | undefined
  type?: string | undefined
  filter?: string | undefined
  since?: string | undefined
  until?: string | undefined
}

export interface EventQuery {
  filter?: string
  traceId?: string
  sessionId?: string
  source?: string
  since?: string
  until?: string
}

/**
 * The type pattern of --type, --filter or PATTERN (the same key): checked here, so a bad one is a
 * usage mistake before the log is opened or a hub asked. Two of them must name the same pattern.
 */
function typePatternOf(values: QueryFlagValues, positionalPattern: string | undefined): string | undefined {
  const given: [string, string][] = []
  for (const [name, value] of [
    ['--type', values.type],
    ['--filter', values.filter],
    ['PATTERN', positionalPattern],
  ] as const) {
    if (value !== undefined) given.push([name, value])
  }
  const [first] = given
  if (first === undefined) return undefined
  const other = given.find(([, pattern]) => pattern !== first[1])
  if (other !== undefined)
    throw new Error(
      `give one type pattern: ${first[0]} ${JSON.stringify(first[1])} and ${other[0]} ${JSON.stringify(other[1])} differ`,
    )
  try {
    compileTypePattern(first[1])
  } catch (error) {
    throw argumentError(`${first[0]}: ${(error as Error).message}`)
  }
  return first[1]
}

/** --trace, --session, --source, --type (or --filter, or PATTERN), --since, --until as a query. */
export function eventQueryOf(values: QueryFlagValues, positionalPattern?: string): EventQuery {
  const pattern = typePatternOf(values, positionalPattern)
  for (const [flag, value] of [
    ['--trace', values.trace],
    ['--session', values.session],
    ['--source', values.source],
  ] as const) {
    if (value !== undefined && value.length === 0) throw new Error(`${flag} must not be empty`)
  }
  return {
    ...(pattern === undefined ? {} : { filter: pattern }),
    ...(values.trace === undefined ? {} : { traceId: values.trace }),
    ...(values.session === undefined ? {} : { sessionId: values.session }),
    ...(values.source === undefined ? {} : { source: values.source }),
    ...(values.since === undefined ? {} : { since: parseTimeFlag(values.since, '--since') }),
    ...(values.until === undefined ? {} : { until: parseTimeFlag(values.until, '--until') }),
  }
}

/** Whether an event has the traceId, sessionId and source a query names. */
export function matchesEventKeys(event: Envelope, query: EventQuery): boolean {
  return (
    (query.traceId === undefined || event.traceId === query.traceId) &&
    (query.sessionId === undefined || event.sessionId === query.sessionId) &&
    (query.source === undefined || event.source === query.source)
  )
}
