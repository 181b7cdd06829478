import assert from 'node:assert/strict'
import { channel } from 'node:diagnostics_channel'
import { test } from 'node:test'
import { LLM_FIRST_TOKEN_CHANNEL, type LlmFirstTokenMessage } from '../../skills/llm/index.ts'
import { clockMark, openTurnClock, timingComment } from './turn-timing.ts'

const firstToken = channel(LLM_FIRST_TOKEN_CHANNEL)
const publish = (message: LlmFirstTokenMessage) => firstToken.publish(message)

test('a clock takes the model marks of its own trace and answers both phases on both clocks', (t) => {
  const clock = openTurnClock('trace-a', 100, 5_000)
  const other = openTurnClock('trace-b', 0, 0)
  t.after(() => {
    clock?.close()
    other?.close()
  })
  assert.ok(clock && other)
  publish({ traceId: 'trace-a', sentAt: 101.5, firstTokenAt: 300, sentCpuUs: 5_800, firstTokenCpuUs: 6_000 })
  publish({ traceId: 'trace-unknown', sentAt: 1, firstTokenAt: 2, sentCpuUs: 1, firstTokenCpuUs: 2 })
  assert.deepEqual(clock.finish({ at: 300.25, cpuUs: 6_200 }), {
    beforeModelMs: 1.5,
    afterFirstTokenMs: 0.25,
    beforeModelCpuMs: 0.8,
    afterFirstTokenCpuMs: 0.2,
  })
  assert.equal(other.finish({ at: 10, cpuUs: 10 }), undefined, 'no marks arrived for trace-b')
})

test('a trace id already being timed gets no second clock until the first closes', () => {
  const first = openTurnClock('trace-c', 0, 0)
  assert.ok(first)
  assert.equal(openTurnClock('trace-c', 5, 0), undefined)
  first.close()
  const again = openTurnClock('trace-c', 5, 0)
  assert.ok(again)
  publish({ traceId: 'trace-c', sentAt: 6, firstTokenAt: 9, sentCpuUs: 500, firstTokenCpuUs: 600 })
  assert.equal(again.finish({ at: 9.5, cpuUs: 700 })?.beforeModelMs, 1)
  again.close()
})

test('clockMark reads both clocks; CPU time only grows', () => {
  const first = clockMark()
  let spin = 0
  for (let index = 0; index < 2_000_000; index++) spin += index
  const second = clockMark()
  assert.ok(spin > 0 && second.at > first.at && second.cpuUs > first.cpuUs)
})

test('the timing comment is one SSE comment block', () => {
  assert.equal(
    timingComment({
      beforeModelMs: 0.41234,
      afterFirstTokenMs: 0.1,
      beforeModelCpuMs: 0.3,
      afterFirstTokenCpuMs: 0.05,
    }),
    ': kernel-ms before-model=0.412 after-first-token=0.100 cpu-before-model=0.300 cpu-after-first-token=0.050\n\n',
  )
})
