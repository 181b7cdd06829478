// POST /events reads NDJSON as it streams in (decision 1635): the first receipts come back while
// the client is still sending, a malformed line in the middle of the stream answers its line
// number (the byte limit of a chunked body: src/kernel/hub/ingest-body-limit.test.ts).
import assert from 'node:assert/strict'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { createInterface } from 'node:readline'
import { test } from 'node:test'
import { call, setUp, startHub } from './manifest-keys-kit.ts'

const feedback = (target: string) =>
  JSON.stringify({ type: 'ui.feedback', payload: { target, helpful: true } })

/** A chunked POST /events (no content-length): the test writes the body as it goes. */
function openChunkedPost(url: string, token: string) {
  const request = httpRequest(`${url}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    agent: false,
  })
  request.flushHeaders()
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    request.on('response', resolve)
    request.on('error', reject)
  })
  return { request, response }
}

type Answer = { ok: boolean; data?: { seq: number }; error?: { code: string; details?: { line?: number } } }

test('receipts come while the body is still being sent; a bad line mid-stream answers its number', async (t) => {
  const setup = setUp(t)
  const hub = await startHub(t, setup, () => {})
  const { request, response } = openChunkedPost(hub.url, hub.token)
  t.after(() => request.destroy())
  const first = Array.from({ length: 1500 }, (_, n) => feedback(`streamed-${n + 1}`))
  first[700] = '{"type":"ui.feedback","payload":' // line 701 cut short
  request.write(`${first.join('\n')}\n`)
  const answer = createInterface({ input: await response })
  const lines = answer[Symbol.asyncIterator]()
  const answers: Answer[] = []
  // The body is not finished: the first batch's receipts can only come from a streamed parse.
  while (answers.length < 1000) {
    const next = await lines.next()
    assert.equal(next.done, false, `the answer ended early: ${JSON.stringify(answers.slice(-2))}`)
    answers.push(JSON.parse(next.value) as Answer)
  }
  request.end(`${Array.from({ length: 600 }, (_, n) => feedback(`streamed-${n + 1501}`)).join('\n')}\n`)
  for (let next = await lines.next(); !next.done; next = await lines.next())
    if (next.value !== '') answers.push(JSON.parse(next.value) as Answer)
  assert.equal(answers.length, 2100)
  const bad = answers[700]!
  assert.equal(bad.ok, false)
  assert.equal(bad.error!.code, 'E_BAD_REQUEST')
  assert.equal(bad.error!.details!.line, 701)
  const seqs = answers.flatMap((result) => (result.ok ? [result.data!.seq] : []))
  assert.equal(seqs.length, 2099)
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
    'receipts in line order',
  )
  const stored = await call(hub, 'GET', '/events?type=ui.feedback&limit=10000')
  const targets = (stored.body.data as { payload: { target: string } }[]).map((event) => event.payload.target)
  assert.equal(targets.length, 2099)
  assert.equal(targets[699], 'streamed-700')
  assert.equal(targets[700], 'streamed-702')
})
