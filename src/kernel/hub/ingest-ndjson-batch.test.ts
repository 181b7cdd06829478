// A batch of streamed NDJSON (decision 2093): its arrays are made at the batch's size and cut to
// what was filled, so the bus gets exactly the drafts (no holes, no length past them); a batch
// whose every line reached the bus is answered with the bus's own outcomes (no copy per batch),
// a refused line still given its line number; a batch with lines that failed before the bus
// merges both in line order, as before.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { BusClient, PublishReceipt } from '../../bus/index.ts'
import { fail, HubError, ok, type Result } from '../../contracts/index.ts'
import { ingestNdjson } from './ingest-ndjson.ts'

type Outcome = Result<PublishReceipt>

/** A stand-in bus: records what it was handed and answers a receipt per draft, refusing payload.bad. */
function recordingBus() {
  const calls: { drafts: readonly unknown[]; outcomes: Outcome[] }[] = []
  let seq = 0
  const bus = {
    publishManyUntyped: async (drafts: readonly unknown[]) => {
      const outcomes = drafts.map((draft): Outcome => {
        if ((draft as { payload?: { bad?: boolean } }).payload?.bad === true)
          return fail(new HubError('E_VALIDATION', 'refused by the stand-in'))
        seq++
        return ok({ id: `id-${seq}`, seq })
      })
      calls.push({ drafts, outcomes })
      return outcomes
    },
  } as unknown as BusClient
  return { bus, calls }
}

async function ingest(bus: BusClient, lines: string[], batchEvents: number): Promise<Outcome[][]> {
  const batches: Outcome[][] = []
  const options = { maxEvents: 10_000, batchEvents, batchesInFlight: 2 }
  for await (const results of ingestNdjson(bus, [`${lines.join('\n')}\n`], undefined, options))
    batches.push(results)
  return batches
}

const good = (n: number) => JSON.stringify({ type: 'ui.feedback', payload: { target: `t-${n}` } })

test('a batch of lines that all reach the bus is answered with the bus’s own outcomes', async () => {
  const { bus, calls } = recordingBus()
  const lines = Array.from({ length: 10 }, (_, n) => good(n))
  lines[3] = JSON.stringify({ type: 'ui.feedback', payload: { bad: true } })
  const batches = await ingest(bus, lines, 4)
  assert.deepEqual(
    calls.map((call) => call.drafts.length),
    [4, 4, 2],
  )
  assert.equal(batches.length, 3)
  for (const [index, call] of calls.entries()) {
    assert.equal(batches[index], call.outcomes, `batch ${index}: the bus's array itself`)
    assert.equal(Object.keys(call.drafts).length, call.drafts.length, 'no holes handed to the bus')
  }
  const refused = batches[0]![3]!
  assert.equal(refused.ok, false)
  assert.deepEqual(!refused.ok && refused.error.details, { line: 4 })
})

test('lines that fail before the bus are merged with its outcomes in line order', async () => {
  const { bus, calls } = recordingBus()
  // Not JSON, then a lone surrogate: both fail before the bus.
  const lines = [
    good(0),
    '{not json',
    good(2),
    '',
    good(4),
    '{"type":"ui.feedback","payload":{"t":"\\ud800"}}',
    good(6),
  ]
  const [results, ...rest] = await ingest(bus, lines, 100)
  assert.equal(rest.length, 0)
  assert.equal(calls.length, 1)
  assert.equal(calls[0]!.drafts.length, 4)
  assert.equal(Object.keys(calls[0]!.drafts).length, 4, 'no holes handed to the bus')
  assert.deepEqual(
    results!.map((result) => (result.ok ? `seq ${result.data.seq}` : `line ${result.error.details?.line}`)),
    ['seq 1', 'line 2', 'seq 2', 'seq 3', 'line 6', 'seq 4'],
  )
})
