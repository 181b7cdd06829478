import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { headers, type MsgHdrs } from '@nats-io/transport-node'
import {
  HEADER_LIVE,
  HEADER_MSG_ID,
  HEADER_ORIGIN,
  HEADER_SESSION_SEQ,
  HEADER_TYPE,
  readEventHeaders,
  scanHeaderBlock,
} from './wire-headers.ts'

// The scan must read what nats.js's own header decoder reads (decision 1767): each block below is
// decoded both ways and compared, and names nats.js refuses are malformed messages, not throws.

const encoder = new TextEncoder()
const decodeWithNats = (headers() as unknown as { constructor: { decode(bytes: Uint8Array): MsgHdrs } })
  .constructor.decode

function natsReading(block: string) {
  const decoded = decodeWithNats(encoder.encode(block))
  const get = (name: string) => {
    const value = decoded.get(name)
    return value === '' ? undefined : value
  }
  return {
    type: get(HEADER_TYPE),
    msgId: get(HEADER_MSG_ID),
    sessionSeq: get(HEADER_SESSION_SEQ),
    live: get(HEADER_LIVE),
    origin: get(HEADER_ORIGIN),
  }
}

const blocks = [
  'NATS/1.0\r\nLh-Type: note.added\r\nNats-Msg-Id: abc\r\n\r\n',
  'NATS/1.0\r\nLh-Type:note.added\r\nLh-Session-Seq:  12 \r\nNats-Msg-Id:\tx y \r\n\r\n',
  'NATS/1.0\r\nLh-Type: first\r\nLh-Type: second\r\n\r\n',
  'NATS/1.0\r\nlh-type: lower\r\nLH-TYPE: upper\r\n\r\n',
  'NATS/1.0\r\nLh-Type:\r\nNats-Msg-Id: \r\n\r\n',
  'NATS/1.0 503\r\n\r\n',
  'NATS/1.0\r\nno colon here\r\nLh-Type: a:b:c\r\n\r\n',
  'NATS/1.0\r\nX-Other: 1\r\nLh-Session-Seq: 3\r\n',
  'NATS/1.0',
  'NATS/1.0\r\nNats-Msg-Id: é ü 🙂\r\n\r\n',
  'NATS/1.0\r\nLh-Type: llm.token\r\nLh-Live: 1\r\nLh-Origin: o-1\r\nLh-Origin: o-2\r\n\r\n',
]

