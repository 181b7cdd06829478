/** Default time a dedupe key (event id or idempotency key) is remembered: 24 hours. */
export const DEFAULT_DEDUPE_WINDOW_MS = 24 * 60 * 60 * 1000

/**
 * An in-memory dedupe window: remembers each key with what it first resolved to until it
 * expires. Expired keys are swept lazily, a few at a time, in insertion (= expiry) order.
 */
export class DedupeWindow<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>()

  constructor(private readonly windowMs: number) {}

  get(key: string, now: number): T | undefined {
    const hit = this.entries.get(key)
    if (hit === undefined) return undefined
    if (hit.expiresAt > now) return hit.value
    this.entries.delete(key)
    return undefined
  }

  remember(key: string, value: T, now: number): void {
    this.entries.delete(key)
    this.entries.set(key, { value, expiresAt: now + this.windowMs })
    this.sweep(now)
  }

  private sweep(now: number): void {
    let budget = 4
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now || budget-- === 0) return
      this.entries.delete(key)
    }
  }
}

/** The keys an event is deduped on: its id, and its idempotency key scoped by tenant and type. */
export function dedupeKeysOf(envelope: { id: string; type: string; tenant: string; idempotencyKey?: string }): string[] {
  const keys = [`id:${envelope.id}`]
  if (envelope.idempotencyKey !== undefined) keys.push(`key:${envelope.tenant}:${envelope.type}:${envelope.idempotencyKey}`)
  return keys
}
