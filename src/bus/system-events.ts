import {
  type Contracts,
  type DraftOf,
  type EventType,
  HubError,
  type PayloadOf,
  type Result,
} from '../contracts/index.ts'
import type { PublishReceipt } from './bus-types.ts'
import type { DeadLetterEntry } from './transport-types.ts'

/** The bus's own events (names fixed in the catalog). */
export const BUS_EVENT_TYPES = Object.freeze({
  backpressure: 'bus.backpressure',
  dlqMoved: 'bus.dlq.moved',
  dlqRetried: 'bus.dlq.retried',
  dlqPurged: 'bus.dlq.purged',
} as const satisfies Record<string, EventType>)

type BusEventType = (typeof BUS_EVENT_TYPES)[keyof typeof BUS_EVENT_TYPES]

/** dlqIds listed in one bus.dlq.retried/purged event at most; `count` always has the total. */
const MAX_IDS_PER_EVENT = 1000

interface SystemEventDependencies {
  contracts: Contracts
  isClosed(): boolean
  onError(error: Error, where: string): void
  track<T>(promise: Promise<T>): Promise<T>
  publish(draft: DraftOf<BusEventType>): Promise<Result<PublishReceipt>[]>
}

export function systemEvents(dependencies: SystemEventDependencies) {
  function emit<T extends BusEventType>(
    type: T,
    payload: PayloadOf<T>,
    severity: 'info' | 'warn' = 'warn',
  ): void {
    if (dependencies.isClosed()) return
    if (dependencies.contracts.entry(type) === undefined) {
      dependencies.onError(
        new HubError('E_VALIDATION', `${type} is not in the catalog; event not emitted`),
        'bus',
      )
      return
    }
    const sent = dependencies.track(dependencies.publish({ type, payload, source: 'bus', severity }))
    sent.then(
      ([outcome]) => {
        if (outcome !== undefined && !outcome.ok) {
          dependencies.onError(new HubError(outcome.error.code, `${type}: ${outcome.error.message}`), 'bus')
        }
      },
      (error: unknown) => dependencies.onError(error as Error, `bus: emitting ${type}`),
    )
  }

  return {
    emit,
    deadLettered(entry: DeadLetterEntry): void {
      emit(BUS_EVENT_TYPES.dlqMoved, {
        dlqId: entry.dlqId,
        consumer: entry.consumer,
        seq: entry.seq,
        eventId: entry.eventId,
        eventType: entry.eventType,
        attempts: entry.attempts,
        lastError: entry.lastError.slice(0, 2000),
      })
    },
    dlqChanged(action: 'retry' | 'purge', entries: DeadLetterEntry[], consumer: string | undefined): void {
      const payload = {
        dlqIds: entries.slice(0, MAX_IDS_PER_EVENT).map((entry) => entry.dlqId),
        count: entries.length,
        ...(consumer === undefined ? {} : { consumer }),
      }
      if (action === 'retry') emit(BUS_EVENT_TYPES.dlqRetried, payload, 'info')
      else emit(BUS_EVENT_TYPES.dlqPurged, payload, 'info')
    },
  }
}
