import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startWyomingAsrPeer } from '../../../test/kit/wyoming-peer.ts'
import { startWyomingStt } from './wyoming.ts'

test('an utterance goes out as transcribe, audio-start, audio-chunks, audio-stop; transcript-chunks are partials', async (t) => {
  const peer = await startWyomingAsrPeer({ chunks: ['heard', ' something'] })
  t.after(() => peer.close())
  const partials: string[] = []
  const session = startWyomingStt(peer.uri, 'en-us', new AbortController().signal, (text) =>
    partials.push(text),
  )
  await session.write(Buffer.alloc(3200))
  await session.write(Buffer.alloc(0))
  await session.write(Buffer.alloc(1600))
  const transcript = await session.finish()
  assert.deepEqual(transcript, { text: 'heard 4800 bytes', confidence: 1 })
  assert.deepEqual(partials, ['heard', 'heard something'])
  assert.deepEqual(
    peer.received.map((event) => event.type),
    ['transcribe', 'audio-start', 'audio-chunk', 'audio-chunk', 'audio-stop'],
  )
  assert.deepEqual(peer.received[0]!.data, { language: 'en' })
  assert.deepEqual(peer.received[1]!.data, { rate: 16_000, width: 2, channels: 1 })
  assert.deepEqual(peer.received[2]!.data, { rate: 16_000, width: 2, channels: 1 })
})

test('a service that hangs up or is not there is E_DEPENDENCY_UNAVAILABLE naming it', async (t) => {
  const peer = await startWyomingAsrPeer({ hangUp: true })
  t.after(() => peer.close())
  const session = startWyomingStt(peer.uri, 'en-us', new AbortController().signal, () => undefined)
  await session.write(Buffer.alloc(320))
  await assert.rejects(session.finish(), /closed without a transcript/)
  const closed = await startWyomingAsrPeer()
  await closed.close()
  const nobody = startWyomingStt(closed.uri, 'en', new AbortController().signal, () => undefined)
  await assert.rejects(nobody.finish(), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'E_DEPENDENCY_UNAVAILABLE')
    assert.ok(error.message.includes(closed.uri))
    return true
  })
})
