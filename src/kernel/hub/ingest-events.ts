import { isUtf8 } from 'node:buffer'
import type { BusClient, PublishReceipt } from '../../bus/index.ts'
import { assertNoLoneSurrogate, fail, HubError, ok, type Result, toHubError } from '../../contracts/index.ts'
import { fromHttpRequest, isDialectName } from '../../dialects/index.ts'
import type { IngestBody } from '../server/index.ts'
import { toDraft } from './ingest-draft.ts'
import { ingestNdjson } from './ingest-ndjson.ts'

/** Most events accepted in one POST /events body. */
export const DEFAULT_MAX_EVENTS_PER_REQUEST = 10_000
/**
 * NDJSON lines published together (one publishManyUntyped call, one group commit). The store's
 * group commit (DEFAULT_GROUP_COMMIT_MAX_EVENTS, 1000) commits a batch this size at once instead of
 * after its window timer, as the bus's own publishMany batches do (decision 1631).
 */
export const DEFAULT_INGEST_BATCH_EVENTS = 1000
/** Batches queued on the bus while the next one is parsed (decision 1635). */
export const DEFAULT_INGEST_BATCHES_IN_FLIGHT = 2
const BYTE_ORDER_MARK = 0xfeff

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
    // Decoding would turn bytes that are not UTF-8 into U+FFFD and store the text changed.
    if (!isUtf8(body.bytes)) throw new HubError('E_BAD_REQUEST', 'the body is not valid UTF-8')
    let parsed: unknown
    try {
      // A byte order mark (Windows tools write one) is not part of the JSON text.
      parsed = JSON.parse(body.text.charCodeAt(0) === BYTE_ORDER_MARK ? body.text.slice(1) : body.text)
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
  // Lines are parsed, converted and published as the body streams in (decision 1635).
  yield* ingestNdjson(bus, body.stream ?? [body.bytes], hint, {
    maxEvents: DEFAULT_MAX_EVENTS_PER_REQUEST,
    batchEvents: DEFAULT_INGEST_BATCH_EVENTS,
    batchesInFlight: DEFAULT_INGEST_BATCHES_IN_FLIGHT,
  })
}
