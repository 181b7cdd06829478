// A canonical UUID (lower-case hex in the 8-4-4-4-12 layout, as the bus's uuidV7 makes) kept as
// four 32-bit words instead of a 36-character string on the heap (decision 1760).

/** Words of an id in an Int32Array column. */
export const ID_WORDS = 4

const DASH = 45
/** Value of each lower-case hex digit by character code, -1 for every other character. */
const HEX_VALUES = (() => {
  const table = new Int8Array(128).fill(-1)
  for (let digit = 0; digit < 16; digit++) table['0123456789abcdef'.charCodeAt(digit)] = digit
  return table
})()
const HEX_CODES = Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0))

function isDashAt(index: number): boolean {
  return index === 8 || index === 13 || index === 18 || index === 23
}

/** Four hex digits at `at` as a 16-bit number, or -1 when one is not a lower-case hex digit. */
function hex4(id: string, at: number): number {
  const a = id.charCodeAt(at)
  const b = id.charCodeAt(at + 1)
  const c = id.charCodeAt(at + 2)
  const d = id.charCodeAt(at + 3)
  const digitA = HEX_VALUES[a & 127]!
  const digitB = HEX_VALUES[b & 127]!
  const digitC = HEX_VALUES[c & 127]!
  const digitD = HEX_VALUES[d & 127]!
  // Negative when a digit is not one (the table's -1) or a character is past ASCII (a | b | c | d
  // then has a bit above 127, which `& 127` hid from the table).
  if ((digitA | digitB | digitC | digitD | (127 - (a | b | c | d))) < 0) return -1
  return (digitA << 12) | (digitB << 8) | (digitC << 4) | digitD
}

/**
 * Writes the 128 bits of `id` into words[at … at + 3] and returns true when `id` is a canonical
 * UUID: exactly the string unpackId gives back. Any other string (upper-case hex, another
 * length or layout) returns false and writes nothing.
 */
export function packId(id: string, words: Int32Array, at: number): boolean {
  if (
    id.length !== 36 ||
    id.charCodeAt(8) !== DASH ||
    id.charCodeAt(13) !== DASH ||
    id.charCodeAt(18) !== DASH ||
    id.charCodeAt(23) !== DASH
  )
    return false
  const first = hex4(id, 0)
  const second = hex4(id, 4)
  const third = hex4(id, 9)
  const fourth = hex4(id, 14)
  const fifth = hex4(id, 19)
  const sixth = hex4(id, 24)
  const seventh = hex4(id, 28)
  const eighth = hex4(id, 32)
  if ((first | second | third | fourth | fifth | sixth | seventh | eighth) < 0) return false
  words[at] = (first << 16) | second
  words[at + 1] = (third << 16) | fourth
  words[at + 2] = (fifth << 16) | sixth
  words[at + 3] = (seventh << 16) | eighth
  return true
}

/** The id's 36 character codes, reused: one flat string is made from them per call. */
const codes: number[] = Array.from({ length: 36 }, () => DASH)

/** The canonical UUID whose words packId wrote at `at`. */
export function unpackId(words: Int32Array, at: number): string {
  let index = 0
  for (let slot = at; slot < at + ID_WORDS; slot++) {
    const word = words[slot]!
    for (let shift = 28; shift >= 0; shift -= 4) {
      if (isDashAt(index)) index++
      codes[index++] = HEX_CODES[(word >>> shift) & 15]!
    }
  }
  return String.fromCharCode.apply(null, codes)
}
