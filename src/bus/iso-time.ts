// One RFC 3339 string per millisecond: a turn emits its events in bursts within one millisecond,
// and each `new Date(ms).toISOString()` made a Date and a string per event (decision 2077).

let lastMs = Number.NaN
let lastIso = ''

/** `new Date(ms).toISOString()`, the same string while `ms` is the last one asked for. */
export function isoTime(ms: number): string {
  // NaN is never equal to itself: an invalid time still throws the RangeError toISOString throws.
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString()
    lastMs = ms
  }
  return lastIso
}
