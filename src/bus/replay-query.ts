import type { Envelope } from '../contracts/index.ts'
import { HubError } from '../contracts/index.ts'
import type { ReplayOptions } from './bus-types.ts'
import type { ReadQuery } from './transport-types.ts'

const KEYS = ['traceId', 'sessionId', 'source'] as const

/** Milliseconds since the epoch for a replay/subscribe time given as ISO text, ms or Date. */
export function toTimeMs(time: string | number | Date): number {
  const ms = time instanceof Date ? time.getTime() : typeof time === 'number' ? time : Date.parse(time)
  if (!Number.isFinite(ms)) throw new HubError('E_BAD_REQUEST', `not a time: ${JSON.stringify(time)}`)
  return ms
}

/** Copies traceId, sessionId, source and since/until onto the transport's query (decision 1610). */
export function applyQueryKeys(query: ReadQuery, options: ReplayOptions): void {
  for (const key of KEYS) {
    const value = options[key]
    if (value === undefined) continue
    if (typeof value !== 'string' || value.length === 0)
      throw new HubError('E_BAD_REQUEST', `${key} must be a non-empty string`)
    query[key] = value
  }
  for (const [edge, key] of [
    ['since', 'fromTime'],
    ['until', 'toTime'],
  ] as const) {
    const value = options[edge]
    if (value === undefined) continue
    if (query[key] !== undefined)
      throw new HubError(
        'E_BAD_REQUEST',
        `give ${edge} or a time in ${edge === 'since' ? 'from' : 'to'}, not both`,
      )
    query[key] = toTimeMs(value)
  }
}

/**
 * For a transport that does not read by traceId/sessionId/source itself: the keys are matched here
 * and the limit applied after them (the transport gets neither).
 */
export function filterQueryKeys(
  query: ReadQuery,
  read: (query: ReadQuery) => AsyncIterable<Envelope>,
): AsyncIterable<Envelope> {
  const keys = KEYS.filter((key) => query[key] !== undefined)
  if (keys.length === 0) return read(query)
  const { limit, traceId, sessionId, source, ...rest } = query
  const wanted = { traceId, sessionId, source }
  const inner = read(rest)
  return {
    [Symbol.asyncIterator](): AsyncIterator<Envelope> {
      const iterator = inner[Symbol.asyncIterator]()
      let remaining = limit ?? Number.POSITIVE_INFINITY
      return {
        async next(): Promise<IteratorResult<Envelope>> {
          while (remaining > 0) {
            const step = await iterator.next()
            if (step.done === true) return step
            if (keys.every((key) => step.value[key] === wanted[key])) {
              remaining--
              return step
            }
          }
          await iterator.return?.()
          return { value: undefined, done: true }
        },
        async return(): Promise<IteratorResult<Envelope>> {
          await iterator.return?.()
          return { value: undefined, done: true }
        },
      }
    },
  }
}
