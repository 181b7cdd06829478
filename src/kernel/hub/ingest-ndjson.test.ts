// Streamed NDJSON ingest (decision 1635): what the overlap relies on. A real SQLite bus whose
// publishManyUntyped answers are held back (a slow commit) shows that batch N+1 is handed to the
// bus while batch N is still committing, that no receipt is yielded before its batch's answer,
// and that a body split anywhere (inside a line, inside a UTF-8 character) and broken off in the
// middle keeps every line number and stores every line before the break.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { BusClient, PublishReceipt } from '../../bus/index.ts'
import { openBus } from '../../bus-factory/index.ts'
import { HubError, type Result } from '../../contracts/index.ts'

type PublishOutcome = Result<PublishReceipt>

import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { ingestNdjson } from './ingest-ndjson.ts'

const OPTIONS = { maxEvents: 10_000, batchEvents: 1000, batchesInFlight: 2 }

/** The bus with each publishManyUntyped answer held until the test releases it, in call order. */
function gated(bus: BusClient) {
  const held: { size: number; release: () => void; settled: boolean }[] = []
  const gate = { open: false }
  const publishManyUntyped = (drafts: readonly unknown[]) => {
    const committed = bus.publishManyUntyped(drafts)
    return new Promise<PublishOutcome[]>((resolve, reject) => {
      const entry = {
        size: drafts.length,
        settled: false,
        release: () => {
          entry.settled = true
          committed.then(resolve, reject)
        },
      }
      held.push(entry)
      if (gate.open) entry.release()
    })
  }
  // The bus is frozen: the wrapper inherits everything else from it.
  const client = Object.create(bus, { publishManyUntyped: { value: publishManyUntyped } }) as BusClient
  return { client, held, gate }
}

/** Cuts text into chunks of `size` bytes, so lines and multi-byte characters straddle chunk edges. */
function* chunksOf(text: string, size: number): Generator<Uint8Array> {
  const bytes = Buffer.from(text, 'utf8')
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size)
}

const line = (n: number) =>
  JSON.stringify({ type: 'ui.feedback', payload: { target: `é-${n}`, helpful: true } })

test('batch N+1 is queued while N commits, and no receipt comes before its batch is answered', {
  timeout: 30_000,
}, async (t) => {
  const dir = makeTempDir('localhub-ingest-ndjson-')
  t.after(() => dir.remove())
  const bus = await openBus({ transport: 'sqlite', dataDir: dir.path })
  t.after(() => bus.close())
  const { client, held, gate } = gated(bus)
  const lines = Array.from({ length: 2500 }, (_, n) => line(n + 1))
  lines[1499] = 'not json'
  const results = ingestNdjson(client, chunksOf(`${lines.join('\n')}\n`, 997), undefined, OPTIONS)

  const first = results.next()
  let firstDone = false
  void first.then(() => {
    firstDone = true
  })
  // Let the generator read on until it waits for the first batch.
  while (held.length < 2) await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(
    held.map((entry) => entry.size),
    [1000, 999],
    'the second batch (with its bad line left out) went to the bus before the first was answered',
  )
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve))
  assert.equal(firstDone, false, 'no receipt before the first batch is answered')
  assert.equal(held.length, 2, 'at most two batches in flight')

  held[0]!.release()
  const batch1 = await first
  assert.equal(batch1.done, false)
  assert.equal(batch1.value!.length, 1000)
  assert.ok(batch1.value!.every((result) => result.ok))
  // From here on every batch is answered as soon as it is committed.
  gate.open = true
  held[1]!.release()
  const rest: PublishOutcome[] = []
  for await (const results2 of { [Symbol.asyncIterator]: () => results }) rest.push(...results2)
  assert.equal(rest.length, 1500)
  const bad = rest[499]!
  assert.equal(bad.ok, false)
  assert.equal(!bad.ok && bad.error.code, 'E_BAD_REQUEST')
  assert.equal(!bad.ok && bad.error.details?.line, 1500)
  const seqs = [...batch1.value!, ...rest].flatMap((result) => (result.ok ? [result.data.seq!] : []))
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
    'receipts in line order are in seq order',
  )
  const stored: string[] = []
  for await (const event of bus.replay({ filter: 'ui.feedback' }))
    stored.push((event.payload as { target: string }).target)
  assert.equal(stored.length, 2499)
  assert.equal(stored[0], 'é-1', 'a character split across chunks arrives whole')
})

