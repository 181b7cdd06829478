import type { ErrorCode } from './error-codes.ts'

/** One problem found while validating: a JSON pointer into the input, what was expected, what was found. */
export interface ValidationIssue {
  /** JSON pointer (RFC 6901) into the validated document; '' is the whole document. */
  path: string
  /** What the schema wanted, in words or as the schema keyword's value. */
  expected: string
  /** A short rendering of what was there (truncated; never the whole value). */
  got: string
  /** One sentence for people. */
  message: string
}

export interface HubErrorDetails {
  issues?: ValidationIssue[]
  [key: string]: unknown
}

/**
 * The one error class of the code base. Anything thrown across a folder boundary is a HubError,
 * so callers can branch on `code` and the kernel can map it onto a result envelope.
 */
export class HubError extends Error {
  readonly code: ErrorCode
  readonly details: HubErrorDetails | undefined

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: HubErrorDetails; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'HubError'
    this.code = code
    this.details = options.details
  }

  toJSON(): { code: ErrorCode; message: string; details?: HubErrorDetails } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details }
  }
}

/** Wraps anything thrown into a HubError, keeping HubErrors as they are. */
export function toHubError(error: unknown, fallback: ErrorCode = 'E_UNKNOWN'): HubError {
  if (error instanceof HubError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new HubError(fallback, message, { cause: error })
}
