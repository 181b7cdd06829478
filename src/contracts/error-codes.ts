// The stable error codes of seed 000's result envelope. Every error the hub reports carries one.
export const ERROR_CODES = [
  'E_BAD_REQUEST',
  'E_PERMISSION_REQUIRED',
  'E_VALIDATION',
  'E_IO',
  'E_RESOURCE_LIMIT',
  'E_DEPENDENCY_UNAVAILABLE',
  'E_TIMEOUT',
  'E_UNKNOWN',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

// HTTP status a route answers with for each code (the kernel uses this; kept here so every
// transport of the result envelope agrees).
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = Object.freeze({
  E_BAD_REQUEST: 400,
  E_PERMISSION_REQUIRED: 403,
  E_VALIDATION: 422,
  E_IO: 500,
  E_RESOURCE_LIMIT: 413,
  E_DEPENDENCY_UNAVAILABLE: 503,
  E_TIMEOUT: 504,
  E_UNKNOWN: 500,
})

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value)
}
