// POST /events with a chunked NDJSON body (no content-length) that grows past the byte limit
// (decision 1635): the lines before the limit are stored and answered, then E_RESOURCE_LIMIT with
// the line it happened in. A real SQLite bus behind the real route; a small limit.
import assert from 'node:assert/strict'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { createInterface } from 'node:readline'
import { test } from 'node:test'
import { createFakeHub } from '../../../test/kit/fake-hub.ts'
import { startTestServer } from '../../../test/kit/http-client.ts'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { openBus } from '../../bus-factory/index.ts'
import { ingestEvents } from './ingest-events.ts'

const feedback = (target: string) =>
  JSON.stringify({ type: 'ui.feedback', payload: { target, helpful: true } })

type Answer = { ok: boolean; error?: { code: string; details?: { line?: number } } }

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

test('a chunked body past the byte limit keeps the lines before it and answers the limit with its line', async (t) => {
  const dir = makeTempDir('localhub-ingest-streamed-')
  t.after(() => dir.remove())
  const bus = await openBus({ transport: 'sqlite', dataDir: dir.path })
  t.after(() => bus.close())
  const hub = createFakeHub()
  hub.ingest = (body) => ingestEvents(bus, body)
  const server = await startTestServer(t, { hub, server: { eventsBodyLimitBytes: 16 * 1024 } })
  const { request, response } = openChunkedPost(server.url, server.token)
  t.after(() => request.destroy())
  const line = feedback('limited-0000')
  const fitting = Math.floor((16 * 1024) / (line.length + 1))
  for (let n = 0; n < fitting + 40; n++)
    request.write(`${feedback(`limited-${String(n + 1).padStart(4, '0')}`)}\n`)
  request.end()
  const answered = await response
  assert.equal(answered.statusCode, 200)
  const answers: Answer[] = []
  for await (const text of createInterface({ input: answered }))
    if (text !== '') answers.push(JSON.parse(text) as Answer)
  const last = answers.at(-1)!
  assert.equal(last.ok, false)
  assert.equal(last.error!.code, 'E_RESOURCE_LIMIT')
  const brokenLine = last.error!.details!.line!
  assert.ok(brokenLine >= 1 && brokenLine <= fitting + 1, `line ${brokenLine}`)
  assert.equal(answers.length, brokenLine, 'a receipt for every line before the limit, then the limit')
  assert.ok(answers.slice(0, -1).every((answer) => answer.ok))
  let stored = 0
  for await (const _ of bus.replay({ filter: 'ui.feedback' })) stored++
  assert.equal(stored, brokenLine - 1)
})
