// Where the live list should start when the page opens: a few hundred events before the log's
// head, so the page is not empty. GET /events only reads forward from a seq, so the head is found
// by probing "is there an event at or after seq X?" — doubling, then bisecting: ~2·log2(head) calls.

export const DEFAULT_BACKLOG_EVENTS = 500
const MAX_SEQ = 2 ** 52

/** Answers the first seq at or after `from`, undefined when there is none; throws on failure. */
export type SeqProbe = (from: number) => Promise<number | undefined>

/** The highest seq in the log, or 0 for an empty log. */
export async function findLastSeq(probe: SeqProbe): Promise<number> {
  const first = await probe(1)
  if (first === undefined) return 0
  let low = first // known to exist
  let high = Math.max(first * 2, first + 1)
  while (high < MAX_SEQ) {
    const found = await probe(high)
    if (found === undefined) break
    low = found
    high = found * 2
  }
  // Invariant: an event at `low` exists; nothing at or after `high`.
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2)
    const found = await probe(middle)
    if (found === undefined) high = middle
    else low = found
  }
  return low
}

/** The seq to start the live tail from so about `backlog` stored events are shown first. */
export function backlogStart(lastSeq: number, backlog = DEFAULT_BACKLOG_EVENTS): number | undefined {
  return lastSeq <= 0 ? undefined : Math.max(1, lastSeq - backlog + 1)
}
