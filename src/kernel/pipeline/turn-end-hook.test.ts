// What decision 2098 relies on: the runner calls the hub's turn-end hook (the young-generation
// collection of decision 2090) when a voice turn (a `ws` run) or a chat turn (`http`) ends and no
// other run is in flight, before the run's promise settles; a bus-triggered run never calls it.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { kitRunner, validatingPublisher } from '../../../test/kit/pipeline-runner.ts'
import type { Envelope } from '../../contracts/index.ts'
import type { Pipeline } from '../../manifest/index.ts'
import type { RunTrigger, SkillRuntime } from '../../skill-api/index.ts'
import { compileStateMachine } from '../sessions/index.ts'

const machine = compileStateMachine({
  states: ['idle', 'thinking'],
  transitions: [{ on: 'turn.end', from: '*', to: 'idle' }],
})

/** A step that waits until its gate opens, so a test can keep a run in flight. */
function gatedStep(): { step: SkillRuntime; open: () => void } {
  let open: () => void = () => undefined
  const gate = new Promise<void>((resolve) => (open = resolve))
  return {
    step: { id: 'skill.wait', status: () => ({ state: 'ready' }), invoke: () => gate },
    open: () => open(),
  }
}

function setup(skills: SkillRuntime[]) {
  const moments: string[] = []
  const runner = kitRunner({
    machine,
    skills,
    publisher: validatingPublisher(),
    turnEnd: {
      atTurnEnd() {
        moments.push('collect')
        return true
      },
    },
  })
  return { runner, moments }
}

const plain: Pipeline = { id: 'pipeline.voice.turn', steps: [{ emit: 'turn.end' }] }
const gated: Pipeline = { id: 'pipeline.voice.turn', steps: [{ call: 'skill.wait' }, { emit: 'turn.end' }] }
const signal = new AbortController().signal
const voice: RunTrigger = { kind: 'ws', route: '/ws/voice' }

describe('the runner calls the turn-end hook as a turn ends', () => {
  test('a voice turn that ends alone collects once, before its promise settles', async () => {
    const { runner, moments } = setup([])
    await runner.run({ pipeline: plain, trigger: voice, sessionId: 'voice-1', signal }).then(() => {
      moments.push('settled')
    })
    assert.deepEqual(moments, ['collect', 'settled'])
  })

  test('a chat turn (http) collects too', async () => {
    const { runner, moments } = setup([])
    await runner.run({ pipeline: plain, trigger: { kind: 'http', route: '/chat' }, text: 'hi', signal })
    assert.deepEqual(moments, ['collect'])
  })

  test('a voice turn that ends while another run is in flight does not; the last one to end does', async () => {
    const { step, open } = gatedStep()
    const { runner, moments } = setup([step])
    const long = runner.run({ pipeline: gated, trigger: voice, sessionId: 'voice-long', signal })
    await runner.run({ pipeline: plain, trigger: voice, sessionId: 'voice-short', signal })
    assert.deepEqual(moments, [])
    open()
    await long
    assert.deepEqual(moments, ['collect'])
  })

  test('a failed voice turn still collects (its garbage is as dead)', async () => {
    const { runner, moments } = setup([])
    const failing: Pipeline = { id: 'pipeline.voice.turn', steps: [{ call: 'skill.missing' }] }
    const run = await runner.run({ pipeline: failing, trigger: voice, sessionId: 'voice-2', signal })
    assert.equal(run.outcome, 'error')
    assert.deepEqual(moments, ['collect'])
  })

  test('a run started by a bus event does not collect', async () => {
    const { runner, moments } = setup([])
    const event = {
      id: '0190a000-0000-7000-8000-000000000001',
      type: 'turn.end',
      traceId: 'trace-bus',
    } as unknown as Envelope
    await runner.run({ pipeline: plain, trigger: { kind: 'bus', event }, signal })
    assert.deepEqual(moments, [])
  })
})
