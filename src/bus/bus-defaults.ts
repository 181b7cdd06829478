import { HubError } from '../contracts/index.ts'
import { DEFAULT_DEDUPE_WINDOW_MS } from './dedupe-window.ts'

export const DEFAULT_ACK_WAIT_MS = 30_000
/** Finite, so a poison event ends in the DLQ instead of looping forever. */
export const DEFAULT_MAX_DELIVER = 5
export const DEFAULT_BACKOFF_MS: readonly number[] = Object.freeze([1000, 5000, 30_000])
export const DEFAULT_MAX_ACK_PENDING = 1000
export const DEFAULT_MAX_LIVE_PENDING = 1000
export const DEFAULT_LIVE_BLOCK_MS = 100
export const DEFAULT_REQUEST_TIMEOUT_MS = 5000
export const DEFAULT_SOURCE = 'kernel'

export interface BusSettings {
  hubId: string
  defaultSource: string
  dedupeWindowMs: number
  maxLivePending: number
  liveBlockMs: number
  ackWaitMs: number
  maxDeliver: number
  backoffMs: readonly number[]
  maxAckPending: number
  requestTimeoutMs: number
}

function positive(name: string, value: number, allowZero = false): void {
  if (typeof value !== 'number' || Number.isNaN(value) || (allowZero ? value < 0 : value <= 0)) {
    throw new HubError(
      'E_BAD_REQUEST',
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${value}`,
    )
  }
}

export function checkBackoff(backoffMs: readonly number[]): readonly number[] {
  if (!Array.isArray(backoffMs) || backoffMs.length > 100) {
    throw new HubError('E_BAD_REQUEST', 'backoffMs must be an array of at most 100 delays')
  }
  for (const delay of backoffMs) positive('every backoffMs delay', delay, true)
  return Object.freeze([...backoffMs])
}

export function checkConsumerLimits(limits: {
  ackWaitMs: number
  maxDeliver: number
  maxAckPending: number
}): void {
  positive('ackWaitMs', limits.ackWaitMs)
  positive('maxAckPending', limits.maxAckPending)
  if (!Number.isInteger(limits.maxDeliver) || limits.maxDeliver < 1) {
    throw new HubError(
      'E_BAD_REQUEST',
      `maxDeliver must be a whole number of at least 1 (finite), got ${limits.maxDeliver}`,
    )
  }
}

export function busSettings(options: Partial<BusSettings>): Readonly<BusSettings> {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
  const settings: BusSettings = {
    hubId: 'local',
    defaultSource: DEFAULT_SOURCE,
    dedupeWindowMs: DEFAULT_DEDUPE_WINDOW_MS,
    maxLivePending: DEFAULT_MAX_LIVE_PENDING,
    liveBlockMs: DEFAULT_LIVE_BLOCK_MS,
    ackWaitMs: DEFAULT_ACK_WAIT_MS,
    maxDeliver: DEFAULT_MAX_DELIVER,
    backoffMs: DEFAULT_BACKOFF_MS,
    maxAckPending: DEFAULT_MAX_ACK_PENDING,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    ...defined,
  }
  positive('dedupeWindowMs', settings.dedupeWindowMs)
  positive('maxLivePending', settings.maxLivePending)
  positive('liveBlockMs', settings.liveBlockMs, true)
  positive('requestTimeoutMs', settings.requestTimeoutMs)
  checkConsumerLimits(settings)
  settings.backoffMs = checkBackoff(settings.backoffMs)
  return Object.freeze(settings)
}
