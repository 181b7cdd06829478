import type { Clock } from '../bus/index.ts'
import type { CapabilityRegistry, DueExpiry } from './capability-registry.ts'

export interface ExpirySweeperPorts {
  clock: Clock
  registry: CapabilityRegistry
  /** How long the next sweep waits after one failed, instead of spinning. */
  retryMs: number
  /** Publishes registry.lease.expired for one agent and applies it. */
  expire(due: DueExpiry, now: number): Promise<void>
  /** Runs after every due agent was expired (the service prunes its step leases). */
  swept(now: number): void
  onError(error: unknown): void
}

/**
 * The agent-lease timer of the federation service: one timer for the earliest lease end, re-armed
 * after each sweep and whenever an agent announces or beats; one sweep runs at a time.
 */
export class ExpirySweeper {
  readonly #ports: ExpirySweeperPorts
  #timer: unknown
  #closed = false
  #sweeping: Promise<void> | undefined
  /** Set when the last sweep failed: the next one waits retryMs. */
  #failed = false

  constructor(ports: ExpirySweeperPorts) {
    this.#ports = ports
  }

  /** Expires every agent whose lease has run out; a sweep already running is joined, not repeated. */
  sweep(): Promise<void> {
    this.#sweeping ??= this.#sweepOnce().then(
      () => {
        this.#failed = false
        this.#sweeping = undefined
        this.arm()
      },
      (error: unknown) => {
        this.#failed = true
        this.#sweeping = undefined
        this.arm()
        throw error
      },
    )
    return this.#sweeping
  }

  async #sweepOnce(): Promise<void> {
    const now = this.#ports.clock.now()
    for (const due of this.#ports.registry.dueExpiries(now)) {
      if (this.#closed) return
      await this.#ports.expire(due, now)
    }
    this.#ports.swept(now)
  }

  /** Sets the timer for the next lease end (at once when one is due already). */
  arm(): void {
    if (this.#closed) return
    const { clock, registry } = this.#ports
    if (this.#timer !== undefined) clock.clearTimeout(this.#timer)
    this.#timer = undefined
    const now = clock.now()
    const due = registry.dueExpiries(now).length > 0
    const next = due ? now + (this.#failed ? this.#ports.retryMs : 0) : registry.nextLeaseEnd(now)
    if (next === undefined) return
    this.#timer = clock.setTimeout(
      () => {
        this.#timer = undefined
        this.sweep().catch(this.#ports.onError)
      },
      Math.max(0, next - now),
    )
  }

  /** Stops the timer and waits for a sweep in progress (its failure is not thrown here). */
  async close(): Promise<void> {
    this.#closed = true
    if (this.#timer !== undefined) this.#ports.clock.clearTimeout(this.#timer)
    this.#timer = undefined
    await this.#sweeping?.catch(() => undefined)
  }
}
