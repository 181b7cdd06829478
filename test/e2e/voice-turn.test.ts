// End to end: flite speaks a question, a WS client streams it to /ws/voice of a real hub,
// pocketsphinx transcribes it, the loopback model answers, flite speaks the answer back with
// visemes, and pocketsphinx understands the answer audio again.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { RunningHub } from '../../src/kernel/index.ts'
import { type FakeOllamaServer, type ScriptRequest, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import {
  convertAudio,
  speakToWave,
  streamUtterance,
  transcribe,
  VoiceClient,
  type VoiceFrame,
} from '../kit/voice-client.ts'
import { openVoiceHub } from '../kit/voice-hub.ts'

const QUESTION = 'tell me a joke about the weather'
const ANSWER = 'It is three o clock. The weather is sunny.'

function reply(request: ScriptRequest): string {
  const question = request.messages.filter((message) => message.role === 'user').at(-1)?.content ?? ''
  return question.includes('joke') ? ANSWER : 'I did not hear a joke.'
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z']+/g) ?? []
}

/** The frames of one turn, up to the session's return to idle that follows turn.end. */
async function turn(client: VoiceClient, from: number): Promise<VoiceFrame[]> {
  const end = await client.next((frame) => frame.type === 'turn.end', 'turn.end', from, 60_000)
  const idle = await client.next(
    (frame) => frame.type === 'session.state.changed' && frame.payload.to === 'idle',
    'the session back to idle',
    client.frames.indexOf(end),
  )
  return client.frames.slice(from, client.frames.indexOf(idle) + 1)
}

function recognisesQuestion(transcript: unknown): boolean {
  const heard = words(String(transcript))
  const expected = words(QUESTION)
  return expected.filter((word) => heard.includes(word)).length >= expected.length - 2
}

describe('a voice turn over /ws/voice', { timeout: 180_000 }, () => {
  const temp = makeTempDir('localhub-voice-')
  let ollama: FakeOllamaServer
  let hub: RunningHub
  let question: { sampleRate: number; pcm: Buffer }

  before(async () => {
    question = speakToWave(QUESTION, join(temp.path, 'question.wav'))
    ollama = await startOllamaServer({ reply, firstTokenDelayMs: 50 })
    hub = await openVoiceHub(temp.path, ollama.url)
  })
  after(async () => {
    await hub?.close()
    await ollama?.close()
    temp.remove()
  })

  test('speech in real time: transcript, streamed answer, answer audio with visemes, the seed’s states', async (t) => {
    const client = await VoiceClient.connect(hub.url, hub.token)
    t.after(() => client.close())
    await streamUtterance(client, question, { realTime: true, chunkMs: 100 })
    const frames = await turn(client, 0)
    const types = frames.map((frame) => frame.type)
    const errors = frames.filter((frame) => frame.type === 'error.raised')
    assert.deepEqual(errors, [], JSON.stringify(errors))

    const partials = frames.filter((frame) => frame.type === 'stt.partial')
    assert.ok(partials.length >= 1, 'a partial transcript streams before the final one')
    assert.ok(types.indexOf('stt.partial') < types.indexOf('stt.final'))
    const final = frames.find((frame) => frame.type === 'stt.final')!
    assert.ok(recognisesQuestion(final.payload.text), `heard "${final.payload.text}"`)
    assert.ok(words(String(final.payload.text)).includes('joke'), `heard "${final.payload.text}"`)
    assert.ok(Number(final.payload.confidence) > 0 && Number(final.payload.confidence) <= 1)

    // The model got the transcript and its answer streamed back as tokens.
    const prompt = ollama.requests.find((request) => request.path === '/api/chat')
    assert.match(JSON.stringify(prompt?.body), /joke/)
    const tokens = frames.filter((frame) => frame.type === 'llm.token').map((frame) => frame.payload.text)
    assert.equal(tokens.join(''), ANSWER)

    // The answer, spoken: tts.start, audio, visemes covering it, tts.end; then turn.end.
    const start = frames.find((frame) => frame.type === 'tts.start')!
    assert.equal(start.payload.format, 'pcm16')
    const sampleRate = Number(start.payload.sampleRate)
    const audio = frames.filter((frame) => frame.type === 'tts.audio')
    assert.ok(audio.length >= 2, 'the answer audio arrives in several chunks')
    assert.deepEqual(
      audio.map((frame) => frame.payload.seq),
      audio.map((_, index) => index),
    )
    const pcm = Buffer.concat(audio.map((frame) => Buffer.from(String(frame.payload.bytesB64), 'base64')))
    const totalMs = Number(frames.find((frame) => frame.type === 'tts.end')!.payload.totalMs)
    assert.ok(Math.abs(totalMs - (pcm.length / 2 / sampleRate) * 1000) < 5)
    const timings = frames
      .filter((frame) => frame.type === 'tts.viseme_timing')
      .flatMap((frame) => frame.payload.timingMs as number[])
    assert.equal(timings[0], 0)
    assert.ok(timings.every((value, index) => index === 0 || value >= timings[index - 1]!))
    assert.ok(timings.at(-1)! < totalMs && timings.at(-1)! > totalMs * 0.7, `${timings.at(-1)} of ${totalMs}`)
    const visemes = frames
      .filter((frame) => frame.type === 'tts.viseme_timing')
      .flatMap((frame) => frame.payload.visemes as string[])
    assert.ok(visemes.includes('TH') && visemes.includes('SS'), visemes.join(' '))
    assert.ok(sampleRate === 16_000, 'flite slt speaks at 16 kHz, which pocketsphinx reads')
    const answerHeard = words(transcribe(pcm))
    assert.ok(answerHeard.includes('three') && answerHeard.includes('weather'), answerHeard.join(' '))

    // The session went through the seed's states, in order.
    const states = frames
      .filter((frame) => frame.type === 'session.state.changed')
      .map((frame) => frame.payload.to)
    const path = ['listening', 'transcribing', 'thinking', 'speaking', 'rendering', 'idle']
    let at = -1
    for (const state of path) {
      const next = states.indexOf(state, at + 1)
      assert.ok(next > at, `${state} after index ${at} in ${states.join(' → ')}`)
      at = next
    }
    assert.ok(types.indexOf('turn.end') > types.lastIndexOf('tts.end'))
    assert.ok(!types.includes('session.transition.rejected'), types.join(' '))

    // Each turn records the seed's voice metrics.
    const metrics = await (
      await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${hub.token}` } })
    ).text()
    for (const name of ['stt_ms', 'tts_ms', 'voice_rtt_ms'])
      assert.match(metrics, new RegExp(`localhub_${name}_count\\{[^}]*\\} [1-9]`), name)
  })

  test('48 kHz f32 stereo in binary frames is resampled for the recogniser', async (t) => {
    const client = await VoiceClient.connect(hub.url, hub.token)
    t.after(() => client.close())
    const stereo = convertAudio(question, { sampleRate: 48_000, format: 'f32', channels: 2 })
    await streamUtterance(
      client,
      { sampleRate: 48_000, pcm: stereo, format: 'f32', channels: 2 },
      // 20 ms of 48 kHz f32 stereo is 7680 bytes: under the server's 16 KiB WebSocket message limit.
      { binary: true, chunkMs: 20, realTime: true },
    )
    const frames = await turn(client, 0)
    const final = frames.find((frame) => frame.type === 'stt.final')
    assert.ok(final, JSON.stringify(frames.filter((frame) => frame.type === 'error.raised')))
    assert.ok(recognisesQuestion(final.payload.text), String(final.payload.text))
  })

  test('hands-free: with ?endOfSpeechMs the hub finds the end of speech itself (WebRTC VAD)', async (t) => {
    const client = await VoiceClient.connect(hub.url, hub.token, '/ws/voice?endOfSpeechMs=600')
    t.after(() => client.close())
    const silence = Buffer.alloc(16_000 * 2 * 2)
    client.send('voice.start', { sampleRate: 16_000, format: 'pcm16', channels: 1 })
    const audio = Buffer.concat([silence.subarray(0, 16_000), question.pcm, silence])
    for (let offset = 0; offset < audio.length; offset += 3200)
      client.sendRaw(audio.subarray(offset, offset + 3200), true)
    const end = await client.next((frame) => frame.type === 'voice.end', 'the hub ending the utterance')
    // Ended after the speech and 600 ms of silence, before the 2 s of trailing silence were over.
    const speechEndMs = ((16_000 + question.pcm.length) / 2 / 16_000) * 1000
    const totalMs = Number(end.payload.totalMs)
    assert.ok(
      totalMs >= speechEndMs && totalMs < speechEndMs + 1500,
      `${totalMs} ms, speech ended at ${speechEndMs}`,
    )
    client.send('voice.end', { totalMs: 3000 })
    const frames = await turn(client, 0)
    const final = frames.find((frame) => frame.type === 'stt.final')
    assert.ok(recognisesQuestion(final?.payload.text), String(final?.payload.text))
    assert.deepEqual(
      client.frames.filter((frame) => frame.type === 'error.raised'),
      [],
      'the audio after the end of speech and the client’s voice.end are dropped quietly',
    )
  })

  test('/health shows the voice skills ready (setup-system.sh installed their engines)', async () => {
    const response = await fetch(`${hub.url}/health`, { headers: { authorization: `Bearer ${hub.token}` } })
    const body = (await response.json()) as { data: { skills: { id: string; status: string }[] } }
    for (const id of ['skill.voice.stt', 'skill.voice.tts'])
      assert.equal(body.data.skills.find((skill) => skill.id === id)?.status, 'ready', id)
  })

  test('the log keeps the transcript as a hash and no audio', async () => {
    const response = await fetch(`${hub.url}/events?filter=stt.>&limit=100`, {
      headers: { authorization: `Bearer ${hub.token}` },
    })
    const body = (await response.json()) as { data: { type: string; payload: Record<string, unknown> }[] }
    const finals = body.data.filter((event) => event.type === 'stt.final')
    assert.ok(finals.length >= 1)
    for (const event of finals) assert.doesNotMatch(JSON.stringify(event.payload), /joke/)
  })
})
