import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { openTurn, type TurnEvent } from './run-turn.ts'

const start: TurnEvent = { kind: 'start', traceId: 't', sessionId: 's' }

async function collect(events: AsyncIterable<TurnEvent>): Promise<TurnEvent[]> {
  const all: TurnEvent[] = []
  for await (const event of events) all.push(event)
  return all
}

test('the opening holds the start and the first word; every event still comes once, in order', async () => {
  async function* turn(): AsyncGenerator<TurnEvent> {
    yield start
    yield { kind: 'text', text: 'one' }
    yield { kind: 'text', text: 'two' }
    yield { kind: 'end', citations: [] }
  }
  const { opening, events } = await openTurn(turn(), 1000)
  assert.deepEqual(opening, [start, { kind: 'text', text: 'one' }])
  assert.deepEqual(
    (await collect(events)).map((event) => event.kind),
    ['start', 'text', 'text', 'end'],
  )
})

test('a slow first word lets the headers go after the wait; the word still arrives', async () => {
  // The word comes only once the opening is back: the opening cannot have waited for it.
  let release = () => {}
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  async function* turn(): AsyncGenerator<TurnEvent> {
    yield start
    await released
    yield { kind: 'text', text: 'late' }
    yield { kind: 'end', citations: [] }
  }
  const { opening, events } = await openTurn(turn(), 20)
  assert.deepEqual(opening, [start])
  release()
  assert.deepEqual(await collect(events), [
    start,
    { kind: 'text', text: 'late' },
    { kind: 'end', citations: [] },
  ])
})

test('a turn that cannot start is waited for, however long: its failure is in the opening', async () => {
  async function* turn(): AsyncGenerator<TurnEvent> {
    await sleep(60)
    yield { kind: 'error', error: { status: 503, code: 'E_DEPENDENCY_UNAVAILABLE', message: 'down' } }
  }
  const { opening } = await openTurn(turn(), 10)
  assert.equal(opening[0]?.kind, 'error')
})
