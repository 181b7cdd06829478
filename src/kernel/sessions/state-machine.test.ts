import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { SessionRegistry } from './session-registry.ts'
import { compileStateMachine } from './state-machine.ts'

const machine = compileStateMachine({
  states: ['idle', 'listening', 'thinking', 'speaking', 'acting', 'error'],
  transitions: [
    { on: 'voice.start', from: 'idle', to: 'listening' },
    { on: 'chat.query', from: ['idle', 'error'], to: 'thinking' },
    { on: 'tool.request', from: 'thinking', to: 'acting' },
    { on: 'error.*', from: '*', to: 'error' },
    { on: 'turn.end', from: '*', to: 'idle' },
  ],
})

describe('session state machine', () => {
  test('moves on matching transitions, first match wins, wildcards as on the bus', () => {
    assert.deepEqual(machine.next('idle', 'chat.query'), {
      kind: 'moved',
      from: 'idle',
      to: 'thinking',
      on: 'chat.query',
    })
    assert.deepEqual(machine.next('acting', 'error.raised'), {
      kind: 'moved',
      from: 'acting',
      to: 'error',
      on: 'error.raised',
    })
    assert.equal(machine.next('idle', 'error.raised.deep').kind, 'none')
  })

  test('an event that triggers transitions elsewhere is rejected in a state with none', () => {
    const outcome = machine.next('speaking', 'tool.request')
    assert.equal(outcome.kind, 'rejected')
    assert.match(outcome.kind === 'rejected' ? outcome.reason : '', /no transition from state speaking/)
  })

  test('events that no transition names do nothing', () => {
    assert.deepEqual(machine.next('thinking', 'llm.token'), { kind: 'none' })
  })

  test('unknown states in the definition are refused at compile time', () => {
    assert.throws(
      () =>
        compileStateMachine({ states: ['idle'], transitions: [{ on: 'a.b', from: 'idle', to: 'nowhere' }] }),
      /unknown state nowhere/,
    )
    assert.throws(
      () => compileStateMachine({ states: ['idle'], initial: 'x', transitions: [] }),
      /initial state x/,
    )
  })

  test('the registry keeps per-session state and forgets the least recently active beyond its limit', () => {
    let now = 0
    const clock = { now: () => now++, setTimeout, clearTimeout }
    const registry = new SessionRegistry(machine, clock, 2)
    registry.observe('a', 'chat.query')
    registry.observe('b', 'voice.start')
    assert.equal(registry.get('a').state, 'thinking')
    registry.observe('c', 'chat.query')
    assert.deepEqual(
      registry.list().map((session) => session.sessionId),
      ['c', 'a'],
    )
  })
})
