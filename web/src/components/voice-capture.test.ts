import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Pcm16Batcher } from './voice-capture.ts'

function samplesOf(chunk: ArrayBuffer): number[] {
  const view = new DataView(chunk)
  return Array.from({ length: chunk.byteLength / 2 }, (_, index) => view.getInt16(index * 2, true))
}

test('the batcher hands out whole 100 ms chunks across pushes and keeps the rest for flush', () => {
  const batcher = new Pcm16Batcher(100) // 10 samples per 100 ms
  assert.deepEqual(batcher.push(new Float32Array(7).fill(0.5)), [])
  const chunks = batcher.push(new Float32Array(8).fill(-0.5))
  assert.equal(chunks.length, 1)
  // 0.5 × 32767 rounds up, −0.5 × 32767 rounds towards zero.
  assert.deepEqual(samplesOf(chunks[0]!), [...Array(7).fill(16384), ...Array(3).fill(-16383)])
  assert.deepEqual(samplesOf(batcher.flush()!), Array(5).fill(-16383))
  assert.equal(batcher.flush(), undefined)
})

test('samples beyond ±1 are clipped, and reset drops what was pending', () => {
  const batcher = new Pcm16Batcher(100)
  assert.deepEqual(
    samplesOf(batcher.push(new Float32Array([2, -2, 1, -1, 0, 0, 0, 0, 0, 0]))[0]!).slice(0, 4),
    [32767, -32767, 32767, -32767],
  )
  batcher.push(new Float32Array(3))
  batcher.reset()
  assert.equal(batcher.flush(), undefined)
})
