import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ManualClock } from '../../../test/kit/manual-clock.ts'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { settle } from '../../../test/kit/wait-for.ts'
import type { OpenedSkill, SkillContext } from '../../skill-api/index.ts'
import { watchersSkillModule } from './skill-module.ts'

const quiet = { warn: () => undefined, info: () => undefined, error: () => undefined }

function context(provides: string[], config: Record<string, unknown>, clock: ManualClock, dataDir: string) {
  const published: { type: string; severity?: string; payload: unknown }[] = []
  const value = {
    skill: { id: 'skill.watcher.x', provides, consumes: [], config },
    config,
    clock,
    dataDir,
    env: {},
    logger: quiet,
    bus: {
      publish: async (draft: { type: string; severity?: string; payload: unknown }) => {
        published.push(draft)
        return { id: 'x' }
      },
    },
  } as unknown as SkillContext
  return { value, published }
}

describe('the watchers module', () => {
  test('an entry must provide exactly one of the two signals', async (t) => {
    const temp = makeTempDir()
    t.after(() => temp.remove())
    const clock = new ManualClock()
    for (const provides of [[], ['event.fs.changed', 'event.system.health']]) {
      await assert.rejects(
        async () => watchersSkillModule.open(context(provides, {}, clock, temp.path).value),
        /exactly one of event\.fs\.changed/,
      )
    }
  })

  test('the system watcher samples on the injected clock and publishes a health report with its severity', async (t) => {
    const temp = makeTempDir()
    t.after(() => temp.remove())
    const clock = new ManualClock()
    const { value, published } = context(
      ['event.system.health'],
      { sampleEverySec: 5, thresholds: { disk: 0.001, cpu: 1, ram: 1, vram: 1 } },
      clock,
      temp.path,
    )
    const opened = (await watchersSkillModule.open(value)) as OpenedSkill
    t.after(() => opened.close?.())
    await settle(5)
    assert.equal(published.length, 0, 'the first sample waits a sample interval')
    clock.advance(5_000)
    await settle(20)
    assert.equal(published.length, 1)
    assert.equal(published[0]!.type, 'event.system.health')
    assert.ok(['warn', 'error'].includes(published[0]!.severity!), 'any disk in use is over 0.1%')
    // Same severity five seconds later: sampled, not published again.
    clock.advance(5_000)
    await settle(20)
    assert.equal(published.length, 1)
    assert.equal(clock.pendingTimers, 1, 'the next sample is scheduled on the injected clock')
  })
})
