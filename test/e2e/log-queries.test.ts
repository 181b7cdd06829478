// GET /events and WS /ws/events by trace, session, source, type and time (decision 1610), and
// POST /events NDJSON published in batches with one result per line.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import WebSocket from 'ws'
import type { Envelope } from '../../src/contracts/index.ts'
import { call, setUp, startHub } from './manifest-keys-kit.ts'

async function postNdjson(url: string, token: string, lines: string[]) {
  const response = await fetch(`${url}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    body: `${lines.join('\n')}\n`,
  })
  const text = await response.text()
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line))
}

const feedback = (target: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'ui.feedback', payload: { target, helpful: true }, ...extra })

test('the hub answers queries by trace, session, source, type pattern and time; unknown keys are 400', {
  timeout: 60_000,
}, async (t) => {
  const setup = setUp(t)
  const hub = await startHub(t, setup, () => {})
  const lines = [
    feedback('a', { traceId: 'turn-1', sessionId: 'room' }),
    'nope',
    feedback('b', { traceId: 'turn-1' }),
  ]
  for (let n = 0; n < 1200; n++)
    lines.push(feedback(`filler-${n}`, { sessionId: n % 2 === 0 ? 'room' : 'hall' }))
  lines.push(feedback('z', { traceId: 'turn-1', source: 'skill.widget' }))
  const results = await postNdjson(hub.url, hub.token, lines)
  assert.equal(results.length, lines.length, 'one result per line, in order')
  assert.equal(results[1].ok, false)
  assert.equal(results[1].error.details.line, 2)
  assert.ok(results.filter((result) => result.ok).length === lines.length - 1)

  const get = async (query: string) => {
    const answer = await call(hub, 'GET', `/events?${query}`)
    return answer
  }
  const targets = (answer: { body: { data: Envelope[] } }) =>
    answer.body.data.map((event) => event.payload.target)
  assert.deepEqual(targets(await get('traceId=turn-1')), ['a', 'b', 'z'])
  assert.deepEqual(targets(await get('traceId=turn-1&sessionId=room')), ['a'])
  assert.deepEqual(targets(await get('source=skill.widget&type=ui.>')), ['z'])
  assert.equal((await get('sessionId=hall&limit=10000')).body.data.length, 600)
  const future = new Date(Date.now() + 60_000).toISOString()
  assert.equal((await get(`since=${encodeURIComponent(future)}&type=ui.feedback`)).body.data.length, 0)
  assert.equal((await get(`until=${encodeURIComponent(future)}&traceId=turn-1`)).body.data.length, 3)

  for (const query of ['trace=turn-1', 'since=yesterday', 'filter=ui.>&type=ui.*', 'traceId=']) {
    const answer = await get(query)
    assert.equal(answer.status, 400, query)
    assert.equal(answer.body.ok, false)
    assert.equal(answer.body.error.code, 'E_BAD_REQUEST')
  }

  // The WebSocket tail narrows replay and live events the same way.
  const socket = new WebSocket(
    `${hub.url.replace('http', 'ws')}/ws/events?from=1&traceId=turn-1&token=${hub.token}`,
  )
  t.after(() => socket.close())
  const seen: string[] = []
  const gotLive = new Promise<void>((resolve) => {
    socket.on('message', (data) => {
      const event = JSON.parse(String(data)) as Envelope
      if (event.type !== 'ui.feedback') return
      seen.push(String(event.payload.target))
      if (event.payload.target === 'live') resolve()
    })
  })
  await new Promise((resolve) => socket.once('open', resolve))
  await postNdjson(hub.url, hub.token, [feedback('other'), feedback('live', { traceId: 'turn-1' })])
  await gotLive
  assert.deepEqual(seen, ['a', 'b', 'z', 'live'])
})
