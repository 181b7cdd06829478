// A voice turn whose STT is a Wyoming service (what faster-whisper users run): one manifest change,
// `engine: wyoming` and its uri, and the same protocol on /ws/voice.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { speakToWave, streamUtterance, VoiceClient } from '../kit/voice-client.ts'
import { openVoiceHub } from '../kit/voice-hub.ts'
import { startWyomingAsrPeer } from '../kit/wyoming-peer.ts'

test('the STT skill with engine wyoming streams the utterance to the service and answers its transcript', {
  timeout: 60_000,
}, async (t) => {
  const temp = makeTempDir('localhub-voice-wyoming-')
  t.after(() => temp.remove())
  const peer = await startWyomingAsrPeer({ chunks: ['what time'], transcript: () => 'what time is it' })
  t.after(() => peer.close())
  const ollama = await startOllamaServer({ reply: () => 'It is noon.' })
  t.after(() => ollama.close())
  const hub = await openVoiceHub(temp.path, ollama.url, {
    engine: 'wyoming',
    uri: peer.uri,
    language: 'en-us',
  })
  t.after(() => hub.close())
  const question = speakToWave('what time is it', join(temp.path, 'question.wav'))
  const client = await VoiceClient.connect(hub.url, hub.token)
  t.after(() => client.close())
  await streamUtterance(client, question, { chunkMs: 100 })
  await client.next((frame) => frame.type === 'turn.end', 'turn.end')
  const partial = client.frames.find((frame) => frame.type === 'stt.partial')
  assert.equal(partial?.payload.text, 'what time')
  const final = client.frames.find((frame) => frame.type === 'stt.final')
  assert.deepEqual(final?.payload, { text: 'what time is it', confidence: 1, final: true })
  assert.ok(client.frames.some((frame) => frame.type === 'tts.audio'))
  const types = peer.received.map((event) => event.type)
  assert.deepEqual([types[0], types[1], types.at(-1)], ['transcribe', 'audio-start', 'audio-stop'])
  const audio = peer.received.filter((event) => event.type === 'audio-chunk')
  const bytes = audio.reduce((sum, event) => sum + event.payload!.length, 0)
  // flite speaks at 16 kHz already: every sample arrives, none is lost or added.
  assert.equal(bytes, question.pcm.length)
  assert.deepEqual(audio[0]!.data, { rate: 16_000, width: 2, channels: 1 })
})
