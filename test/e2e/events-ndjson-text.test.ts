// GET /events as NDJSON sends each event's stored text without parsing it (decision 1732): the
// lines must be the events the JSON answer holds, in the same order, with the same selection.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Envelope } from '../../src/contracts/index.ts'
import { call, setUp, startHub } from './manifest-keys-kit.ts'

test('GET /events NDJSON lines are the stored events the JSON answer lists', {
  timeout: 60_000,
}, async (t) => {
  const setup = setUp(t)
  const hub = await startHub(t, setup, () => {})
  const lines = Array.from({ length: 300 }, (_, n) =>
    JSON.stringify({
      type: 'ui.feedback',
      payload: { target: `t${n} "q" \u2028`, helpful: n % 2 === 0 },
      sessionId: n % 3 === 0 ? 'room' : 'hall',
    }),
  )
  const posted = await fetch(`${hub.url}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/x-ndjson' },
    body: `${lines.join('\n')}\n`,
  })
  assert.equal(posted.status, 200)
  await posted.text()
  for (const query of [
    'type=ui.feedback&limit=1000',
    'sessionId=room&limit=50',
    'type=ui.feedback&from=5&limit=7',
  ]) {
    const json = (await call(hub, 'GET', `/events?${query}`)) as { body: { data: Envelope[] } }
    const response = await fetch(`${hub.url}/events?${query}`, {
      headers: { authorization: `Bearer ${hub.token}`, accept: 'application/x-ndjson' },
    })
    assert.equal(response.status, 200)
    const text = await response.text()
    const events = text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Envelope)
    assert.ok(events.length > 0, query)
    assert.deepEqual(events, json.body.data, query)
  }
})