test('a body that breaks off mid-stream answers its line; every complete line before it is stored', async (t) => {
  const dir = makeTempDir('localhub-ingest-ndjson-')
  t.after(() => dir.remove())
  const bus = await openBus({ transport: 'sqlite', dataDir: dir.path })
  t.after(() => bus.close())
  const lines = Array.from({ length: 1204 }, (_, n) => line(n + 1))
  lines[601] = '{"type":"ui.feedback","payload":{"target":"x"}}' // helpful missing: E_VALIDATION
  const text = `${lines.join('\n')}\n${line(1205).slice(0, 20)}`
  async function* broken(): AsyncGenerator<Uint8Array> {
    yield* chunksOf(text, 4096)
    throw new HubError('E_RESOURCE_LIMIT', 'the body is over 1000 bytes')
  }
  const answers: PublishOutcome[] = []
  for await (const batch of ingestNdjson(bus, broken(), undefined, OPTIONS)) answers.push(...batch)
  assert.equal(answers.length, 1205)
  const invalid = answers[601]!
  assert.equal(!invalid.ok && invalid.error.code, 'E_VALIDATION')
  assert.equal(!invalid.ok && invalid.error.details?.line, 602)
  const last = answers[1204]!
  assert.equal(!last.ok && last.error.code, 'E_RESOURCE_LIMIT')
  assert.equal(!last.ok && last.error.details?.line, 1205, 'the line being read when the body broke')
  let stored = 0
  for await (const _ of bus.replay({ filter: 'ui.feedback' })) stored++
  assert.equal(stored, 1203, 'every complete, valid line before the break')
})

test('the line past the most events per body answers E_RESOURCE_LIMIT with its number', async (t) => {
  const dir = makeTempDir('localhub-ingest-ndjson-')
  t.after(() => dir.remove())
  const bus = await openBus({ transport: 'sqlite', dataDir: dir.path })
  t.after(() => bus.close())
  const lines = Array.from({ length: 30 }, (_, n) => line(n + 1))
  lines.splice(5, 0, '', '   ')
  const answers: PublishOutcome[] = []
  const options = { maxEvents: 25, batchEvents: 10, batchesInFlight: 2 }
  for await (const batch of ingestNdjson(bus, chunksOf(lines.join('\n'), 64), undefined, options))
    answers.push(...batch)
  assert.equal(answers.length, 26)
  const over = answers[25]!
  assert.equal(!over.ok && over.error.code, 'E_RESOURCE_LIMIT')
  assert.equal(!over.ok && over.error.details?.line, 28, 'blank lines count as lines, not as events')
})

test("a body already in memory lets the bus's consumers run between its batches (decision 1647)", async (t) => {
  const dir = makeTempDir('localhub-ingest-ndjson-')
  t.after(() => dir.remove())
  const bus = await openBus({ transport: 'sqlite', dataDir: dir.path })
  t.after(() => bus.close())
  let delivered = 0
  await bus.subscribe(
    'ui.feedback',
    () => {
      delivered++
    },
    { durable: 'ingest-neighbour', from: 'new' },
  )
  // How many events the consumer had been handed when each batch went to the bus.
  const deliveredAtCall: number[] = []
  const client = Object.create(bus, {
    publishManyUntyped: {
      value: (drafts: readonly unknown[]) => {
        deliveredAtCall.push(delivered)
        return bus.publishManyUntyped(drafts)
      },
    },
  }) as BusClient
  const body = [Buffer.from(`${Array.from({ length: 5000 }, (_, n) => line(n + 1)).join('\n')}\n`)]
  let answered = 0
  for await (const results of ingestNdjson(client, body, undefined, OPTIONS)) answered += results.length
  assert.equal(answered, 5000)
  assert.equal(deliveredAtCall.length, 5)
  // Without a turn of the event loop per batch the whole body is published before the consumer's
  // first read (0 at every call), and it then reads the body back from the database.
  assert.ok(
    deliveredAtCall[2]! >= 1000,
    `batch 1 was delivered before batch 3 was published (delivered at each call: ${deliveredAtCall.join(', ')})`,
  )
})

