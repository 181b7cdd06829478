import { randomFillSync } from 'node:crypto'

const HEX = Array.from({ length: 256 }, (_, index) => index.toString(16).padStart(2, '0'))
const POOL_SIZE = 16 * 512
const pool = Buffer.alloc(POOL_SIZE)
let poolOffset = POOL_SIZE
let lastMs = -1
let counter = 0

function randomBytes10(): Buffer {
  if (poolOffset + 10 > POOL_SIZE) {
    randomFillSync(pool)
    poolOffset = 0
  }
  const slice = pool.subarray(poolOffset, poolOffset + 10)
  poolOffset += 10
  return slice
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
  const random = randomBytes10()
  const ms = lastMs
  const high = Math.floor(ms / 0x10000)
  const low = ms % 0x10000
  const bytes = [
    (high >>> 24) & 0xff,
    (high >>> 16) & 0xff,
    (high >>> 8) & 0xff,
    high & 0xff,
    (low >>> 8) & 0xff,
    low & 0xff,
    0x70 | ((counter >>> 8) & 0x0f),
    counter & 0xff,
    0x80 | (random[0]! & 0x3f),
    random[1]!,
    random[2]!,
    random[3]!,
    random[4]!,
    random[5]!,
    random[6]!,
    random[7]!,
  ]
  let out = ''
  for (let index = 0; index < 16; index++) {
    if (index === 4 || index === 6 || index === 8 || index === 10) out += '-'
    out += HEX[bytes[index]!]
  }
  return out
}

/** The millisecond timestamp inside a UUIDv7. */
export function uuidV7Time(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)
}
