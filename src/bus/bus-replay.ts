import { type Envelope, HubError } from '../contracts/index.ts'
import type { ReplayOptions, ReplayPosition, SubscribeOptions } from './bus-types.ts'
import { asJson, deferredIterable } from './page-iterator.ts'
import type { PermissionChecker } from './permissions.ts'
import { applyQueryKeys, filterQueryKeys, toTimeMs } from './replay-query.ts'
import { validatePattern } from './subjects.ts'
import type { DeliverFrom, ReadQuery, StoredEventJson, Transport } from './transport-types.ts'

export function toDeliverFrom(from: SubscribeOptions['from']): DeliverFrom {
  if (from === undefined || from === 'new' || from === 'first') return from ?? 'new'
  if ('seq' in from) {
    if (!Number.isInteger(from.seq) || from.seq < 0)
      throw new HubError('E_BAD_REQUEST', `from.seq must be a whole number ≥ 0`)
    return { seq: from.seq }
  }
  return { time: toTimeMs(from.time) }
}

function applyPosition(query: ReadQuery, position: ReplayPosition | undefined, edge: 'from' | 'to'): void {
  if (position === undefined) return
  if ('seq' in position) {
    if (!Number.isInteger(position.seq) || position.seq < 0)
      throw new HubError('E_BAD_REQUEST', `${edge}.seq must be a whole number ≥ 0`)
    if (edge === 'from') query.fromSeq = position.seq
    else query.toSeq = position.seq
  } else if (edge === 'from') query.fromTime = toTimeMs(position.time)
  else query.toTime = toTimeMs(position.time)
}

export interface ReplayDependencies {
  transport: Transport
  permissions: PermissionChecker | undefined
  ensureOpen(): void
}

/**
 * Reading the log back: options checked and turned into one transport query when the first event
 * is asked for. Query keys a transport cannot select on are filtered here.
 */
export function createReplayer(dependencies: ReplayDependencies) {
  const { transport, permissions } = dependencies

  function readQueryOf(replayOptions: ReplayOptions, principal: string | undefined): ReadQuery {
    dependencies.ensureOpen()
    const filter = replayOptions.filter ?? '>'
    validatePattern(filter)
    if (principal !== undefined) permissions!.checkSubscribe(principal, filter)
    const query: ReadQuery = { filter }
    applyPosition(query, replayOptions.from, 'from')
    applyPosition(query, replayOptions.to, 'to')
    applyQueryKeys(query, replayOptions)
    if (replayOptions.limit !== undefined) query.limit = replayOptions.limit
    if (replayOptions.storedJson === true) query.keepStoredJson = true
    return query
  }

  function replay(replayOptions: ReplayOptions, principal: string | undefined): AsyncIterable<Envelope> {
    return deferredIterable(() => {
      const query = readQueryOf(replayOptions, principal)
      if (transport.capabilities.queryKeys === true) return transport.read(query)
      return filterQueryKeys(query, (narrowed) => transport.read(narrowed))
    })
  }

  function replayJson(replayOptions: ReplayOptions): AsyncIterable<StoredEventJson> {
    return deferredIterable(() => {
      const query = readQueryOf(replayOptions, undefined)
      if (transport.readJson !== undefined && transport.capabilities.queryKeys === true)
        return transport.readJson(query)
      return asJson(
        transport.capabilities.queryKeys === true
          ? transport.read(query)
          : filterQueryKeys(query, (narrowed) => transport.read(narrowed)),
      )
    })
  }

  return { replay, replayJson }
}
