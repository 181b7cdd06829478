// GET /events on the running hub, for `events replay`, `export` and `tail`: page after page (the
// hub answers at most 10,000 events per request, whatever --limit says). A query the hub refuses
// keeps the hub's own code (E_BAD_REQUEST, …): getEvents passes it on.
import { getEvents, type HubServer } from '../../bus/index.ts'
import type { ReplayQuery } from '../../client/index.ts'
import type { Envelope } from '../../contracts/index.ts'

/** The most events one GET /events answers (the server's MAX_REPLAY_LIMIT). */
export const HUB_PAGE_LIMIT = 10_000
/** GET /events keys besides `limit` (the client's query: positions are seqs or RFC 3339 times). */
export type HubEventsQuery = Omit<ReplayQuery, 'limit'>

/**
 * The matching events in seq order, up to `limit` (default: all), page after page: each request
 * asks for at most HUB_PAGE_LIMIT and goes on from the last seq + 1 with the same keys.
 */
export async function* hubEvents(
  server: HubServer,
  query: HubEventsQuery,
  limit = Number.POSITIVE_INFINITY,
): AsyncIterable<Envelope> {
  let remaining = limit
  let from = query.from
  while (remaining > 0) {
    const page = { ...query, from, limit: Math.min(remaining, HUB_PAGE_LIMIT) }
    let got = 0
    let last: number | undefined
    for await (const event of getEvents(server, page)) {
      got++
      last = event.seq
      yield event
    }
    remaining -= got
    // A short page is the end; a full one goes on after its last seq.
    if (got < page.limit || last === undefined) return
    from = last + 1
  }
}
