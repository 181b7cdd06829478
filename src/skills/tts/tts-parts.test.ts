import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parsePhoneDurations, readWave } from './flite.ts'
import { sentencesOf } from './sentence-splitter.ts'
import { VISEME_OF_PHONE, visemesOf } from './visemes.ts'

test('flite -psdur output becomes phones with end times; visemes start where the previous phone ended', () => {
  const phones = parsePhoneDurations('pau:0.164 hh:0.255 ax:0.304 l:0.412 ow:0.548 pau:0.700 \n')
  assert.deepEqual(
    phones.map((phone) => phone.endMs),
    [164, 255, 304, 412, 548, 700],
  )
  assert.deepEqual(visemesOf(phones, 1000), {
    visemes: ['sil', 'kk', 'aa', 'nn', 'O', 'sil'],
    timingMs: [1000, 1164, 1255, 1304, 1412, 1548],
  })
  assert.equal(visemesOf([{ phone: 'zz', endMs: 10 }], 0).visemes[0], 'sil')
})

test('every phone of the CMU set flite speaks has a viseme', () => {
  const cmu =
    'aa ae ah ao aw ax axr ay b ch d dh eh el em en er ey f g hh ih iy jh k l m n ng ow oy p r s sh t th uh uw v w y z zh pau'
  for (const phone of cmu.split(' ')) assert.ok(VISEME_OF_PHONE[phone], phone)
})

test('an answer is spoken sentence by sentence; pieces without words are skipped', () => {
  assert.deepEqual(sentencesOf('It is noon. Really?  Yes!\n\n- ok: fine; done ... '), [
    'It is noon.',
    'Really?',
    'Yes!',
    '- ok:',
    'fine;',
    'done ...',
  ])
  assert.deepEqual(sentencesOf(' ... \n'), [])
  const long = sentencesOf(`${'word '.repeat(100)}end`, 42)
  assert.ok(long.length > 10 && long.every((piece) => piece.length <= 42))
  assert.equal(long.join(' '), `${'word '.repeat(100)}end`)
  assert.deepEqual(sentencesOf('x'.repeat(50), 20), ['x'.repeat(20), 'x'.repeat(20), 'x'.repeat(10)])
})

test('a WAVE file: format and data chunks are found past other chunks; other formats are refused', () => {
  const data = Buffer.from([1, 0, 2, 0])
  const chunk = (id: string, body: Buffer) => {
    const head = Buffer.alloc(8)
    head.write(id, 0, 'ascii')
    head.writeUInt32LE(body.length, 4)
    return Buffer.concat([head, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)])
  }
  const fmt = (channels: number, bits: number) => {
    const body = Buffer.alloc(16)
    body.writeUInt16LE(1, 0)
    body.writeUInt16LE(channels, 2)
    body.writeUInt32LE(16_000, 4)
    body.writeUInt16LE(bits, 14)
    return body
  }
  const wave = (format: Buffer) =>
    Buffer.concat([
      Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'),
      chunk('LIST', Buffer.from('abc')),
      chunk('fmt ', format),
      chunk('data', data),
    ])
  assert.deepEqual(readWave(wave(fmt(1, 16))), { sampleRate: 16_000, pcm: data })
  assert.throws(() => readWave(wave(fmt(2, 16))), /2 channel/)
  assert.throws(() => readWave(Buffer.from('not a wave file')), /WAVE/)
})
