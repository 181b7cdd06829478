// What `events publish` sends a hub, read as bytes (decision 2088), against readNumberedLines (what
// it sent before): for any input and any chunking, the same lines are sent, in the same order, with
// the same numbers, the same ones are refused, and the hub, splitting the body on LF and skipping
// blank lines as it does, reads the very texts readNumberedLines made.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { PublishReceipt } from '../../bus/index.ts'
import { receiptLine } from './events-publish.ts'
import { type BodySegment, readBodySegments, runEndAfter } from './events-publish-body.ts'
import { readNumberedLines } from './ndjson-lines.ts'

async function* chunked(bytes: Buffer, sizes: () => number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; ) {
    const size = Math.max(1, sizes())
    yield bytes.subarray(at, at + size)
    at += size
  }
}

/** A tiny seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

const PIECES: (string | Buffer)[] = [
  '{"type":"note.added","payload":{"n":1}}',
  '{"type":"note.added","payload":{"title":"é ü 😀 \u2028"}}',
  '   {"type":"x"}  ',
  '',
  '   ',
  '\t',
  '\uFEFF{"type":"bom"}',
  '\uFFFD literal replacement',
  'not json at all',
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from('{"cut":"€"}'),
  Buffer.from([0xed, 0xa0, 0x80]),
]
const ENDS = ['\n', '\r\n', '\r', '\n\n', '\r\r\n']

function inputOf(next: () => number, lines: number, bom: boolean): Buffer {
  const parts: Buffer[] = bom ? [Buffer.from('\uFEFF')] : []
  for (let n = 0; n < lines; n++) {
    const piece = PIECES[Math.floor(next() * PIECES.length)]!
    parts.push(typeof piece === 'string' ? Buffer.from(piece) : piece)
    if (n < lines - 1 || next() < 0.7) parts.push(Buffer.from(ENDS[Math.floor(next() * ENDS.length)]!))
  }
  return Buffer.concat(parts)
}

/** What each reader gives, as the hub sees it: sent and refused line numbers in order, and the texts. */
async function viaNumberedLines(input: Buffer, sizes: () => number) {
  const order: string[] = []
  const texts: string[] = []
  for await (const lines of readNumberedLines(chunked(input, sizes))) {
    for (const line of lines) {
      if (line.notUtf8) order.push(`refused ${line.line}`)
      else {
        order.push(`sent ${line.line}`)
        texts.push(line.text)
      }
    }
  }
  return { order, texts }
}

async function viaSegments(input: Buffer, sizes: () => number) {
  const order: string[] = []
  const body: Buffer[] = []
  for await (const segments of readBodySegments(chunked(input, sizes))) {
    for (const segment of segments) {
      if (segment.kind === 'refused') order.push(`refused ${segment.line}`)
      else {
        for (const line of segment.sent) order.push(`sent ${line}`)
        body.push(segment.bytes)
        assert.equal(segment.bytes.at(-1), 0x0a, 'a run ends with its last line end')
      }
    }
  }
  // The hub's reading: LF-split, blank lines skipped (it trims each line).
  const texts = Buffer.concat(body)
    .toString('utf8')
    .split('\n')
    .filter((text) => text.trim() !== '')
  return { order, texts }
}

test('the bytes sent are the lines readNumberedLines makes, for any input and chunking', async () => {
  for (let seed = 1; seed <= 400; seed++) {
    const next = random(seed)
    const input = inputOf(next, 1 + Math.floor(next() * 30), next() < 0.2)
    const limit = 1 + Math.floor(next() * 64)
    const seedA = random(seed * 7)
    const seedB = random(seed * 7)
    const expected = await viaNumberedLines(input, () => Math.floor(seedA() * limit) + 1)
    const actual = await viaSegments(input, () => Math.floor(seedB() * limit) + 1)
    assert.deepEqual(actual, expected, `seed ${seed}: ${JSON.stringify(input.toString('latin1'))}`)
  }
})

test('whole LF-ended UTF-8 lines are sent as one slice of the chunk read, not a copy per line', async () => {
  const lines = Array.from({ length: 50 }, (_, n) => `{"n":${n}}`)
  lines.splice(7, 0, '', '  ')
  const chunk = Buffer.from(`${lines.join('\n')}\n`)
  const all: BodySegment[] = []
  for await (const segments of readBodySegments(chunked(chunk, () => chunk.length))) all.push(...segments)
  assert.equal(all.length, 1)
  const run = all[0]!
  assert.equal(run.kind, 'run')
  if (run.kind !== 'run') return
  assert.equal(run.bytes.buffer, chunk.buffer, 'a view of the bytes read')
  assert.equal(run.bytes.length, chunk.length)
  assert.deepEqual(
    run.sent,
    Array.from({ length: 52 }, (_, n) => n + 1).filter((line) => line !== 8 && line !== 9),
  )
  // Where a request's share ends: just after the LF of the line named.
  assert.equal(chunk.subarray(0, runEndAfter(run, 10)).toString(), `${lines.slice(0, 10).join('\n')}\n`)
})

test('a printed receipt is what JSON.stringify writes, the usual one written without it', (t) => {
  const generic = (receipt: PublishReceipt) => {
    const shown: Record<string, unknown> = { id: receipt.id, seq: receipt.seq ?? null }
    if (receipt.duplicate) shown.duplicate = true
    return `${JSON.stringify(shown)}\n`
  }
  const receipts = [
    { id: '01938f2a-7c1b-7000-8000-00000000abcd', seq: 12 },
    { id: 'quote " and \\ backslash', seq: 1 },
    { id: 'é \u2028 😀 \u007f', seq: 2 },
    { id: 'plain', seq: 3, duplicate: true },
    { id: 'plain' },
    { id: 'plain', seq: 1.5 },
    { id: 'plain', seq: -0 },
  ] as PublishReceipt[]
  for (const receipt of receipts)
    assert.equal(receiptLine(receipt), generic(receipt), JSON.stringify(receipt))
  const stringify = t.mock.method(JSON, 'stringify')
  receiptLine({ id: '01938f2a-7c1b-7000-8000-00000000abcd', seq: 12 })
  assert.equal(stringify.mock.callCount(), 0)
})
