// Executions that touch the same path run one after another, so a second plan for a file always
// sees the first one's result (and its fingerprint check fails) instead of racing it.
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>()

  async run<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
    // One sorted pass over distinct keys: two holders never wait on each other in opposite order.
    const sorted = [...new Set(keys)].sort()
    const releases: (() => void)[] = []
    for (const key of sorted) {
      const previous = this.tails.get(key) ?? Promise.resolve()
      let release!: () => void
      const mine = new Promise<void>((resolve) => (release = resolve))
      const tail = previous.then(() => mine)
      this.tails.set(key, tail)
      releases.push(() => {
        release()
        if (this.tails.get(key) === tail) this.tails.delete(key)
      })
      await previous
    }
    try {
      return await work()
    } finally {
      for (const release of releases) release()
    }
  }
}
