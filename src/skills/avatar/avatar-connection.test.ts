import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { BusClient } from '../../bus/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import { AvatarConnection } from './avatar-connection.ts'
import { AvatarStreams } from './avatar-streams.ts'
import { FrameWriter } from './frame-writer.ts'
import type { AvatarKeyframe } from './keyframes.ts'

function setUp() {
  const bus = { publishUntyped: async (draft: Envelope) => ({ id: draft.id }) } as unknown as BusClient
  const streams = new AvatarStreams(
    bus,
    { fps: 25, resolution: '256x256', seed: 1, source: 'skill.avatar' },
    { observe() {} },
    { info() {}, warn() {}, error() {} },
  )
  let count = 0
  const event = (type: string, payload: Record<string, unknown>) =>
    streams.handle({
      id: `e${++count}`,
      type,
      version: 1,
      ts: new Date().toISOString(),
      source: 'test',
      severity: 'info',
      traceId: 't1',
      sessionId: 's1',
      tenant: 'default',
      payload,
    } as Envelope)
  return { streams, event }
}

/** A client whose socket backs up (its unsent bytes are over the limit) while `slow` is set. */
function slowSocket() {
  const received: string[] = []
  const socket = {
    slow: false,
    readyState: 1,
    get bufferedAmount() {
      return this.slow ? 10_000_000 : 0
    },
    send: (data: string) => received.push(data),
  }
  return { socket, received }
}

// One viseme timing per "sentence" of 400 ms, each settling a batch of keyframes.
async function speak(
  event: ReturnType<typeof setUp>['event'],
  sentences: number,
  onSentence: (index: number) => void,
) {
  await event('tts.audio', { seq: 0, ms: 400 })
  for (let index = 0; index < sentences; index++) {
    onSentence(index)
    const base = index * 400
    await event('tts.viseme_timing', {
      visemes: ['sil', 'aa', 'PP', 'O'],
      timingMs: [base, base + 100, base + 200, base + 300],
    })
  }
  await event('tts.end', { totalMs: sentences * 400 })
}

test('a slow keyframe client gets whole batches: the ones it missed are dropped whole and counted', async () => {
  const { streams, event } = setUp()
  const { socket, received } = slowSocket()
  const connection = new AvatarConnection(
    streams,
    's1',
    new FrameWriter(socket, 1_000),
    undefined,
    (error) => {
      throw error
    },
  )
  connection.start()
  await speak(event, 6, (index) => {
    socket.slow = index === 2 || index === 3
  })
  await connection.idle()
  const messages = received.map((text) => JSON.parse(text) as Envelope)
  assert.equal(messages[0]!.type, 'avatar.start')
  const end = messages.at(-1)!
  assert.equal(end.type, 'avatar.end')
  const batches = messages.filter((message) => message.type === 'avatar.frames')
  const frames = batches.flatMap((batch) => (batch.payload as { frames: AvatarKeyframe[] }).frames)
  for (const batch of batches) {
    const { fromSeq, frames: inBatch } = batch.payload as { fromSeq: number; frames: AvatarKeyframe[] }
    assert.deepEqual(
      inBatch.map((frame) => frame.seq),
      inBatch.map((_, index) => fromSeq + index),
      'a batch arrives whole, its frames in order',
    )
  }
  const total = (end.payload as { totalFrames: number }).totalFrames
  assert.equal(total, 60)
  const meta = end.meta as { droppedFrames: number; droppedMessages: number }
  assert.equal(meta.droppedMessages, 2)
  assert.equal(frames.length + meta.droppedFrames, total, 'what arrived plus what was dropped is every frame')
  connection.close()
})

test('a slow PNG client skips whole frames without rendering them; the rest decode in order', async () => {
  const { streams, event } = setUp()
  const received: string[] = []
  // The client backs up for a while in the middle of the answer: the 5th to 8th frames find it slow.
  let probes = 0
  const socket = {
    readyState: 1,
    get bufferedAmount() {
      probes++
      return probes > 4 && probes <= 8 ? 10_000_000 : 0
    },
    send: (data: string) => received.push(data),
  }
  const connection = new AvatarConnection(
    streams,
    's1',
    new FrameWriter(socket, 1_000),
    { fps: 10, width: 64, height: 64 },
    (error) => {
      throw error
    },
  )
  connection.start()
  await speak(event, 4, () => undefined)
  await connection.idle()
  const messages = received.map((text) => JSON.parse(text) as Envelope)
  const images = messages.filter((message) => message.type === 'avatar.frame')
  const end = messages.at(-1)!
  assert.equal(end.type, 'avatar.end')
  assert.deepEqual((end.payload as { totalFrames: number }).totalFrames, 16)
  const meta = end.meta as { droppedFrames: number }
  assert.ok(meta.droppedFrames > 0)
  assert.equal(images.length + meta.droppedFrames, 16)
  const seqs = images.map((image) => (image.payload as { seq: number }).seq)
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
  )
  for (const image of images)
    assert.equal(
      Buffer.from((image.payload as { imageB64: string }).imageB64, 'base64')
        .subarray(1, 4)
        .toString(),
      'PNG',
    )
  connection.close()
})

test('a client that connects while an answer plays gets it from its start', async () => {
  const { streams, event } = setUp()
  await event('tts.audio', { seq: 0, ms: 400 })
  await event('tts.viseme_timing', { visemes: ['sil', 'aa'], timingMs: [0, 200] })
  const { socket, received } = slowSocket()
  const connection = new AvatarConnection(
    streams,
    's1',
    new FrameWriter(socket, 1_000),
    undefined,
    () => undefined,
  )
  connection.start()
  await event('tts.end', { totalMs: 400 })
  await connection.idle()
  assert.deepEqual(
    received.map((text) => (JSON.parse(text) as Envelope).type),
    ['avatar.start', 'avatar.frames', 'avatar.frames', 'avatar.end'],
  )
  connection.close()
})
