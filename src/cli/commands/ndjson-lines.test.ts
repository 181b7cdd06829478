import assert from 'node:assert/strict'
import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import { readNumberedLines } from './ndjson-lines.ts'

/** What readline (`crlfDelay: Infinity`) gave, numbered, empty lines counted and dropped. */
async function byReadline(text: string): Promise<{ line: number; text: string }[]> {
  const lines: { line: number; text: string }[] = []
  let number = 0
  for await (const line of createInterface({
    input: Readable.from([text]),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    number++
    if (line.trim() !== '') lines.push({ line: number, text: line })
  }
  return lines
}

async function byChunks(chunks: (string | Uint8Array)[]): Promise<{ line: number; text: string }[]> {
  const lines: { line: number; text: string }[] = []
  for await (const batch of readNumberedLines(Readable.from(chunks, { objectMode: true })))
    lines.push(...batch)
  return lines
}

const SAMPLES = [
  '{"a":1}\n{"b":2}\n',
  '{"a":1}\r\n\r\n{"b":"é€😀"}\r\n{"c":3}',
  '\n\n{"a":1}\r{"b":2}\r\n  \n{"c":3}\r',
  '{"a":"x"}\n\r\n\r\r{"b":2}\n\n',
  '',
  '   ',
]

test("lines and their numbers are readline's, however the bytes are cut into chunks", async () => {
  for (const sample of SAMPLES) {
    const expected = await byReadline(sample)
    const bytes = Buffer.from(sample, 'utf8')
    // Every cut point, through multi-byte characters and between CR and LF.
    for (let cut = 0; cut <= bytes.length; cut++) {
      const got = await byChunks([bytes.subarray(0, cut), bytes.subarray(cut)])
      assert.deepEqual(got, expected, `${JSON.stringify(sample)} cut at byte ${cut}`)
    }
    assert.deepEqual(await byChunks([...sample]), expected, `${JSON.stringify(sample)} a character at a time`)
  }
})

test('one array per chunk read, not one per line', async () => {
  const text = Array.from({ length: 100 }, (_, n) => `{"n":${n}}`).join('\n')
  const batches: number[] = []
  for await (const batch of readNumberedLines(Readable.from([text.slice(0, 500), text.slice(500)])))
    batches.push(batch.length)
  // Two chunks, and the last line (no line end) once the input ends.
  assert.ok(batches.length <= 3, `got ${batches.length} arrays`)
  assert.equal(
    batches.reduce((sum, size) => sum + size, 0),
    100,
  )
})

test('a byte order mark before line 1 is dropped, wherever the first chunk ends', async () => {
  const bytes = Buffer.from('\uFEFF{"a":1}\n\uFEFF{"b":2}\n', 'utf8')
  for (const cut of [1, 2, 3, 4, bytes.length]) {
    const lines = await byChunks([bytes.subarray(0, cut), bytes.subarray(cut)])
    assert.deepEqual(
      lines,
      [
        { line: 1, text: '{"a":1}' },
        { line: 2, text: '\uFEFF{"b":2}' },
      ],
      `cut at ${cut}`,
    )
  }
})

test('a line whose bytes are not UTF-8 is marked, however the chunks cut it; U+FFFD itself is not', async () => {
  const bytes = Buffer.concat([
    Buffer.from('{"a":"ok \uFFFD"}\n{"b":"'),
    Buffer.from([0xc3, 0x28]),
    Buffer.from('"}\n{"c":"é"}\n{"d":"'),
    // A character cut off by the end of the input.
    Buffer.from([0xe2, 0x82]),
  ])
  for (let cut = 0; cut <= bytes.length; cut++) {
    const lines = await byChunks([bytes.subarray(0, cut), bytes.subarray(cut)])
    assert.deepEqual(
      lines.map((line) => [line.line, 'notUtf8' in line]),
      [
        [1, false],
        [2, true],
        [3, false],
        [4, true],
      ],
      `cut at byte ${cut}`,
    )
  }
})
