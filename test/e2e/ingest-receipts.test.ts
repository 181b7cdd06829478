// POST /events?receipts=summary: one line per published batch (1000 lines), failures still listed
// with their line; a bad receipts value is refused before anything is stored (decision 1623).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { call, setUp, startHub } from './manifest-keys-kit.ts'

const feedback = (target: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'ui.feedback', payload: { target, helpful: true }, ...extra })

test('receipts=summary answers one line per batch and loses no failure', { timeout: 60_000 }, async (t) => {
  const setup = setUp(t)
  const hub = await startHub(t, setup, () => {})
  const post = (query: string, lines: string[]) =>
    fetch(`${hub.url}/events${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/x-ndjson' },
      body: `${lines.join('\n')}\n`,
    })

  const lines = Array.from({ length: 2200 }, (_, n) => feedback(`summary-${n}`))
  lines[10] = 'not json'
  lines[1200] = JSON.stringify({ type: 'ui.feedback', payload: { target: 'x' } }) // helpful missing
  lines[1201] = feedback('dup', { id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' })
  lines[1202] = feedback('dup', { id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' })
  const response = await post('?receipts=summary', lines)
  assert.equal(response.status, 200)
  const summaries = (await response.text())
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line))
  assert.equal(summaries.length, 3, 'batches of 1000, 1000 and 200 lines')
  assert.deepEqual(
    summaries.map((summary) => summary.events),
    [1000, 1000, 200],
  )
  const [first, second, third] = summaries
  assert.equal(first.ok, false)
  assert.equal(first.stored, 999)
  assert.equal(first.failed.length, 1)
  assert.equal(first.failed[0].details.line, 11)
  assert.equal(second.ok, false)
  assert.equal(second.failed[0].details.line, 1201)
  assert.equal(second.failed[0].code, 'E_VALIDATION')
  assert.equal(second.duplicates, 1, 'the second copy of one id is a duplicate')
  assert.equal(second.stored, 998)
  assert.equal(third.ok, true)
  assert.equal(third.stored, 200)
  assert.ok(first.firstSeq < first.lastSeq && first.lastSeq < second.firstSeq)
  assert.ok(third.lastSeq - third.firstSeq === 199)

  const stored = await call(hub, 'GET', '/events?type=ui.feedback&limit=10000')
  const targets = new Set(
    (stored.body.data as { payload: { target: string } }[]).map((event) => event.payload.target),
  )
  assert.equal(targets.size, 2200 - 3, 'every good line stored once, the two copies as one')

  const refused = await post('?receipts=some', [feedback('never')])
  assert.equal(refused.status, 400)
  const body = (await refused.json()) as { error: { code: string; message: string } }
  assert.equal(body.error.code, 'E_BAD_REQUEST')
  assert.match(body.error.message, /receipts/)
  const after = await call(hub, 'GET', '/events?type=ui.feedback&limit=10000')
  assert.ok(!(after.body.data as { payload: { target: string } }[]).some((e) => e.payload.target === 'never'))
})