describe('event headers', () => {
  for (const block of blocks) {
    test(`reads what nats.js reads: ${JSON.stringify(block)}`, () => {
      assert.deepEqual(scanHeaderBlock(block), { ok: true, headers: natsReading(block) })
    })
  }

  test('a header name nats.js cannot decode makes the message malformed instead of throwing', () => {
    const block = 'NATS/1.0\r\nLh-Type: note.added\r\nBad Name: 1\r\n\r\n'
    assert.throws(() => decodeWithNats(encoder.encode(block)))
    const reading = scanHeaderBlock(block)
    assert.equal(reading.ok, false)
    assert.match(reading.ok ? '' : reading.reason, /malformed headers: " " in a header name/)
  })

  test('many lines without a colon are read in linear time', () => {
    const block = `NATS/1.0${'\r\nx'.repeat(200_000)}\r\nLh-Type: t\r\n\r\n`
    const started = performance.now()
    assert.deepEqual(scanHeaderBlock(block), {
      ok: true,
      headers: { type: 't', msgId: undefined, sessionSeq: undefined, live: undefined, origin: undefined },
    })
    assert.ok(performance.now() - started < 1000)
  })

  test('a message without received bytes is read through its MsgHdrs, and a failing one is malformed', () => {
    const stored = headers()
    stored.set(HEADER_TYPE, 'note.added')
    assert.deepEqual(readEventHeaders({ headers: stored }), {
      ok: true,
      headers: {
        type: 'note.added',
        msgId: undefined,
        sessionSeq: undefined,
        live: undefined,
        origin: undefined,
      },
    })
    const broken = {
      get headers(): MsgHdrs {
        throw new Error('cannot decode')
      },
    }
    assert.deepEqual(readEventHeaders(broken), { ok: false, reason: 'malformed headers: cannot decode' })
    assert.deepEqual(readEventHeaders({}), {
      ok: true,
      headers: {
        type: undefined,
        msgId: undefined,
        sessionSeq: undefined,
        live: undefined,
        origin: undefined,
      },
    })
  })

  test('received bytes read as latin1 give what the decoded text gives, and what nats.js gives', () => {
    // Random header blocks of ASCII, UTF-8 and bytes that are not UTF-8 (decision 1781): the fast
    // latin1 read must answer exactly as decoding the block first, and agree with nats.js's decoder
    // wherever that decoder answers (it also throws on a lone CR or LF inside a value).
    const pieces: (string | number[])[] = [
      '\r\n',
      '\r\n',
      '\r\n',
      '\r',
      '\n',
      ':',
      ': ',
      ' ',
      '\t',
      HEADER_TYPE,
      HEADER_MSG_ID,
      HEADER_SESSION_SEQ,
      HEADER_LIVE,
      HEADER_ORIGIN,
      'lh-type',
      'Lh-Typ',
      'X-Other',
      'note.added',
      '12',
      'é',
      '\u00a0',
      '\ufeff',
      '🙂',
      [0xa0],
      [0x85],
      [0xc3],
      [0xff],
      [0xe2, 0x80],
      [0x7f],
      [0x00],
    ]
    let state = 1781
    const random = () => {
      state = (state * 1103515245 + 12345) & 0x7fffffff
      return state / 0x80000000
    }
    const bytesOf = (piece: string | number[]) => (typeof piece === 'string' ? encoder.encode(piece) : piece)
    let agreedWithNats = 0
    for (let round = 0; round < 5000; round++) {
      const parts: number[] = [...encoder.encode(random() < 0.9 ? 'NATS/1.0\r\n' : 'NATS/1.0 503')]
      const count = Math.floor(random() * 14)
      for (let index = 0; index < count; index++)
        parts.push(...bytesOf(pieces[Math.floor(random() * pieces.length)]!))
      const block = Uint8Array.from(parts)
      const rdata = Buffer.concat([block, encoder.encode('{"x":1}')])
      const expected = scanHeaderBlock(new TextDecoder().decode(block))
      const read = readEventHeaders({ msg: { _rdata: rdata, _msg: { hdr: block.length } } })
      assert.deepEqual(read, expected, JSON.stringify([...block]))
      // The same from a plain Uint8Array (nats.js joins chunks into one).
      const joined = readEventHeaders({ _rdata: Uint8Array.from(rdata), _msg: { hdr: block.length } })
      assert.deepEqual(joined, expected, JSON.stringify([...block]))
      let fromNats: ReturnType<typeof natsReading> | undefined
      try {
        fromNats = natsReading(new TextDecoder().decode(block))
      } catch {
        fromNats = undefined
      }
      if (fromNats !== undefined) {
        agreedWithNats++
        assert.deepEqual(read, { ok: true, headers: fromNats }, JSON.stringify([...block]))
      }
    }
    assert.ok(agreedWithNats > 1000, `${agreedWithNats} blocks nats.js decodes`)
  })

  test("nats.js's received bytes are read without its decoder", () => {
    const block = 'NATS/1.0\r\nLh-Type: note.added\r\nNats-Msg-Id: m1\r\n\r\n'
    const bytes = encoder.encode(`${block}{"body":true}`)
    const received = { _rdata: bytes, _msg: { hdr: encoder.encode(block).length } }
    // A headers getter that fails shows the scan never fell back to nats.js's decoder.
    const untouchable = <T extends object>(message: T): T =>
      Object.defineProperty(message, 'headers', {
        get() {
          throw new Error('the decoder was used')
        },
      })
    const expected = {
      ok: true,
      headers: { type: 'note.added', msgId: 'm1', sessionSeq: undefined, live: undefined, origin: undefined },
    }
    assert.deepEqual(readEventHeaders(untouchable({ ...received })), expected, 'a core Msg')
    assert.deepEqual(readEventHeaders(untouchable({ msg: received })), expected, 'a JsMsg')
    const none = { _rdata: bytes, _msg: { hdr: -1 } }
    assert.deepEqual(readEventHeaders(untouchable({ msg: none })), {
      ok: true,
      headers: {
        type: undefined,
        msgId: undefined,
        sessionSeq: undefined,
        live: undefined,
        origin: undefined,
      },
    })
  })
})
