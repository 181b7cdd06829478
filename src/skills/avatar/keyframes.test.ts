import assert from 'node:assert/strict'
import { test } from 'node:test'
import { babbleTimeline, frameCountFor, KeyframeSampler } from './keyframes.ts'
import { VisemeTimeline } from './viseme-timeline.ts'

// Two sentences as the TTS skill times them: flite's phones of "hello" and "bob", the second
// starting where the first sentence's audio ended (700 ms).
const FIRST = { visemes: ['sil', 'kk', 'aa', 'nn', 'O', 'sil'], timingMs: [0, 164, 255, 304, 412, 548] }
const SECOND = { visemes: ['sil', 'PP', 'aa', 'PP', 'sil'], timingMs: [700, 800, 880, 1020, 1100] }
const TOTAL_MS = 1230

function sampled(fps: number, seed = 7) {
  const timeline = new VisemeTimeline()
  const sampler = new KeyframeSampler(timeline, fps, seed)
  timeline.add(FIRST.visemes, FIRST.timingMs)
  const early = sampler.take()
  timeline.add(SECOND.visemes, SECOND.timingMs)
  const middle = sampler.take()
  timeline.end(TOTAL_MS)
  const late = sampler.take()
  return { early, middle, late, all: [...early, ...middle, ...late] }
}

test('keyframes cover the audio to within one frame, gap-free, whatever the fps', () => {
  for (const fps of [25, 30, 24, 60, 7]) {
    const { all } = sampled(fps)
    const frameMs = 1000 / fps
    assert.equal(all.length, frameCountFor(TOTAL_MS, fps))
    assert.deepEqual(
      all.map((frame) => frame.seq),
      all.map((_, index) => index),
    )
    assert.equal(all[0]!.startMs, 0)
    for (const [index, frame] of all.entries()) {
      assert.ok(frame.endMs > frame.startMs)
      if (index > 0)
        assert.equal(frame.startMs, all[index - 1]!.endMs, `frame ${index} starts where the last ended`)
    }
    const end = all.at(-1)!.endMs
    assert.ok(
      end >= TOTAL_MS && end - TOTAL_MS < frameMs + 1,
      `${fps} fps: frames end at ${end} for ${TOTAL_MS} ms`,
    )
  }
})

test('frames wait for the viseme that ends them: each timing settles up to its last viseme', () => {
  const { early, middle, late } = sampled(25)
  assert.ok(early.length > 0 && early.at(-1)!.endMs <= 548, 'the first sentence up to its last viseme')
  assert.ok(middle.at(-1)!.endMs <= 1100)
  assert.ok(late.length > 0)
})

test('each frame shows the viseme covering most of it, with a weight; silence rests the mouth', () => {
  const { all } = sampled(25)
  const at = (ms: number) => all.find((frame) => frame.startMs <= ms && ms < frame.endMs)!
  assert.equal(at(20).viseme, 'sil')
  assert.equal(at(20).weight, 0)
  assert.equal(at(180).viseme, 'kk')
  assert.equal(at(450).viseme, 'O')
  assert.equal(at(930).viseme, 'aa')
  assert.equal(at(1050).viseme, 'PP')
  for (const frame of all) {
    assert.ok(frame.weight >= 0 && frame.weight <= 1)
    assert.ok(frame.blink >= 0 && frame.blink <= 1)
    for (const angle of Object.values(frame.head)) assert.ok(Math.abs(angle) <= 30)
  }
})

test('blinks and head motion are the same for a seed and differ between seeds', () => {
  const long = (seed: number) => {
    const timeline = new VisemeTimeline()
    timeline.add(['sil'], [0])
    timeline.end(12_000)
    return new KeyframeSampler(timeline, 25, seed).take()
  }
  assert.deepEqual(long(3), long(3))
  assert.notDeepEqual(long(3), long(4))
  const blinks = long(3).filter((frame) => frame.blink > 0.9)
  assert.ok(blinks.length >= 2, `the face blinks within 12 s (${blinks.length} closed frames)`)
  const yaws = long(3).map((frame) => frame.head.yaw)
  assert.ok(Math.max(...yaws) - Math.min(...yaws) > 1, 'the head moves')
})

test('speech without timings gets a seeded babble over its whole duration', () => {
  const timeline = babbleTimeline(2_000, 5)
  const frames = new KeyframeSampler(timeline, 25, 5).take()
  assert.equal(frames.length, 50)
  assert.ok(frames.filter((frame) => frame.weight > 0).length > 20)
  assert.deepEqual(new KeyframeSampler(babbleTimeline(2_000, 5), 25, 5).take(), frames)
})

test('a timing whose visemes and times disagree is refused; unknown labels rest the mouth', () => {
  const timeline = new VisemeTimeline()
  assert.throws(() => timeline.add(['aa'], [0, 10]), /1 visemes and 2 timings/)
  timeline.add(['zz', 'aa'], [0, 100])
  assert.equal(timeline.segmentAt(50)?.viseme, 'sil')
  assert.equal(timeline.segmentAt(150), undefined, 'not settled until the next timing or the end')
})
