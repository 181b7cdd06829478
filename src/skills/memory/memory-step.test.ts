import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createRunState, type RunEmitter, recordSpokenAnswer } from '../../skill-api/index.ts'
import { createMemoryStep } from './memory-step.ts'
import { openMemoryStore } from './memory-store.ts'

function turn(traceId: string) {
  const run = createRunState({
    pipelineId: 'pipeline.voice.turn',
    traceId,
    sessionId: 'voice-1',
    trigger: { kind: 'ws', route: '/ws/voice' },
    startedAt: Date.now(),
    text: 'tell me about the weather',
  })
  run.answer = 'It is sunny. It will rain tomorrow. Take an umbrella.'
  return run
}

test('a turn cut by barge-in is remembered with what was spoken; one with nothing spoken is not', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'localhub-memory-step-'))
  const store = openMemoryStore({ path: join(folder, 'memory.sqlite') })
  t.after(() => {
    store.close()
    rmSync(folder, { recursive: true, force: true })
  })
  const step = createMemoryStep({ id: 'skill.memory.episodic', store })
  const receipts: string[] = []
  const emitter = {
    emit: async (type: string) => {
      receipts.push(type)
      return {}
    },
  } as unknown as RunEmitter

  const whole = turn('t-ok')
  await step.recordTurn(whole, emitter)
  const interrupted = turn('t-cut')
  interrupted.outcome = 'cancelled'
  recordSpokenAnswer(interrupted, () => 'It is sunny. It will')
  await step.recordTurn(interrupted, emitter)
  const silent = turn('t-silent')
  silent.outcome = 'cancelled'
  await step.recordTurn(silent, emitter)
  const failed = turn('t-failed')
  failed.outcome = 'cancelled'
  recordSpokenAnswer(failed, () => '')
  await step.recordTurn(failed, emitter)

  const episodes = store.list({ sessionId: 'voice-1' }).filter((entry) => entry.kind === 'episode')
  const byTrace = new Map(episodes.map((entry) => [entry.traceId, entry.assistantText]))
  assert.equal(byTrace.get('t-ok'), 'It is sunny. It will rain tomorrow. Take an umbrella.')
  assert.equal(byTrace.get('t-cut'), 'It is sunny. It will')
  assert.ok(!byTrace.has('t-silent') && !byTrace.has('t-failed'), [...byTrace.keys()].join(' '))
  assert.deepEqual(receipts, ['memory.write.receipt', 'memory.write.receipt'])
})
