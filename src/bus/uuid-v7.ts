import { randomFillSync } from 'node:crypto'

const HEX = Array.from({ length: 256 }, (_, index) => index.toString(16).padStart(2, '0'))
const POOL_SIZE = 16 * 512
const pool = Buffer.alloc(POOL_SIZE)
let poolOffset = POOL_SIZE
let lastMs = -1
let counter = 0
let prefixMs = -1
let prefix = ''

/** Offset in the pool of 8 fresh random bytes (no view object per id). */
function random8(): number {
  if (poolOffset + 8 > POOL_SIZE) {
    randomFillSync(pool)
    poolOffset = 0
  }
  const at = poolOffset
  poolOffset += 8
  return at
}

/**
 * RFC 9562 UUIDv7: 48-bit Unix milliseconds, then 12 bits of a per-millisecond counter (so ids
 * made in one process sort in creation order), then 62 random bits.
 */
export function uuidV7(nowMs: number = Date.now()): string {
  if (nowMs > lastMs) {
    lastMs = nowMs
    counter = 0
  } else if (++counter > 0xfff) {
    // Counter exhausted within one millisecond: borrow the next millisecond, stay monotonic.
    lastMs++
    counter = 0
  }
  if (lastMs !== prefixMs) {
    // The first 13 characters (48-bit ms) change once per millisecond: format them once.
    const hex = Math.floor(lastMs).toString(16).padStart(12, '0')
    prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-`
    prefixMs = lastMs
  }
  const r = random8()
  return flattened(
    prefix +
      HEX[0x70 | ((counter >>> 8) & 0x0f)]! +
      HEX[counter & 0xff]! +
      '-' +
      HEX[0x80 | (pool[r]! & 0x3f)]! +
      HEX[pool[r + 1]!]! +
      '-' +
      HEX[pool[r + 2]!]! +
      HEX[pool[r + 3]!]! +
      HEX[pool[r + 4]!]! +
      HEX[pool[r + 5]!]! +
      HEX[pool[r + 6]!]! +
      HEX[pool[r + 7]!]!,
  )
}

// Written, never read: a store the optimiser keeps, so the conversion below is not removed.
let _numberSink = 0

/**
 * A string built by `+` is a tree of its pieces until something flattens it: ~390 bytes of heap
 * for these 36 characters instead of ~65, kept for as long as the event is (a log in memory, a
 * dedupe window, a consumer's page). Converting a string to a number flattens it in place first
 * (V8), so one `| 0` makes the id one flat string; a UUID is never a number (decision 1742).
 */
function flattened(text: string): string {
  _numberSink = (text as unknown as number) | 0
  return text
}

/** The millisecond timestamp inside a UUIDv7. */
export function uuidV7Time(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)
}
