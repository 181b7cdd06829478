import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ManualClock } from '../../../test/kit/manual-clock.ts'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import type { Envelope } from '../../contracts/index.ts'
import {
  createRunState,
  type OpenedSkill,
  type RunEmitter,
  type SkillContext,
  type StepContext,
} from '../../skill-api/index.ts'
import { proactiveSkillModule } from './skill-module.ts'

const quiet = { warn: () => undefined, info: () => undefined, error: () => undefined }

function openTriage(t: { after: (fn: () => Promise<void> | void) => void }, clock: ManualClock) {
  const temp = makeTempDir()
  const context = {
    skill: {
      id: 'skill.proactive.triage',
      version: '0.2',
      role: 'attention-manager',
      provides: ['nudge.proposal', 'nudge.dispatch'],
      consumes: ['event.git.build_failed', 'ui.interruptibility'],
      latencyClass: 'hybrid',
      policies: {
        ladder: [
          { level: 1, channel: 'dashboard_only', when: 'low' },
          { level: 2, channel: 'toast', when: 'medium' },
          { level: 3, channel: 'voice', when: 'high_and_actionable' },
        ],
      },
    },
    config: { rateLimits: { maxVoiceNudgesPerHour: 1, maxToastsPerHour: 1 } },
    clock,
    dataDir: temp.path,
    logger: quiet,
  } as unknown as SkillContext
  const opened = proactiveSkillModule.open(context) as OpenedSkill
  t.after(async () => {
    await opened.close?.()
    temp.remove()
  })
  return opened
}

function recordingEmitter() {
  const emitted: { type: string; payload: unknown }[] = []
  const emitter = {
    emit: async (type: string, payload: unknown) => {
      emitted.push({ type, payload })
      return { id: `proposal-${emitted.length}` } as Envelope
    },
    emitUntyped: async () => ({}) as Envelope,
  } as unknown as RunEmitter
  return { emitted, emitter }
}

let traces = 0
function buildFailed(project: string): Envelope {
  traces++
  return {
    id: `signal-${traces}`,
    type: 'event.git.build_failed',
    severity: 'info',
    payload: { project, logPath: '/tmp/log', exitCode: 2 },
  } as unknown as Envelope
}

async function triageRun(opened: OpenedSkill, signal: Envelope, clock: ManualClock) {
  const run = createRunState({
    pipelineId: 'pipeline.proactive.nudge',
    traceId: `trace-${traces}`,
    sessionId: 'session',
    trigger: { kind: 'bus', event: signal },
    startedAt: clock.now(),
    signal,
  })
  const { emitted, emitter } = recordingEmitter()
  await opened.runtime!.invoke!({ run, emitter } as unknown as StepContext)
  const attention = await opened.conditions!.needs_user_attention!(run)
  return { run, emitted, attention, dispatch: run.data.get('payload:nudge.dispatch') }
}

describe('the proactive module', () => {
  test('a call step publishes the proposal, prepares the dispatch naming it, and the limit follows the injected clock', async (t) => {
    const clock = new ManualClock(Date.UTC(2026, 11, 5, 9))
    const opened = openTriage(t, clock)
    const first = await triageRun(opened, buildFailed('a'), clock)
    assert.equal(first.emitted[0]!.type, 'nudge.proposal')
    assert.equal((first.emitted[0]!.payload as { channel: string }).channel, 'voice')
    assert.deepEqual(first.dispatch, { proposalId: 'proposal-1', channel: 'voice', rateLimited: false })
    assert.equal(first.attention, true)
    clock.advance(30 * 60_000)
    const second = await triageRun(opened, buildFailed('b'), clock)
    assert.deepEqual(second.dispatch, { proposalId: 'proposal-1', channel: 'toast', rateLimited: true })
    clock.advance(30 * 60_000)
    const third = await triageRun(opened, buildFailed('c'), clock)
    assert.equal(
      (third.dispatch as { channel: string }).channel,
      'voice',
      'an hour later the voice slot is free',
    )
  })

  test('a signal no rule matches needs no attention and publishes nothing; a duplicate coalesces', async (t) => {
    const clock = new ManualClock(Date.UTC(2026, 11, 5, 9))
    const opened = openTriage(t, clock)
    const change = {
      id: 'fs-1',
      type: 'event.fs.changed',
      severity: 'info',
      payload: { path: 'a' },
    } as unknown as Envelope
    const ignored = await triageRun(opened, change, clock)
    assert.deepEqual(ignored.emitted, [])
    assert.equal(ignored.attention, false)
    await triageRun(opened, buildFailed('same'), clock)
    const duplicate = await triageRun(opened, buildFailed('same'), clock)
    assert.deepEqual(duplicate.emitted, [])
    assert.equal(duplicate.attention, false)
  })

  test('ui.interruptibility sets the mode: dnd keeps a failed build on the dashboard list', async (t) => {
    const clock = new ManualClock(Date.UTC(2026, 11, 5, 9))
    const opened = openTriage(t, clock)
    const subscription = opened.subscriptions!.find((entry) => entry.pattern === 'ui.interruptibility')!
    await subscription.handler(
      { type: 'ui.interruptibility', payload: { mode: 'dnd' } } as unknown as Envelope,
      {
        attempt: 1,
      } as never,
    )
    const muted = await triageRun(opened, buildFailed('x'), clock)
    assert.equal((muted.dispatch as { channel: string }).channel, 'dashboard_only')
  })
})
