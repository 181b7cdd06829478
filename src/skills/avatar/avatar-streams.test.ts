import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { BusClient } from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import { AvatarStreams } from './avatar-streams.ts'
import type { AvatarKeyframe } from './keyframes.ts'

function harness() {
  const published: Envelope[] = []
  const observed: { metric: string; ms: number }[] = []
  const bus = {
    publishUntyped: async (draft: unknown) => {
      published.push(draft as Envelope)
      return { id: (draft as Envelope).id }
    },
  } as unknown as BusClient
  const streams = new AvatarStreams(
    bus,
    { fps: 25, resolution: '256x256', seed: 1, source: 'skill.avatar' },
    { observe: (metric, ms) => observed.push({ metric, ms }) },
    { info() {}, warn() {}, error() {} },
  )
  let count = 0
  const event = (type: string, payload: Record<string, unknown>, traceId = 't1', sessionId = 's1') =>
    streams.handle({
      id: `e${++count}`,
      type,
      version: 1,
      ts: new Date().toISOString(),
      source: 'test',
      severity: 'info',
      traceId,
      sessionId,
      tenant: 'default',
      payload,
    } as Envelope)
  return { streams, published, observed, event }
}

const types = (events: Envelope[]) => events.map((event) => event.type)

test('an answer: avatar.start at the first audio, frames as timings settle, avatar.end at tts.end', async () => {
  const { published, observed, event, streams } = harness()
  await event('tts.audio', { seq: 0, ms: 200 })
  assert.deepEqual(types(published), ['avatar.start'])
  assert.deepEqual(published[0]!.payload, { fps: 25, format: 'rgb', resolution: '256x256' })
  await event('tts.audio', { seq: 1, ms: 200 })
  await event('tts.viseme_timing', { visemes: ['sil', 'aa', 'PP', 'sil'], timingMs: [0, 100, 250, 330] })
  await event('tts.end', { totalMs: 400 })
  assert.deepEqual(types(published), ['avatar.start', 'avatar.frames', 'avatar.frames', 'avatar.end'])
  const frames = published
    .filter((envelope) => envelope.type === 'avatar.frames')
    .flatMap((envelope) => (envelope.payload as { frames: AvatarKeyframe[] }).frames)
  assert.deepEqual(
    frames.map((frame) => frame.seq),
    [...Array(10).keys()],
  )
  assert.equal((published[2]!.payload as { fromSeq: number }).fromSeq, 8)
  assert.deepEqual(published.at(-1)!.payload, { totalFrames: 10, reason: 'completed', durationMs: 400 })
  assert.ok(published.every((envelope) => envelope.traceId === 't1' && envelope.sessionId === 's1'))
  assert.equal(published[1]!.causationId, 'e3', 'frames point at the timing that settled them')
  assert.deepEqual(
    observed.map((entry) => entry.metric),
    ['avatar_ms'],
  )
  assert.equal(await streams.whenEnded('t1', 10), true)
})

test('barge-in: a cancelled run ends the face with reason interrupted; a failed one with failed', async () => {
  const { published, event } = harness()
  await event('tts.audio', { seq: 0, ms: 200 })
  await event('tts.viseme_timing', { visemes: ['sil', 'aa'], timingMs: [0, 100] })
  await event('error.raised', {
    code: 'E_TIMEOUT',
    message: 'the run was cancelled: the run was interrupted: the person spoke again (barge-in)',
    recoverable: true,
  })
  await event('turn.end', { sessionId: 's1', outcome: 'error' })
  // Late audio of the cancelled answer changes nothing.
  await event('tts.audio', { seq: 1, ms: 200 })
  assert.deepEqual(types(published), ['avatar.start', 'avatar.frames', 'avatar.end'])
  assert.equal((published.at(-1)!.payload as { reason: string }).reason, 'interrupted')

  await event('tts.audio', { seq: 0, ms: 200 }, 't2')
  await event('error.raised', { code: 'E_IO', message: 'flite failed', recoverable: true }, 't2')
  assert.equal((published.at(-1)!.payload as { reason: string }).reason, 'failed')
})

test('one stream per session: a new answer interrupts the one still open; other sessions go on', async () => {
  const { published, event } = harness()
  await event('tts.audio', { seq: 0, ms: 200 }, 't1', 's1')
  await event('tts.audio', { seq: 0, ms: 200 }, 'o1', 's2')
  await event('tts.audio', { seq: 0, ms: 200 }, 't2', 's1')
  const ends = published.filter((envelope) => envelope.type === 'avatar.end')
  assert.deepEqual(
    ends.map((envelope) => [envelope.traceId, (envelope.payload as { reason: string }).reason]),
    [['t1', 'interrupted']],
  )
})

test('speech without viseme timings still moves the mouth (a babble), from tts.end', async () => {
  const { published, event } = harness()
  await event('tts.audio', { seq: 0, ms: 1000 })
  await event('tts.end', { totalMs: 1000 })
  const frames = published
    .filter((envelope) => envelope.type === 'avatar.frames')
    .flatMap((envelope) => (envelope.payload as { frames: AvatarKeyframe[] }).frames)
  assert.equal(frames.length, 25)
  assert.ok(frames.some((frame) => frame.viseme !== 'sil'))
})

test('the step waits for the end, and gives up after its timeout', async () => {
  const { streams, event } = harness()
  const waiting = streams.whenEnded('t1', 5_000)
  await event('tts.audio', { seq: 0, ms: 200 })
  await event('tts.end', { totalMs: 200 })
  assert.equal(await waiting, true)
  // whenEnded's timer is unref'd (a closing hub never waits on it), so the test holds the loop open.
  const holdLoop = setTimeout(() => {}, 1_000)
  assert.equal(await streams.whenEnded('never', 5), false)
  clearTimeout(holdLoop)
})
