// A push-to-pull bridge: a callback API (llama.cpp's token callback) feeds values, a for-await loop
// takes them. Unbounded, because the producer cannot be paused; one generation is small.

export class AsyncQueue<T> {
  private readonly values: T[] = []
  private waiter:
    | { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void }
    | undefined
  private ended = false
  private failure: { error: unknown } | undefined

  push(value: T): void {
    if (this.ended) return
    if (this.waiter !== undefined) {
      const { resolve } = this.waiter
      this.waiter = undefined
      resolve({ value, done: false })
    } else this.values.push(value)
  }

  end(): void {
    this.ended = true
    this.settleWaiter()
  }

  fail(error: unknown): void {
    if (this.ended) return
    this.ended = true
    this.failure = { error }
    this.settleWaiter()
  }

  private settleWaiter(): void {
    if (this.waiter === undefined || this.values.length > 0) return
    const { resolve, reject } = this.waiter
    this.waiter = undefined
    if (this.failure !== undefined) reject(this.failure.error)
    else resolve({ value: undefined, done: true })
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    while (true) {
      if (this.values.length > 0) {
        yield this.values.shift() as T
        continue
      }
      if (this.failure !== undefined) throw this.failure.error
      if (this.ended) return
      const next = await new Promise<IteratorResult<T>>((resolve, reject) => {
        this.waiter = { resolve, reject }
      })
      if (next.done) return
      yield next.value
    }
  }
}
