// A receipt line is exactly JSON.stringify(result) and a newline, whatever the result's shape
// (decision 1791): the written-out common case must never differ from the generic one.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fail, HubError, type Result } from '../../contracts/index.ts'
import { receiptLine, receiptsText } from './receipt-line.ts'
import type { PublishReceipt } from './server-types.ts'

class Receipt {
  constructor(
    readonly id: string,
    readonly seq: number,
  ) {}
}

const ID = '01938f2a-7c1b-7000-8000-00000000abcd'

/** Its own keys look like a receipt's; JSON.stringify writes what toJSON answers instead. */
class Disguised {
  id = ID
  seq = 4
  toJSON() {
    return 'not a receipt'
  }
}

test('a receipt line is the result as JSON.stringify writes it, for every shape', () => {
  const shapes: unknown[] = [
    { ok: true, data: { id: ID, seq: 1 } },
    { ok: true, data: { id: ID, seq: 12, sessionSeq: 3 } },
    { ok: true, data: { id: ID, seq: -0, sessionSeq: 0 } },
    { ok: true, data: { id: 'quote " backslash \\ line\n é \u2028 😀', seq: 5 } },
    { ok: true, data: { id: 'é \u2028 \u007f plain', seq: 6, sessionSeq: 1 } },
    { ok: true, data: { id: 'pair 😀', seq: 7 } },
    { ok: true, data: { id: 'lone \ud800 surrogate', seq: 8 } },
    { ok: true, data: { id: 'control \u001f', seq: 9, sessionSeq: 2 } },
    { ok: true, data: { id: '', seq: 10 } },
    { ok: true, data: { id: ID, duplicate: true } },
    { ok: true, data: { id: ID, seq: 4, duplicate: true } },
    { ok: true, data: { id: ID, seq: 4, sessionSeq: 2, duplicate: true } },
    { ok: true, data: { seq: 4, id: ID } },
    { ok: true, data: { id: ID, sessionSeq: 2, seq: 4 } },
    { ok: true, data: { id: ID, seq: 1.5 } },
    { ok: true, data: { id: ID, seq: 2 ** 60 } },
    { ok: true, data: { id: ID, seq: Number.NaN } },
    { ok: true, data: { id: ID, seq: 4, sessionSeq: undefined } },
    { ok: true, data: { id: ID, seq: 4, sessionSeq: '2' } },
    { ok: true, data: { id: 7, seq: 4 } },
    { ok: true, data: { id: ID, seq: 4, extra: 1 } },
    { ok: true, data: { id: ID, seq: 4, toJSON: () => 'replaced' } },
    { ok: true, data: new Receipt(ID, 4) },
    { ok: true, data: new Disguised() },
    { ok: true, data: { id: ID, seq: 4 }, more: 1 },
    { data: { id: ID, seq: 4 }, ok: true },
    { ok: 1, data: { id: ID, seq: 4 } },
    Object.assign(Object.create({ inherited: 1 }), { ok: true, data: { id: ID, seq: 4 } }),
    fail(new HubError('E_VALIDATION', 'bad "payload"', { details: { where: '/payload/x', line: 3 } })),
  ]
  for (const shape of shapes) {
    assert.equal(
      receiptLine(shape as Result<PublishReceipt>),
      `${JSON.stringify(shape)}\n`,
      JSON.stringify(shape),
    )
  }
  assert.equal(
    receiptsText(shapes as Result<PublishReceipt>[]),
    shapes.map((shape) => `${JSON.stringify(shape)}\n`).join(''),
  )
})

test('a stored receipt with a plain id is written without JSON.stringify or a key array', (t) => {
  // What made a receipt cost ~560 bytes (decision 2088): JSON.stringify's copy of the id and the
  // two arrays of Object.keys. Counted, so going back to either fails here.
  const stringify = t.mock.method(JSON, 'stringify')
  const keys = t.mock.method(Object, 'keys')
  const results = [
    { ok: true, data: { id: ID, seq: 1 } },
    { ok: true, data: { id: ID, seq: 2, sessionSeq: 1 } },
  ] as Result<PublishReceipt>[]
  const text = receiptsText(results)
  assert.equal(stringify.mock.callCount(), 0)
  assert.equal(keys.mock.callCount(), 0)
  stringify.mock.restore()
  assert.equal(text, results.map((result) => `${JSON.stringify(result)}\n`).join(''))
})
