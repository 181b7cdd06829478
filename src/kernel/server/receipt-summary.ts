import { HubError, type Result, type ResultError } from '../../contracts/index.ts'
import type { PublishReceipt } from './server-types.ts'

/**
 * `POST /events?receipts=summary`: one line per published batch instead of one per event, for
 * bulk loaders that only need to know what went in (decision 1623). Every failure is still listed
 * with its error (and its line, which the error's details carry), so nothing is lost silently.
 */
export interface ReceiptSummary {
  /** True when every event of the batch was stored (or was a duplicate). */
  ok: boolean
  events: number
  stored: number
  duplicates: number
  /** Lowest and highest seq the batch got (stored or duplicate), when the transport gives seqs. */
  firstSeq?: number
  lastSeq?: number
  failed: ResultError[]
}

export function summarizeReceipts(results: readonly Result<PublishReceipt>[]): ReceiptSummary {
  const summary: ReceiptSummary = { ok: true, events: results.length, stored: 0, duplicates: 0, failed: [] }
  for (const result of results) {
    if (!result.ok) {
      summary.ok = false
      summary.failed.push(result.error)
      continue
    }
    if (result.data.duplicate === true) summary.duplicates++
    else summary.stored++
    const seq = result.data.seq
    if (seq === undefined) continue
    if (summary.firstSeq === undefined || seq < summary.firstSeq) summary.firstSeq = seq
    if (summary.lastSeq === undefined || seq > summary.lastSeq) summary.lastSeq = seq
  }
  return summary
}

/** The `receipts` query parameter of POST /events: `lines` (the default) or `summary`. */
export function receiptsMode(value: unknown): 'lines' | 'summary' {
  if (value === undefined || value === 'lines') return 'lines'
  if (value === 'summary') return 'summary'
  throw new HubError('E_BAD_REQUEST', `receipts must be lines or summary, got ${JSON.stringify(value)}`, {
    details: { where: '/receipts', expected: 'lines | summary', got: value },
  })
}