test('a line whose bytes are not UTF-8 is refused with its number, however the body is cut', async (t) => {
  const dir = makeTempDir('localhub-ingest-ndjson-')
  t.after(() => dir.remove())
  const bus = await openBus({ transport: 'sqlite', dataDir: dir.path })
  t.after(() => bus.close())
  const event = (target: string) =>
    Buffer.from(JSON.stringify({ type: 'ui.feedback', payload: { target, helpful: true } }))
  const withBytes = (before: string, bytes: number[], after: string) =>
    Buffer.concat([
      Buffer.from(`{"type":"ui.feedback","payload":{"target":"${before}`),
      Buffer.from(bytes),
      Buffer.from(`${after}","helpful":true}}`),
    ])
  const lines = [
    event('plain'),
    withBytes('a', [0xff, 0xfe], 'b'), // never UTF-8
    event('€ and 😀'),
    withBytes('cut', [0xe2, 0x82], ''), // a sequence that stops short inside the line
    withBytes('lone', [0x80], ''), // a continuation byte with no lead
    event('é'),
    withBytes('overlong', [0xc0, 0xaf], ''), // an overlong "/"
  ]
  // The body ends inside a character: its last line is refused too.
  const body = Buffer.concat([
    ...lines.flatMap((bytes) => [bytes, Buffer.from('\n')]),
    event('end').subarray(0, 40),
    Buffer.from([0xf0, 0x9f]),
  ])
  const expected = ['ok', 'bad', 'ok', 'bad', 'bad', 'ok', 'bad', 'bad']
  for (const size of [1, 2, 3, 5, 64, body.length]) {
    const chunks: Uint8Array[] = []
    for (let at = 0; at < body.length; at += size) chunks.push(body.subarray(at, at + size))
    const answers: PublishOutcome[] = []
    for await (const batch of ingestNdjson(bus, chunks, undefined, OPTIONS)) answers.push(...batch)
    assert.deepEqual(
      answers.map((answer) =>
        answer.ok ? 'ok' : answer.error.code === 'E_BAD_REQUEST' ? 'bad' : answer.error.code,
      ),
      expected,
      `chunks of ${size} bytes`,
    )
    for (const [index, answer] of answers.entries()) {
      if (answer.ok) continue
      assert.equal(answer.error.details?.line, index + 1)
      assert.match(answer.error.message, /^line \d+ is not valid UTF-8$/)
    }
  }
  const targets: string[] = []
  for await (const stored of bus.replay({ filter: 'ui.feedback' }))
    targets.push((stored.payload as { target: string }).target)
  assert.equal(targets.length, 18)
  assert.deepEqual(targets.slice(0, 3), ['plain', '€ and 😀', 'é'], 'valid text is stored unchanged')
  assert.ok(!targets.some((target) => target.includes('\uFFFD')), 'no replacement character is stored')
})

test('a slow sender’s lines are stored and answered within the batch wait, before the body ends', {
  timeout: 10_000,
}, async (t) => {
  const dir = makeTempDir('localhub-ingest-ndjson-')
  t.after(() => dir.remove())
  const bus = await openBus({ transport: 'sqlite', dataDir: dir.path })
  t.after(() => bus.close())
  let finish = () => {}
  const finished = new Promise<void>((resolve) => {
    finish = resolve
  })
  // Three lines, then the sender pauses until the test has seen their receipts.
  async function* slow(): AsyncGenerator<Uint8Array> {
    yield Buffer.from(`${line(1)}\n${line(2)}\n`)
    yield Buffer.from(`${line(3)}\n`)
    await finished
    yield Buffer.from(`${line(4)}\n`)
  }
  const answers: PublishOutcome[][] = []
  const reading = (async () => {
    const options = { ...OPTIONS, batchMaxWaitMs: 20 }
    for await (const batch of ingestNdjson(bus, slow(), undefined, options)) {
      answers.push(batch)
      if (answers.length === 1) {
        let stored = 0
        for await (const _ of bus.replay({ filter: 'ui.feedback' })) stored++
        assert.equal(stored, 3, 'the first three lines are stored while the body is still open')
        finish()
      }
    }
  })()
  await reading
  assert.deepEqual(
    answers.map((batch) => batch.length),
    [3, 1],
  )
  assert.ok(answers.flat().every((answer) => answer.ok))
})
