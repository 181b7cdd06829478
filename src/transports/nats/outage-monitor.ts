import type { NatsConnection } from '@nats-io/transport-node'
import {
  type AppendItem,
  type AppendOutcome,
  dedupeKeysOf,
  type TransportContext,
  uuidV7,
} from '../../bus/index.ts'
import {
  type Contracts,
  type Envelope,
  type EventType,
  HubError,
  type PayloadOf,
  toHubError,
} from '../../contracts/index.ts'

export interface OutageMonitorOptions {
  nc: NatsConnection
  context: TransportContext
  contracts: Contracts
  server: string
  enabled: boolean
  append(items: AppendItem[]): Promise<AppendOutcome[]>
}

interface Outage {
  since: number
  reason: string
  server: string
  buffered: number
}

/** Strips credentials from a server URL (the events may leave the machine). */
export function publicServerUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//')
}

/**
 * Watches the connection: a disconnect starts an outage (publishes are retried meanwhile with
 * their ids), a reconnect ends it. Both are appended to the log as bus.outage.started / ended
 * once the link is back (the log is on the far side of the link), with the start's real time.
 */
export class OutageMonitor {
  private current: Outage | undefined
  private stopped = false

  constructor(private readonly options: OutageMonitorOptions) {
    void this.watch()
  }

  get active(): boolean {
    return this.current !== undefined
  }

  countBuffered(): void {
    if (this.current !== undefined) this.current.buffered++
  }

  stop(): void {
    this.stopped = true
  }

  private async watch(): Promise<void> {
    for await (const status of this.options.nc.status()) {
      if (this.stopped) return
      if (status.type === 'disconnect' && this.current === undefined) {
        const server = publicServerUrl(status.server || this.options.server)
        this.current = {
          since: this.options.context.clock.now(),
          reason: 'connection to the NATS server lost',
          server,
          buffered: 0,
        }
        this.options.context.onError(
          new HubError(
            'E_DEPENDENCY_UNAVAILABLE',
            `lost the NATS connection to ${server}; publishes are retried until it returns`,
          ),
          'nats',
        )
      } else if (status.type === 'reconnect' && this.current !== undefined) {
        const ended = this.current
        this.current = undefined
        void this.report(ended)
      }
    }
  }

  private envelope<T extends EventType>(type: T, ts: number, payload: PayloadOf<T>): Envelope | undefined {
    const entry = this.options.contracts.entry(type)
    if (entry === undefined) return undefined
    const id = uuidV7(ts)
    const draft = {
      id,
      type,
      version: entry.version,
      ts: new Date(ts).toISOString(),
      source: 'bus',
      severity: 'warn',
      traceId: id,
      tenant: 'default',
      payload,
    }
    const checked = this.options.contracts.validateEnvelope(draft)
    if (!checked.ok) {
      this.options.context.onError(
        new HubError('E_VALIDATION', `${type}: ${checked.error.message}`),
        'nats outage report',
      )
      return undefined
    }
    return checked.value
  }

  private async report(outage: Outage): Promise<void> {
    if (!this.options.enabled || this.stopped) return
    const now = this.options.context.clock.now()
    const started = this.envelope('bus.outage.started', outage.since, {
      transport: 'nats',
      server: outage.server,
      reason: outage.reason,
      since: new Date(outage.since).toISOString(),
      buffering: true,
    })
    const ended = this.envelope('bus.outage.ended', now, {
      transport: 'nats',
      server: outage.server,
      startedAt: new Date(outage.since).toISOString(),
      durationMs: Math.max(0, Math.round(now - outage.since)),
      bufferedEvents: outage.buffered,
    })
    const items = [started, ended]
      .filter((envelope) => envelope !== undefined)
      .map((envelope) => ({ envelope, dedupeKeys: dedupeKeysOf(envelope) }))
    if (items.length === 0) return
    try {
      await this.options.append(items)
    } catch (error) {
      this.options.context.onError(toHubError(error, 'E_IO'), 'nats: recording an outage')
    }
  }
}
