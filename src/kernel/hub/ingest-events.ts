import type { BusClient, PublishReceipt } from '../../bus/index.ts'
import { assertNoLoneSurrogate, fail, HubError, ok, type Result, toHubError } from '../../contracts/index.ts'
import { detectDialect, fromHttpRequest, isDialectName, toCanonical } from '../../dialects/index.ts'
import type { IngestBody } from '../server/index.ts'

/** Most events accepted in one POST /events body. */
export const DEFAULT_MAX_EVENTS_PER_REQUEST = 10_000
/**
 * NDJSON lines published together (one publishManyUntyped call, one group commit). The store's
 * group commit (DEFAULT_GROUP_COMMIT_MAX_EVENTS, 1000) commits a batch this size at once instead of
 * after its window timer, as the bus's own publishMany batches do (decision 1631).
 */
export const DEFAULT_INGEST_BATCH_EVENTS = 1000

const NDJSON_TYPES = new Set([
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/jsonlines',
])

function dialectHintOf(body: IngestBody): string | undefined {
  const hint = body.query.dialect
  if (hint === undefined || hint === 'auto') return undefined
  if (!isDialectName(hint)) {
    throw new HubError(
      'E_BAD_REQUEST',
      `unknown dialect ${hint}; use auto, canonical, pinchy, adaos, denis or cloudevents`,
    )
  }
  return hint
}

// Canonical events go to the bus as drafts (the bus fills id, ts, severity...); foreign ones are
// converted first so whatever has no canonical field rides in meta.
function toDraft(value: unknown, hint: string | undefined): unknown {
  const dialect = hint ?? detectDialect(value).dialect
  if (dialect === 'canonical' || dialect === 'unknown') return value
  return toCanonical(dialect as Parameters<typeof toCanonical>[0], value)
}

async function publishOne(bus: BusClient, draft: unknown, line?: number): Promise<Result<PublishReceipt>> {
  try {
    // Not well-formed Unicode cannot be hashed or stored faithfully: refused, with where.
    assertNoLoneSurrogate(draft, 'the event')
    return ok(await bus.publishUntyped(draft))
  } catch (error) {
    const failure = fail(error)
    if (line !== undefined) failure.error.details = { ...(failure.error.details ?? {}), line }
    return failure
  }
}

/**
 * POST /events: one event (any dialect, CloudEvents binary mode included) or NDJSON, one result per
 * event in body order. A bad line is reported on its own and never costs the other lines. Results
 * come a published batch at a time (one array per publishManyUntyped), so the answer is written a
 * batch per chunk rather than a line per chunk (decision 1623).
 */
export async function* ingestEvents(
  bus: BusClient,
  body: IngestBody,
): AsyncIterable<Result<PublishReceipt>[]> {
  const hint = dialectHintOf(body)
  const isNdjson = NDJSON_TYPES.has(body.contentType)
  if (!isNdjson && Object.keys(body.headers).some((name) => name.toLowerCase() === 'ce-specversion')) {
    const converted = fromHttpRequest({
      headers: body.headers,
      body: body.bytes,
      contentType: body.contentType,
    })
    yield [await publishOne(bus, converted.envelope)]
    return
  }
  if (!isNdjson) {
    let parsed: unknown
    try {
      parsed = JSON.parse(body.text)
    } catch (cause) {
      throw new HubError(
        'E_BAD_REQUEST',
        `body is not JSON: ${(cause as Error).message}; send NDJSON with Content-Type application/x-ndjson`,
        { cause },
      )
    }
    const items = Array.isArray(parsed) ? parsed : [parsed]
    if (items.length > DEFAULT_MAX_EVENTS_PER_REQUEST) {
      throw new HubError('E_RESOURCE_LIMIT', `at most ${DEFAULT_MAX_EVENTS_PER_REQUEST} events per request`)
    }
    for (const [index, item] of items.entries()) {
      try {
        yield [await publishOne(bus, toDraft(item, hint), Array.isArray(parsed) ? index + 1 : undefined)]
      } catch (error) {
        yield [fail(toHubError(error, 'E_VALIDATION'))]
      }
    }
    return
  }
  // Lines are parsed and converted here, then published a batch at a time through publishManyUntyped
  // (one validation pass, one group commit per batch); each line still gets its own result.
  let count = 0
  let batch: Pending[] = []
  for (const [index, raw] of body.text.split('\n').entries()) {
    const line = raw.trim()
    if (line === '') continue
    if (++count > DEFAULT_MAX_EVENTS_PER_REQUEST) {
      const results = await publishBatch(bus, batch)
      results.push(
        fail(
          new HubError('E_RESOURCE_LIMIT', `at most ${DEFAULT_MAX_EVENTS_PER_REQUEST} events per request`, {
            details: { line: index + 1 },
          }),
        ),
      )
      yield results
      return
    }
    batch.push(prepareLine(line, index + 1, hint))
    if (batch.length >= DEFAULT_INGEST_BATCH_EVENTS) {
      yield await publishBatch(bus, batch)
      batch = []
    }
  }
  if (batch.length > 0) yield await publishBatch(bus, batch)
}

/** A line ready to publish (a draft) or already failed (not JSON, not convertible, not Unicode). */
type Pending = { line: number; draft: unknown } | { line: number; failure: Result<PublishReceipt> }

function withLine(failure: Result<PublishReceipt>, line: number): Result<PublishReceipt> {
  if (!failure.ok) failure.error.details = { ...(failure.error.details ?? {}), line }
  return failure
}

/**
 * A line can only yield a lone surrogate through a `\u` escape or one in its own text, so a line
 * with neither skips the walk over the parsed value (which cost a third of parsing, decision 1631).
 */
const MAY_HOLD_SURROGATE = /\\u|\p{Surrogate}/u

function prepareLine(text: string, line: number, hint: string | undefined): Pending {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    return {
      line,
      failure: fail(
        new HubError('E_BAD_REQUEST', `line ${line} is not JSON: ${(cause as Error).message}`, {
          details: { line },
        }),
      ),
    }
  }
  try {
    const draft = toDraft(value, hint)
    // A converted dialect may cut strings, so only a canonical draft (the parsed value) skips.
    if (draft !== value || MAY_HOLD_SURROGATE.test(text)) assertNoLoneSurrogate(draft, 'the event')
    return { line, draft }
  } catch (error) {
    return { line, failure: withLine(fail(toHubError(error, 'E_VALIDATION')), line) }
  }
}

/** One publishManyUntyped for the batch's drafts; results come back in line order. */
async function publishBatch(bus: BusClient, batch: readonly Pending[]): Promise<Result<PublishReceipt>[]> {
  const drafts = batch.flatMap((pending) => ('draft' in pending ? [pending.draft] : []))
  let outcomes: Result<PublishReceipt>[]
  try {
    outcomes = drafts.length === 0 ? [] : await bus.publishManyUntyped(drafts)
  } catch (error) {
    const failure = toHubError(error, 'E_VALIDATION')
    outcomes = drafts.map(() => fail(failure))
  }
  let next = 0
  return batch.map((pending) =>
    'failure' in pending ? pending.failure : withLine(outcomes[next++]!, pending.line),
  )
}
