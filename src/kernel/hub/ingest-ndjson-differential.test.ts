// Streamed NDJSON ingest (decisions 1635, 1791) against a line-by-line reference: every line on
// its own (trim, JSON.parse, toDraft, the lone-surrogate check, one publishManyUntyped per line)
// on a second bus. Varied input — valid lines, bad JSON, schema failures, lone surrogates, foreign
// dialects, duplicate ids and idempotency keys, an oversized line, non-objects, blank lines — cut
// into odd chunks and small batches: the per-line results (codes, messages, where, line) and the
// stored rows must be the same.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import type { Bus, PublishReceipt } from '../../bus/index.ts'
import { openBus } from '../../bus-factory/index.ts'
import { assertNoLoneSurrogate, fail, HubError, type Result, toHubError } from '../../contracts/index.ts'
import { toDraft } from './ingest-draft.ts'
import { ingestNdjson } from './ingest-ndjson.ts'

const FIXED_ID = '01938f2a-7c1b-7000-8000-00000000abcd'

function variedLines(): string[] {
  const lines: string[] = []
  for (let n = 0; n < 120; n++) {
    const kind = n % 12
    const feedback = { type: 'ui.feedback', payload: { target: `t-${n}`, helpful: n % 2 === 0 } }
    if (kind === 0) lines.push(JSON.stringify({ ...feedback, sessionId: `s${n % 3}` }))
    else if (kind === 1) lines.push(`{"type":"ui.feedback","payload":{"target":"t-${n}"`)
    else if (kind === 2) lines.push(JSON.stringify({ type: 'ui.feedback', payload: { helpful: 'yes' } }))
    else if (kind === 3)
      lines.push(`{"type":"ui.feedback","payload":{"target":"\\ud800-${n}","helpful":true}}`)
    else if (kind === 4)
      lines.push(`{"type":"ui.feedback","payload":{"target":"\\ud83d\\ude00-${n}","helpful":true}}`)
    else if (kind === 5) {
      lines.push(
        JSON.stringify({
          specversion: '1.0',
          id: `ce-${n}`,
          source: '/tests',
          type: 'ui.feedback',
          data: { target: `ce-${n}`, helpful: true },
        }),
      )
    } else if (kind === 6) lines.push(JSON.stringify({ ...feedback, id: FIXED_ID }))
    else if (kind === 7) lines.push(JSON.stringify({ ...feedback, idempotencyKey: `key-${n % 24}` }))
    else if (kind === 8) lines.push(n % 24 === 8 ? '   ' : `  ${JSON.stringify(feedback)}\t`)
    else if (kind === 9) lines.push(n % 24 === 9 ? '42' : '[1,2]')
    else if (kind === 10) lines.push(JSON.stringify({ type: 'no such type', payload: {} }))
    else
      lines.push(
        JSON.stringify({
          ...feedback,
          payload: { target: 'x'.repeat(n === 11 ? 1_100_000 : 10), helpful: true },
        }),
      )
  }
  return lines
}

/** The reference: each line parsed, converted, checked and published on its own. */
async function lineByLine(bus: Bus, lines: readonly string[]): Promise<Result<PublishReceipt>[]> {
  const results: Result<PublishReceipt>[] = []
  for (const [index, text] of lines.entries()) {
    const line = index + 1
    const trimmed = text.trim()
    if (trimmed === '') continue
    let value: unknown
    try {
      value = JSON.parse(trimmed)
    } catch (cause) {
      const message = `line ${line} is not JSON: ${(cause as Error).message}`
      results.push(fail(new HubError('E_BAD_REQUEST', message, { details: { line } })))
      continue
    }
    let draft: unknown
    try {
      draft = toDraft(value, undefined)
      assertNoLoneSurrogate(draft, 'the event')
    } catch (error) {
      const failure = fail(toHubError(error, 'E_VALIDATION'))
      failure.error.details = { ...(failure.error.details ?? {}), line }
      results.push(failure)
      continue
    }
    const [outcome] = await bus.publishManyUntyped([draft], { handOver: true })
    if (!outcome!.ok) outcome!.error.details = { ...(outcome!.error.details ?? {}), line }
    results.push(outcome!)
  }
  return results
}

/** Results and rows with what each bus generates itself (ids, times) taken out. */
function comparable(results: readonly Result<PublishReceipt>[]) {
  return results.map((result) => (result.ok ? { ...result, data: { ...result.data, id: 'x' } } : result))
}

async function storedRows(bus: Bus) {
  const rows: unknown[] = []
  for await (const event of bus.replay({})) {
    const { id: _id, ts: _ts, traceId: _trace, ...rest } = event
    rows.push(rest)
  }
  return rows
}

function chunksOf(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text)
  const chunks: Buffer[] = []
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size))
  return chunks
}

test('streamed ingest answers and stores what a line-by-line ingest does', async (t) => {
  const dir = makeTempDir('localhub-ingest-differential-')
  t.after(() => dir.remove())
  const lines = variedLines()
  const reference = await openBus({ transport: 'sqlite', dataDir: `${dir.path}/reference` })
  t.after(() => reference.close())
  const expected = await lineByLine(reference, lines)
  assert.ok(
    expected.some((result) => result.ok && result.data.duplicate === true),
    'duplicates covered',
  )
  assert.ok(new Set(expected.flatMap((result) => (result.ok ? [] : [result.error.code]))).size >= 3)

  for (const [batchEvents, chunkBytes] of [
    [7, 61],
    [1000, 65_536],
  ] as const) {
    const bus = await openBus({ transport: 'sqlite', dataDir: `${dir.path}/streamed-${batchEvents}` })
    t.after(() => bus.close())
    const results: Result<PublishReceipt>[] = []
    const body = chunksOf(`${lines.join('\n')}\n`, chunkBytes)
    for await (const batch of ingestNdjson(bus, body, undefined, {
      maxEvents: 10_000,
      batchEvents,
      batchesInFlight: 2,
    }))
      results.push(...batch)
    assert.deepEqual(comparable(results), comparable(expected), `results, batches of ${batchEvents}`)
    // The receipts of events that were stored name the same ids as the rows.
    assert.deepEqual(await storedRows(bus), await storedRows(reference), `rows, batches of ${batchEvents}`)
  }
})
