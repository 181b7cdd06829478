import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { bytesPerCall } from '../../../test/kit/bytes-per-call.ts'
import { ManualClock } from '../../../test/kit/manual-clock.ts'
import { SessionRegistry } from './session-registry.ts'
import { compileStateMachine } from './state-machine.ts'

const machine = compileStateMachine({
  states: ['idle', 'thinking'],
  transitions: [
    { on: 'chat.query', from: 'idle', to: 'thinking' },
    { on: 'turn.end', from: '*', to: 'idle' },
  ],
})

const START = Date.parse('2026-12-06T15:00:00.000Z')

describe('session registry', () => {
  test('shows the times of creation and of the last event, as ISO strings, most recent first', () => {
    const clock = new ManualClock(START)
    const registry = new SessionRegistry(machine, clock)
    registry.observe('a', 'chat.query', 'trace-1')
    clock.advance(1_500)
    registry.observe('b', 'chat.query')
    clock.advance(2_000)
    registry.observe('a', 'pipeline.status', 'trace-2')
    registry.countTurn('a')
    assert.deepEqual(registry.list(), [
      {
        sessionId: 'a',
        state: 'thinking',
        createdAt: '2026-12-06T15:00:00.000Z',
        lastActiveAt: '2026-12-06T15:00:03.500Z',
        turns: 1,
        lastTraceId: 'trace-2',
      },
      {
        sessionId: 'b',
        state: 'thinking',
        createdAt: '2026-12-06T15:00:01.500Z',
        lastActiveAt: '2026-12-06T15:00:01.500Z',
        turns: 0,
      },
    ])
    // What is read is a copy: changing it changes nothing in the registry.
    registry.get('b').state = 'idle'
    assert.equal(registry.get('b').state, 'thinking')
  })

  test('the least recently active session is forgotten first, also when one session repeats', () => {
    const registry = new SessionRegistry(machine, new ManualClock(START), 2)
    registry.observe('a', 'chat.query')
    registry.observe('b', 'chat.query')
    registry.observe('b', 'pipeline.status')
    registry.observe('a', 'pipeline.status')
    registry.observe('a', 'pipeline.status')
    registry.observe('c', 'chat.query')
    assert.deepEqual(
      registry.list().map((session) => session.sessionId),
      ['c', 'a'],
    )
    registry.countTurn('b')
    assert.deepEqual(
      registry.list().map((session) => [session.sessionId, session.turns]),
      [
        ['b', 1],
        ['c', 0],
      ],
    )
  })

  test("an event of the session touched last allocates only its clock reading (a turn's events all are)", () => {
    const registry = new SessionRegistry(machine, { now: Date.now, setTimeout, clearTimeout })
    registry.observe('other', 'chat.query')
    registry.observe('bench-1', 'chat.query', 'trace-1')
    // Before: a Date and an ISO string per event, the session moved in the map (delete and set),
    // and a `{ kind: 'none' }` answer from the state machine: over 100 bytes per event. Left: the
    // clock's reading, a number too large for a small integer (a 16-byte heap number).
    const bytes = bytesPerCall(() => registry.observe('bench-1', 'pipeline.status', 'trace-1'))
    assert.ok(bytes < 32, `${bytes.toFixed(1)} bytes per event`)
    assert.equal(registry.list()[0]!.sessionId, 'bench-1')
  })
})
