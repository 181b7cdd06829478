/** Default time a dedupe key (event id or idempotency key) is remembered: 24 hours. */
export const DEFAULT_DEDUPE_WINDOW_MS = 24 * 60 * 60 * 1000

/**
 * Most keys the bus remembers for ephemeral events (voice.chunk, tts.audio, stream.chunk…): a
 * day of microphone frames would otherwise keep hundreds of MB (decision 2068). ~216 bytes each.
 */
export const DEFAULT_EPHEMERAL_DEDUPE_MAX_KEYS = 65_536

/**
 * An in-memory dedupe window: remembers each key with what it first resolved to until it
 * expires. Two generations of maps replace per-key expiry bookkeeping: when the current one is a
 * window old it becomes the previous one and the previous one is dropped whole (every key in it
 * is then past its window), so expiry is O(1) and memory is bounded by two windows of keys.
 * A hit is still checked against its own expiry, so forgetting is exact.
 * With `maxKeys`, a generation also ends once it holds half of them, so at most `maxKeys` keys
 * are kept and, under a flood, the oldest are forgotten before their window ends.
 */
export class DedupeWindow<T> {
  private current = new Map<string, { value: T; expiresAt: number }>()
  private previous = new Map<string, { value: T; expiresAt: number }>()
  private startedAt = Number.NEGATIVE_INFINITY
  private readonly generationKeys: number

  constructor(
    private readonly windowMs: number,
    maxKeys = Number.POSITIVE_INFINITY,
  ) {
    this.generationKeys = Math.max(1, Math.floor(maxKeys / 2))
  }

  get(key: string, now: number): T | undefined {
    this.rotate(now)
    const hit = this.current.get(key) ?? this.previous.get(key)
    return hit !== undefined && hit.expiresAt > now ? hit.value : undefined
  }

  remember(key: string, value: T, now: number): void {
    this.rotate(now)
    if (this.current.size >= this.generationKeys) {
      this.previous = this.current
      this.current = new Map()
      this.startedAt = now
    }
    this.previous.delete(key)
    this.current.set(key, { value, expiresAt: now + this.windowMs })
  }

  /** Keys remembered (including expired ones not yet dropped). */
  get size(): number {
    return this.current.size + this.previous.size
  }

  private rotate(now: number): void {
    if (now - this.startedAt < this.windowMs) return
    // Two windows since the last rotation: everything in both maps has expired.
    this.previous = now - this.startedAt >= 2 * this.windowMs ? new Map() : this.current
    this.current = new Map()
    this.startedAt = now
  }
}

/** The keys an event is deduped on: its id, and its idempotency key scoped by tenant and type. */
export function dedupeKeysOf(envelope: {
  id: string
  type: string
  tenant: string
  idempotencyKey?: string
}): string[] {
  const keys = [`id:${envelope.id}`]
  if (envelope.idempotencyKey !== undefined)
    keys.push(`key:${envelope.tenant}:${envelope.type}:${envelope.idempotencyKey}`)
  return keys
}
