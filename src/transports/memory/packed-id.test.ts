// A canonical UUID survives packing exactly; anything else is refused, so the memory log keeps
// such ids as the strings they were (decision 1760).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { uuidV7 } from '../../bus/index.ts'
import { ID_WORDS, packId, unpackId } from './packed-id.ts'

const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

function roundTrip(id: string): string | undefined {
  const words = new Int32Array(ID_WORDS * 3)
  return packId(id, words, ID_WORDS) ? unpackId(words, ID_WORDS) : undefined
}

test('ids the bus makes and random UUIDs come back exactly', () => {
  for (let index = 0; index < 20_000; index++) {
    const id = index % 2 === 0 ? uuidV7() : randomUUID()
    assert.equal(roundTrip(id), id)
  }
  for (const id of ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'])
    assert.equal(roundTrip(id), id)
})

test('a string that is not a canonical lower-case UUID is refused', () => {
  const id = uuidV7()
  const refused = [
    id.toUpperCase(),
    `${id.slice(0, 35)}A`,
    `${id}0`,
    id.slice(1),
    id.replace('-', '0'),
    `${id.slice(0, 8)}0${id.slice(9)}`,
    // Characters past ASCII whose low seven bits are a hex digit ('š' is 0x161: 0x61 is 'a').
    `${id.slice(0, 10)}\u0161${id.slice(11)}`,
    `${id.slice(0, 35)}\u0130`,
    `${id.slice(0, 35)}g`,
    `${id.slice(0, 35)}/`,
    '',
  ]
  for (const candidate of refused) assert.equal(roundTrip(candidate), undefined, candidate)
})

test('on fuzzed strings, packing succeeds exactly for canonical UUIDs', () => {
  const alphabet = '0123456789abcdefABCDEFg-\u0161\u0130 '
  let accepted = 0
  for (let index = 0; index < 50_000; index++) {
    const characters = [...uuidV7()]
    const changes = index % 4
    for (let change = 0; change < changes; change++) {
      const at = Math.floor(Math.random() * characters.length)
      characters[at] = alphabet[Math.floor(Math.random() * alphabet.length)]!
    }
    const candidate = characters.join('')
    const back = roundTrip(candidate)
    if (CANONICAL.test(candidate)) {
      accepted++
      assert.equal(back, candidate)
    } else assert.equal(back, undefined, candidate)
  }
  assert.ok(accepted > 10_000 && accepted < 50_000, `accepted ${accepted}`)
})
