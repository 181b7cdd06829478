// WS /ws/events narrows by sessionId, type pattern, source, time range, from/to seq and limit,
// in its replay and live parts; a bounded tail (to, until, limit) closes with 1000 (decision 1626).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import WebSocket from 'ws'
import type { Envelope } from '../../src/contracts/index.ts'
import type { RunningHub } from '../../src/kernel/index.ts'
import { setUp, startHub } from './manifest-keys-kit.ts'

const MINUTE_MS = 60_000
const base = Date.now() - 10 * MINUTE_MS
const at = (n: number) => new Date(base + n * 1000).toISOString()

const feedback = (target: string, n: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'ui.feedback', ts: at(n), payload: { target, helpful: true }, ...extra })
const command = (name: string, n: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'ui.command', ts: at(n), payload: { command: name }, ...extra })

async function post(hub: RunningHub, lines: string[]): Promise<number[]> {
  const response = await fetch(`${hub.url}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/x-ndjson' },
    body: `${lines.join('\n')}\n`,
  })
  const results = (await response.text())
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { ok: boolean; data: { seq: number } })
  assert.ok(results.every((result) => result.ok))
  return results.map((result) => result.data.seq)
}

const nameOf = (event: Envelope) =>
  String((event.payload as { target?: string; command?: string }).target ?? event.payload.command)

interface Tail {
  names: string[]
  /** Resolves with the close code and reason when the server ends the tail. */
  closed: Promise<{ code: number; reason: string }>
  /** Resolves once `name` has arrived. */
  seen(name: string): Promise<void>
  close(): void
}

function openTail(hub: RunningHub, query: string): Promise<Tail> {
  const socket = new WebSocket(`${hub.url.replace('http', 'ws')}/ws/events?${query}&token=${hub.token}`)
  const names: string[] = []
  const waiting = new Map<string, () => void>()
  socket.on('message', (data) => {
    const event = JSON.parse(String(data)) as Envelope
    if (!event.type.startsWith('ui.')) return
    const name = nameOf(event)
    names.push(name)
    waiting.get(name)?.()
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  )
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.once('open', () =>
      resolve({
        names,
        closed,
        seen: (name) =>
          names.includes(name) ? Promise.resolve() : new Promise((done) => waiting.set(name, done)),
        close: () => socket.close(),
      }),
    )
  })
}

test('WS /ws/events queries', { timeout: 120_000 }, async (t) => {
  const hub = await startHub(t, setUp(t), () => {})
  // seq order: a c1 b d c2; ts one second apart, in the same order.
  const seqs = await post(hub, [
    feedback('a', 1, { sessionId: 'room', source: 'skill.alpha' }),
    command('c1', 2, { sessionId: 'room' }),
    feedback('b', 3, { sessionId: 'hall' }),
    feedback('d', 4, { sessionId: 'room', source: 'skill.alpha' }),
    command('c2', 5, { sessionId: 'hall' }),
  ])
  const bounded = async (query: string) => {
    const tail = await openTail(hub, query)
    const closed = await tail.closed
    assert.equal(closed.code, 1000, `${query}: ${closed.reason}`)
    return { names: tail.names, reason: closed.reason }
  }

  await t.test('sessionId, type patterns and source narrow the replay; to ends it at that seq', async () => {
    const range = `from=${seqs[0]}&to=${seqs[4]}`
    assert.deepEqual((await bounded(`${range}&sessionId=room`)).names, ['a', 'c1', 'd'])
    assert.deepEqual((await bounded(`${range}&type=ui.feedback`)).names, ['a', 'b', 'd'])
    assert.deepEqual((await bounded(`${range}&type=ui.*&source=skill.alpha`)).names, ['a', 'd'])
    assert.deepEqual((await bounded(`${range}&filter=ui.>&sessionId=hall`)).names, ['b', 'c2'])
    const middle = await bounded(`from=${seqs[1]}&to=${seqs[3]}&type=ui.*`)
    assert.deepEqual(middle.names, ['c1', 'b', 'd'])
    assert.match(middle.reason, /reached to=/)
  })

  await t.test('limit ends the tail after that many events', async () => {
    const limited = await bounded(`from=${seqs[0]}&type=ui.*&limit=2`)
    assert.deepEqual(limited.names, ['a', 'c1'])
    assert.match(limited.reason, /limit 2/)
  })

  await t.test('since and until select by the event time; an until in the past ends the tail', async () => {
    const window = await bounded(
      `since=${encodeURIComponent(at(2))}&until=${encodeURIComponent(at(4))}&type=ui.*`,
    )
    assert.deepEqual(window.names, ['c1', 'b', 'd'])
    assert.match(window.reason, /until/)
    const withFrom = await bounded(`from=${seqs[2]}&until=${encodeURIComponent(at(4))}&sessionId=room`)
    assert.deepEqual(withFrom.names, ['d'])
  })

  await t.test('live events are narrowed the same way; a future to ends once the log passes it', async () => {
    const [probe] = await post(hub, [command('probe', 6, { sessionId: 'other' })])
    // The hub publishes events of its own too, so the bound is well ahead of the head.
    const bound = probe! + 500
    const open = await openTail(hub, `from=${seqs[0]}&sessionId=hall`)
    const future = await openTail(hub, `from=${seqs[0]}&to=${bound}&type=ui.feedback&sessionId=room`)
    await open.seen('c2')
    const now = Math.round((Date.now() - base) / 1000)
    await post(hub, [
      feedback('live-room', now, { sessionId: 'room' }),
      command('live-hall', now, { sessionId: 'hall' }),
    ])
    await open.seen('live-hall')
    await future.seen('live-room')
    open.close()
    assert.deepEqual(open.names, ['b', 'c2', 'live-hall'])
    // Fillers of another session move the log to the bound: the tail ends by itself.
    const fillers = Array.from({ length: 600 }, (_, n) => command(`filler-${n}`, now, { sessionId: 'other' }))
    const filled = await post(hub, fillers)
    assert.ok(filled.at(-1)! >= bound)
    const closed = await future.closed
    assert.equal(closed.code, 1000, closed.reason)
    assert.match(closed.reason, new RegExp(`reached to=${bound}`))
    assert.deepEqual(future.names, ['a', 'd', 'live-room'])
  })

  await t.test('bad bounds are refused at the handshake with 400', async () => {
    for (const query of ['to=2026-01-01T00:00:00Z', 'limit=0', 'from=9&to=3', 'until=tomorrow']) {
      const status = await new Promise<number>((resolve) => {
        const socket = new WebSocket(`${hub.url.replace('http', 'ws')}/ws/events?${query}&token=${hub.token}`)
        socket.once('unexpected-response', (_request, reply) => {
          resolve(reply.statusCode ?? 0)
          reply.resume()
        })
        socket.once('open', () => {
          resolve(101)
          socket.close()
        })
        socket.once('error', () => undefined)
      })
      assert.equal(status, 400, query)
    }
  })
})
