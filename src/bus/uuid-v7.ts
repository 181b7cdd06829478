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
  return (
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
    HEX[pool[r + 7]!]!
  )
}

/** The millisecond timestamp inside a UUIDv7. */
export function uuidV7Time(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)
}
