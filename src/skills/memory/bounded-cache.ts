/**
 * Values by key, at most `maxEntries` of them, the oldest leaving first (a Map iterates in
 * insertion order). A missing value is made by the caller's `load`; an undefined one is not kept.
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, V>()
  readonly #maxEntries: number

  constructor(maxEntries: number) {
    if (!(Number.isInteger(maxEntries) && maxEntries > 0))
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`)
    this.#maxEntries = maxEntries
  }

  get(key: K, load: (key: K) => V | undefined): V | undefined {
    const known = this.#entries.get(key)
    if (known !== undefined) return known
    const loaded = load(key)
    if (loaded === undefined) return undefined
    if (this.#entries.size >= this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!)
    this.#entries.set(key, loaded)
    return loaded
  }

  clear(): void {
    this.#entries.clear()
  }

  get size(): number {
    return this.#entries.size
  }
}
