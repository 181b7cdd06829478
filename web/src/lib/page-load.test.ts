import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { PageLoadMeter } from './page-load.ts'

describe('the page load meter', () => {
  test('the busy share of the window, clipped at its edges; old tasks drop out', () => {
    const meter = new PageLoadMeter(1000)
    assert.equal(meter.load(5000), 0)
    meter.add([
      { startTime: 3900, duration: 200 }, // 100 ms of it inside the window [4000, 5000]
      { startTime: 4200, duration: 100 },
      { startTime: 4900, duration: 300 }, // runs past now: 100 ms counted
      { startTime: 4950, duration: 0 }, // not a task
      { startTime: Number.NaN, duration: 80 },
    ])
    assert.equal(meter.load(5000), 0.3)
    assert.equal(meter.load(6500), 0)
    meter.add([{ startTime: 6000, duration: 5000 }])
    assert.equal(meter.load(7000), 1)
    assert.throws(() => new PageLoadMeter(0), /positive/)
  })
})
