// WS /ws/events hands out stored events in seq order even when one delivery turn holds several
// sessions of session-ordered types between events of no session. The tail and the dashboard
// resume by seq and skip what is at or below the last seq seen, so an event handed out after a
// higher one was lost to them (decision 2100: the cause of the dashboard test's rare failures).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import WebSocket from 'ws'
import type { Envelope } from '../../src/contracts/index.ts'
import type { RunningHub } from '../../src/kernel/index.ts'
import { waitFor } from '../kit/wait-for.ts'
import { setUp, startHub } from './manifest-keys-kit.ts'

/** plan.created is session-ordered; ui.feedback is not, and here has no session. */
const SESSIONS = ['a', 'a', undefined, 'a', 'b', 'b', undefined, 'a', 'c', 'c', 'b', 'a']
const LINES = 240

function lineOf(index: number): string {
  const sessionId = SESSIONS[index % SESSIONS.length]
  return JSON.stringify(
    sessionId === undefined
      ? { type: 'ui.feedback', payload: { target: `t${index}`, helpful: true } }
      : {
          type: 'plan.created',
          sessionId,
          payload: { intent_id: `intent:${index}`, plan_id: `plan-${index}`, task_count: 1 },
        },
  )
}

function openTail(hub: RunningHub, query: string): Promise<{ seqs: number[]; close(): void }> {
  const socket = new WebSocket(`${hub.url.replace('http', 'ws')}/ws/events?${query}&token=${hub.token}`)
  const seqs: number[] = []
  socket.on('message', (data) => {
    const event = JSON.parse(String(data)) as Envelope
    if (event.seq !== undefined && (event.type === 'plan.created' || event.type === 'ui.feedback'))
      seqs.push(event.seq)
  })
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.once('open', () => resolve({ seqs, close: () => socket.close() }))
  })
}

async function post(hub: RunningHub, lines: string[]): Promise<number[]> {
  const response = await fetch(`${hub.url}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/x-ndjson' },
    body: `${lines.join('\n')}\n`,
  })
  assert.equal(response.status, 200)
  const receipts = (await response.text())
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { ok: boolean; data: { seq: number } })
  assert.ok(
    receipts.every((receipt) => receipt.ok),
    JSON.stringify(receipts[0]),
  )
  return receipts.map((receipt) => receipt.data.seq)
}

test('a WS tail gets every stored event of interleaved sessions, in seq order', {
  timeout: 60_000,
}, async (t) => {
  const hub = await startHub(t, setUp(t), () => {})
  const live = await openTail(hub, 'filter=>')
  const resumed = await openTail(hub, 'from=1')
  t.after(() => {
    live.close()
    resumed.close()
  })
  // Markers until both tails hear one, so both consumers exist; then one more, which both then get.
  for (let attempt = 0; live.seqs.length === 0 || resumed.seqs.length === 0; attempt++) {
    assert.ok(attempt < 100, 'the tails hear stored events')
    await post(hub, [lineOf(2)])
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const [marker] = await post(hub, [lineOf(2)])
  await waitFor(() => live.seqs.includes(marker!) && resumed.seqs.includes(marker!), 'the marker', 10_000)
  live.seqs.length = 0
  resumed.seqs.length = 0
  const stored = await post(
    hub,
    Array.from({ length: LINES }, (_, index) => lineOf(index)),
  )
  await waitFor(
    () => live.seqs.length >= LINES && resumed.seqs.length >= LINES,
    `${LINES} events on both tails (live ${live.seqs.length}, resumed ${resumed.seqs.length})`,
    10_000,
  ).catch(() => undefined)
  assert.deepEqual(live.seqs, stored, 'the live tail')
  assert.deepEqual(resumed.seqs, stored, 'the tail resumed from seq 1')
})
