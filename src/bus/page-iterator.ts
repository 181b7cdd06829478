import type { Envelope } from '../contracts/index.ts'
import type { StoredEventJson } from './transport-types.ts'

/**
 * An async iterable over pages fetched synchronously (`nextPage` returns an empty array at the
 * end). Each `next()` is an already-resolved promise from the current page: much less per item
 * than an async generator, which suspends and resumes through the microtask queue every event.
 */
export function pagedIterable<T>(nextPage: () => readonly T[]): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      let page: readonly T[] = []
      let index = 0
      let done = false
      const finish = (): Promise<IteratorResult<T>> => {
        done = true
        page = []
        return Promise.resolve({ value: undefined, done: true })
      }
      return {
        next(): Promise<IteratorResult<T>> {
          if (done) return Promise.resolve({ value: undefined, done: true })
          if (index >= page.length) {
            try {
              page = nextPage()
            } catch (error) {
              done = true
              return Promise.reject(error)
            }
            index = 0
            if (page.length === 0) return finish()
          }
          return Promise.resolve({ value: page[index++]!, done: false })
        },
        return(): Promise<IteratorResult<T>> {
          return finish()
        },
      }
    },
  }
}

/**
 * Defers `open` (checks that may throw, then the transport's iterable) to the first `next()`, as
 * an async generator would, without a generator frame between the caller and the transport.
 */
export function deferredIterable<T = Envelope>(open: () => AsyncIterable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      let inner: AsyncIterator<T> | undefined
      let failed = false
      return {
        next(): Promise<IteratorResult<T>> {
          if (failed) return Promise.resolve({ value: undefined, done: true })
          if (inner === undefined) {
            try {
              inner = open()[Symbol.asyncIterator]()
            } catch (error) {
              failed = true
              return Promise.reject(error)
            }
          }
          return inner.next()
        },
        async return(): Promise<IteratorResult<T>> {
          const result = inner?.return === undefined ? undefined : await inner.return()
          failed = true
          return result ?? { value: undefined, done: true }
        },
      }
    },
  }
}

/** The text form of a parsed replay, for transports that keep no JSON text (memory, NATS). */
export async function* asJson(events: AsyncIterable<Envelope>): AsyncIterable<StoredEventJson> {
  for await (const event of events)
    yield { seq: event.seq ?? 0, type: event.type, json: JSON.stringify(event) }
}
