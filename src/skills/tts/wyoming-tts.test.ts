import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startWyomingTtsPeer } from '../../../test/kit/wyoming-peer.ts'
import { speakWithWyoming } from './wyoming-tts.ts'

test('a sentence is synthesised by a Wyoming service: its audio, at its rate, with no phone timings', async (t) => {
  const peer = await startWyomingTtsPeer({ rate: 22_050 })
  t.after(() => peer.close())
  const speech = await speakWithWyoming(
    peer.uri,
    'en_US-lessac-medium',
    'Hello there.',
    new AbortController().signal,
  )
  assert.equal(speech.sampleRate, 22_050)
  assert.equal(speech.pcm.length, Math.round(22_050 * 0.05 * 'Hello there.'.length) * 2)
  assert.deepEqual(speech.phones, [])
  assert.deepEqual(peer.received[0], {
    type: 'synthesize',
    data: { text: 'Hello there.', voice: { name: 'en_US-lessac-medium' } },
  })
})

test('stereo audio, a hang-up and an absent service are clear errors', async (t) => {
  const stereo = await startWyomingTtsPeer({ channels: 2 })
  t.after(() => stereo.close())
  await assert.rejects(
    speakWithWyoming(stereo.uri, 'x', 'Hi.', new AbortController().signal),
    /2 channel\(s\)/,
  )
  const hangUp = await startWyomingTtsPeer({ hangUp: true })
  t.after(() => hangUp.close())
  await assert.rejects(
    speakWithWyoming(hangUp.uri, 'x', 'Hi.', new AbortController().signal),
    /closed before audio-stop/,
  )
  const gone = await startWyomingTtsPeer()
  await gone.close()
  await assert.rejects(
    speakWithWyoming(gone.uri, 'x', 'Hi.', new AbortController().signal),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'E_DEPENDENCY_UNAVAILABLE')
      return true
    },
  )
})
