import assert from 'node:assert/strict'
import { test } from 'node:test'
import { payloadSize, payloadText } from './payload-text.ts'

// The payload read from nats.js's received bytes (decision 1784) must be what the strict decoder
// reads from `data`, and refuse what it refuses with the same error.

const strict = new TextDecoder('utf-8', { fatal: true })

function decodedOrError(bytes: Uint8Array): string {
  try {
    return `text:${strict.decode(bytes)}`
  } catch (error) {
    return `error:${(error as Error).message}`
  }
}

function readOrError(message: { data: Uint8Array }): string {
  try {
    return `text:${payloadText(message)}`
  } catch (error) {
    return `error:${(error as Error).message}`
  }
}

const PIECES: number[][] = [
  [...Buffer.from('{"a":1}')],
  [...Buffer.from('é🙂')],
  [0xef, 0xbb, 0xbf], // BOM
  [0xef, 0xbf, 0xbd], // U+FFFD itself
  [0xc3], // truncated
  [0xe2, 0x82], // truncated
  [0xff],
  [0x80],
  [0xc0, 0xaf], // overlong
  [0xed, 0xa0, 0x80], // a surrogate
  [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
  [0x00],
  [0x20],
]

test('payloads read from received bytes equal the strict decoder on 5,000 random byte strings', () => {
  let state = 1784
  const random = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    return state / 0x80000000
  }
  let refused = 0
  let bom = 0
  for (let round = 0; round < 5000; round++) {
    const body: number[] = []
    const count = Math.floor(random() * 6)
    for (let index = 0; index < count; index++) body.push(...PIECES[Math.floor(random() * PIECES.length)]!)
    const payload = Uint8Array.from(body)
    const header = random() < 0.5 ? Buffer.from('NATS/1.0\r\nLh-Type: x\r\n\r\n') : Buffer.alloc(0)
    const rdata = Buffer.concat([header, payload])
    const expected = decodedOrError(payload)
    if (expected.startsWith('error:')) refused++
    if (body[0] === 0xef && body[1] === 0xbb) bom++
    for (const bytes of [rdata, Uint8Array.from(rdata)]) {
      const received = { _rdata: bytes, _msg: { hdr: header.length === 0 ? -1 : header.length } }
      const data = payload
      for (const message of [
        { data, msg: received },
        { data, ...received },
      ]) {
        assert.equal(readOrError(message), expected, JSON.stringify(body))
        assert.equal(payloadSize(message), payload.length)
      }
    }
    assert.equal(readOrError({ data: payload }), expected, 'without received bytes')
  }
  assert.ok(refused > 500 && bom > 100, `${refused} refused, ${bom} with a BOM`)
})
