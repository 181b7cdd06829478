import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ManualClock } from '../../../test/kit/manual-clock.ts'
import { settle } from '../../../test/kit/wait-for.ts'
import type { SystemSample } from './system-sampler.ts'
import { DEFAULT_THRESHOLDS, type HealthReport, SystemWatcher } from './system-watcher.ts'

const quiet = { warn: () => undefined, info: () => undefined, error: () => undefined }

function watcher(samples: SystemSample[]) {
  const clock = new ManualClock(Date.UTC(2026, 11, 5, 9))
  const reports: HealthReport[] = []
  let index = 0
  const systemWatcher = new SystemWatcher({
    clock,
    sampleEveryMs: 5_000,
    reportEveryMs: 60_000,
    thresholds: DEFAULT_THRESHOLDS,
    hysteresis: 0.05,
    sample: async () => samples[Math.min(index++, samples.length - 1)]!,
    publish: async (report) => {
      reports.push(report)
    },
    logger: quiet,
  })
  return { clock, reports, systemWatcher }
}

const cpu = (value: number): SystemSample => ({ cpu: value, ram: 0.3, disk: 0.5, vram: undefined })

async function runSamples(clock: ManualClock, systemWatcher: SystemWatcher, count: number) {
  systemWatcher.start()
  await settle()
  for (let index = 1; index < count; index++) {
    clock.advance(5_000)
    await settle()
  }
  systemWatcher.close()
}

describe('system watcher', () => {
  test('reports the first sample, then only severity changes and a periodic report', async () => {
    // 13 quiet samples span 60 s: the first and the periodic report; then warn, a repeat, error, back.
    const samples = [...Array.from({ length: 13 }, () => cpu(0.2)), cpu(0.92), cpu(0.93), cpu(0.99), cpu(0.3)]
    const { clock, reports, systemWatcher } = watcher(samples)
    await runSamples(clock, systemWatcher, samples.length)
    assert.deepEqual(
      reports.map((report) => report.severity),
      ['info', 'info', 'warn', 'error', 'info'],
    )
    assert.deepEqual(reports[2]!.over, ['cpu'])
    assert.equal(reports[0]!.payload.vram, 0, 'no GPU: vram is reported as 0')
  })

  test('a value hovering at the threshold does not flap', async () => {
    const samples = Array.from({ length: 11 }, (_, index) => cpu(index % 2 === 0 ? 0.91 : 0.88))
    const { clock, reports, systemWatcher } = watcher(samples)
    await runSamples(clock, systemWatcher, samples.length)
    assert.deepEqual(
      reports.map((report) => report.severity),
      ['warn'],
    )
  })

  test('a metric falls back only below threshold minus hysteresis', () => {
    const { systemWatcher } = watcher([])
    assert.equal(systemWatcher.evaluate(cpu(0.92)).severity, 'warn')
    assert.equal(systemWatcher.evaluate(cpu(0.86)).severity, 'warn')
    assert.equal(systemWatcher.evaluate(cpu(0.84)).severity, 'info')
    assert.equal(systemWatcher.evaluate({ cpu: 0.1, ram: 0.1, disk: 0.99, vram: 0.2 }).severity, 'error')
  })
})
