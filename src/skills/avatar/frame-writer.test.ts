import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FrameWriter } from './frame-writer.ts'

test('a slow client gets whole messages: frame messages are dropped whole and counted, control never', () => {
  const sent: string[] = []
  const socket = { bufferedAmount: 0, readyState: 1, send: (data: string) => sent.push(data) }
  const writer = new FrameWriter(socket, 1_000)
  writer.control({ type: 'avatar.start' })
  assert.equal(writer.frames({ type: 'avatar.frames', frames: [1, 2, 3] }, 3), true)
  socket.bufferedAmount = 5_000
  assert.equal(writer.frames({ type: 'avatar.frames', frames: [4, 5] }, 2), false)
  writer.drop(1)
  writer.control({ type: 'avatar.end' })
  socket.bufferedAmount = 0
  assert.equal(writer.frames({ type: 'avatar.frames', frames: [6] }, 1), true)
  assert.deepEqual(
    sent.map((message) => JSON.parse(message)),
    [
      { type: 'avatar.start' },
      { type: 'avatar.frames', frames: [1, 2, 3] },
      { type: 'avatar.end' },
      { type: 'avatar.frames', frames: [6] },
    ],
  )
  assert.equal(writer.droppedFrames, 3)
  assert.equal(writer.droppedMessages, 2)
  socket.readyState = 3
  assert.equal(writer.frames({}, 1), false)
  assert.equal(writer.droppedFrames, 3, 'a closed socket is not a slow client')
})
