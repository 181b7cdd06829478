// A receipt line read from its fields gives what JSON.parse gives, or nothing (decision 2088).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { storedReceiptOf } from './stored-receipt-text.ts'

const ID = '01938f2a-7c1b-7000-8000-00000000abcd'

test('a stored receipt read from its fields is what JSON.parse gives; anything else is left to it', (t) => {
  const taken = [
    `{"ok":true,"data":{"id":"${ID}","seq":1}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":0}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":123456789012345}}`,
    '{"ok":true,"data":{"id":"","seq":7}}',
    '{"ok":true,"data":{"id":"a b!#[]~","seq":7}}',
    // An event with a session (decision 2094).
    `{"ok":true,"data":{"id":"${ID}","seq":1,"sessionSeq":2}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":40001,"sessionSeq":0}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":12,"sessionSeq":123456789012345}}`,
  ]
  const left = [
    `{"ok":true,"data":{"id":"${ID}","seq":1,"duplicate":true}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":1,"sessionSeq":2,"duplicate":true}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":1,"sessionSeq":02}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":1,"sessionSeq":}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":1,"sessionSeq":-2}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":1,"sessionSeq":2.5}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":1,"sessionSeq":1234567890123456}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":1,"sessionSeq":2}`,
    `{"ok":true,"data":{"id":"${ID}","seq":1,"sessionSeq":2,"sessionSeq":3}}`,
    `{"ok":true,"data":{"id":"${ID}","sessionSeq":2,"seq":1}}`,
    `{"ok":true,"data":{"id":"${ID}","duplicate":true}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":01}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":-1}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":1.5}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":1e3}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":1234567890123456}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":1}} `,
    `{"ok":true,"data":{"id":"${ID}","seq":1}}}`,
    `{"ok":true,"data":{"id":"${ID}","seq":1}`,
    '{"ok":true,"data":{"id":"a\\"b","seq":1}}',
    '{"ok":true,"data":{"id":"a\\\\","seq":1}}',
    '{"ok":true,"data":{"id":"\\u00e9","seq":1}}',
    '{"ok":true,"data":{"id":"é","seq":1}}',
    '{"ok":true,"data":{"seq":1,"id":"x"}}',
    '{"ok":false,"error":{"code":"E_VALIDATION","message":"bad","details":{"line":3}}}',
    '{"ok":true,"data":{"id":"x","seq":1}',
  ]
  for (const text of taken) assert.deepEqual(storedReceiptOf(text), JSON.parse(text), text)
  for (const text of left) assert.equal(storedReceiptOf(text), undefined, text)
  const parse = t.mock.method(JSON, 'parse')
  storedReceiptOf(taken[0]!)
  // A session event's receipt too: what every line of a bulk load of chat or feedback answers.
  storedReceiptOf(`{"ok":true,"data":{"id":"${ID}","seq":1,"sessionSeq":2}}`)
  assert.equal(parse.mock.callCount(), 0)
})
