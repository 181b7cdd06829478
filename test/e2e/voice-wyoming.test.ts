// A voice turn whose STT and TTS are Wyoming services (what faster-whisper and Piper users run): a
// config change per skill, `engine: wyoming` and its uri, and the same protocol on /ws/voice.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { speakToWave, streamUtterance, VoiceClient } from '../kit/voice-client.ts'
import { openVoiceHub } from '../kit/voice-hub.ts'
import { startWyomingAsrPeer, startWyomingTtsPeer } from '../kit/wyoming-peer.ts'

test('with engine wyoming the utterance streams to the STT service and the answer is spoken by the TTS service', {
  timeout: 60_000,
}, async (t) => {
  const temp = makeTempDir('localhub-voice-wyoming-')
  t.after(() => temp.remove())
  const whisper = await startWyomingAsrPeer({ chunks: ['what time'], transcript: () => 'what time is it' })
  t.after(() => whisper.close())
  const piper = await startWyomingTtsPeer({ rate: 22_050 })
  t.after(() => piper.close())
  const ollama = await startOllamaServer({ reply: () => 'It is noon. Time for lunch.' })
  t.after(() => ollama.close())
  const hub = await openVoiceHub(
    temp.path,
    ollama.url,
    { engine: 'wyoming', uri: whisper.uri, language: 'en-us' },
    { engine: 'wyoming', uri: piper.uri, voicePreset: 'en_US-lessac-medium' },
  )
  t.after(() => hub.close())
  const question = speakToWave('what time is it', join(temp.path, 'question.wav'))
  const client = await VoiceClient.connect(hub.url, hub.token)
  t.after(() => client.close())
  await streamUtterance(client, question, { chunkMs: 100 })
  await client.next((frame) => frame.type === 'turn.end', 'turn.end')
  assert.deepEqual(
    client.frames.filter((frame) => frame.type === 'error.raised'),
    [],
  )

  // STT: the service got the whole utterance as 16 kHz mono pcm16, its chunks are partials.
  const partial = client.frames.find((frame) => frame.type === 'stt.partial')
  assert.equal(partial?.payload.text, 'what time')
  const final = client.frames.find((frame) => frame.type === 'stt.final')
  assert.deepEqual(final?.payload, { text: 'what time is it', confidence: 1, final: true })
  const types = whisper.received.map((event) => event.type)
  assert.deepEqual([types[0], types[1], types.at(-1)], ['transcribe', 'audio-start', 'audio-stop'])
  const audio = whisper.received.filter((event) => event.type === 'audio-chunk')
  // flite speaks at 16 kHz already: every sample arrives, none is lost or added.
  assert.equal(
    audio.reduce((sum, event) => sum + event.payload!.length, 0),
    question.pcm.length,
  )
  assert.deepEqual(audio[0]!.data, { rate: 16_000, width: 2, channels: 1 })

  // TTS: Piper's audio, sentence by sentence, at its own rate; Wyoming has no phone timings, so no visemes.
  assert.deepEqual(
    piper.received.map((event) => event.data.text),
    ['It is noon.', 'Time for lunch.'],
  )
  const start = client.frames.find((frame) => frame.type === 'tts.start')
  assert.deepEqual(start?.payload, { voice: 'en_US-lessac-medium', format: 'pcm16', sampleRate: 22_050 })
  const spoken = client.frames
    .filter((frame) => frame.type === 'tts.audio')
    .reduce((sum, frame) => sum + Buffer.from(String(frame.payload.bytesB64), 'base64').length, 0)
  assert.equal(spoken, Math.round(22_050 * 0.05 * 11) * 2 + Math.round(22_050 * 0.05 * 15) * 2)
  assert.ok(!client.frames.some((frame) => frame.type === 'tts.viseme_timing'))
})
