import type { ErrorCode } from './error-codes.ts'
import { type HubError, type HubErrorDetails, toHubError } from './hub-error.ts'

export interface ResultError {
  code: ErrorCode
  message: string
  details?: HubErrorDetails
}

/** Seed 000's result envelope: what every HTTP answer, reply and tool result is. */
export type Result<T> = { ok: true; data: T } | { ok: false; error: ResultError }

export function ok<T>(data: T): Result<T> {
  return { ok: true, data }
}

export function fail(error: HubError | unknown): { ok: false; error: ResultError } {
  return { ok: false, error: toHubError(error).toJSON() }
}
