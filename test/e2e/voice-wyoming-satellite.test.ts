// End to end: a Wyoming satellite (written from the protocol's description) connects to the hub's
// Wyoming server, streams a question flite spoke, and gets the transcript pocketsphinx heard and
// the answer as audio that pocketsphinx understands again; the other end stages and barge-in too.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Envelope } from '../../src/contracts/index.ts'
import type { RunningHub } from '../../src/kernel/index.ts'
import { type FakeOllamaServer, type ScriptRequest, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { speakToWave, transcribe } from '../kit/voice-client.ts'
import { openWyomingHub } from '../kit/wyoming-hub.ts'
import { WyomingSatellite } from '../kit/wyoming-satellite.ts'

const QUESTION = 'tell me a joke about the weather'
const ANSWER = 'It is three o clock. The weather is sunny.'

/** Many sentences: speaking them takes long enough to be interrupted. */
const LONG_ANSWER = Array.from(
  { length: 12 },
  (_, index) => `This is sentence number ${index + 1} of a long story.`,
).join(' ')
let answerLong = false

function reply(request: ScriptRequest): string {
  const question = request.messages.filter((message) => message.role === 'user').at(-1)?.content ?? ''
  if (answerLong) return LONG_ANSWER
  return question.includes('joke') ? ANSWER : 'I did not hear a joke.'
}

function words(text: unknown): string[] {
  return (
    String(text)
      .toLowerCase()
      .match(/[a-z']+/g) ?? []
  )
}

function recognisesQuestion(transcript: unknown): boolean {
  const heard = words(transcript)
  const expected = words(QUESTION)
  return expected.filter((word) => heard.includes(word)).length >= expected.length - 2
}

describe('a Wyoming satellite on the hub', { timeout: 240_000 }, () => {
  const temp = makeTempDir('localhub-wyoming-satellite-')
  let ollama: FakeOllamaServer
  let hub: RunningHub & { wyoming: { host: string; port: number } }
  let question: { sampleRate: number; pcm: Buffer }
  // turn.end and error.raised as the hub's bus delivers them.
  const seen: Envelope[] = []
  const waiters = new Set<() => void>()

  before(async () => {
    question = speakToWave(QUESTION, join(temp.path, 'question.wav'))
    ollama = await startOllamaServer({ reply, firstTokenDelayMs: 50 })
    hub = await openWyomingHub(temp.path, ollama.url)
    for (const type of ['turn.end', 'error.raised'])
      await hub.bus.subscribe(type, (event) => {
        seen.push(event)
        for (const waiter of waiters) waiter()
      })
  })
  after(async () => {
    await hub?.close()
    await ollama?.close()
    temp.remove()
  })

  /**
   * The error.raised after index `from` of `seen` whose message matches, once its turn has ended
   * (a previous test's turn may still be ending meanwhile).
   */
  function failedTurn(from: number, message: RegExp): Promise<Envelope> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no turn failed with ${message}`)), 60_000)
      const waiter = () => {
        const later = seen.slice(from)
        const error = later.find(
          (event) => event.type === 'error.raised' && message.test(String(event.payload.message)),
        )
        if (error === undefined) return
        if (!later.some((event) => event.type === 'turn.end' && event.traceId === error.traceId)) return
        clearTimeout(timer)
        waiters.delete(waiter)
        resolve(error)
      }
      waiters.add(waiter)
      waiter()
    })
  }

  test('describe answers info: the hub speech recognition, voice and model as Wyoming programs', async (t) => {
    assert.equal(hub.wyoming.host, '127.0.0.1')
    const satellite = await WyomingSatellite.connect(hub.wyoming.port)
    t.after(() => satellite.close())
    satellite.send('describe')
    const info = await satellite.next((event) => event.type === 'info', 'info')
    const { asr, tts, handle, wake } = info.data as Record<string, Record<string, unknown>[]>
    assert.equal(asr?.length, 1)
    const model = (asr![0]!.models as Record<string, unknown>[])[0]!
    assert.equal(model.name, 'pocketsphinx')
    assert.deepEqual(model.languages, ['en-us'])
    assert.deepEqual(Object.keys(model.attribution as object).sort(), ['name', 'url'])
    assert.equal(model.installed, true)
    assert.equal((tts![0]!.voices as Record<string, unknown>[])[0]!.name, 'slt')
    assert.equal((handle![0]!.models as Record<string, unknown>[])[0]!.name, 'tiny')
    assert.deepEqual(wake, [])
    satellite.send('ping', { text: 'hello' })
    assert.deepEqual((await satellite.next((event) => event.type === 'pong', 'pong')).data, { text: 'hello' })
  })

  test('run-pipeline asr to tts: transcript, then the answer as audio the satellite can play', async (t) => {
    const satellite = await WyomingSatellite.connect(hub.wyoming.port)
    t.after(() => satellite.close())
    const asked = ollama.requests.length
    satellite.send('run-pipeline', { start_stage: 'asr', end_stage: 'tts', restart_on_end: false })
    await satellite.stream(question, { chunkMs: 100 })
    const stop = await satellite.next(
      (event) => event.type === 'audio-stop',
      'the answer audio-stop',
      0,
      60_000,
    )
    const types = satellite.received.map((event) => event.type)
    assert.deepEqual(
      satellite.received.filter((event) => event.type === 'error'),
      [],
    )
    assert.ok(types.indexOf('voice-stopped') < types.indexOf('transcript'), types.join(' '))
    const transcript = satellite.received.find((event) => event.type === 'transcript')!
    assert.ok(recognisesQuestion(transcript.data.text), `heard "${transcript.data.text}"`)
    assert.ok(types.indexOf('transcript') < types.indexOf('audio-start'), types.join(' '))
    const start = satellite.received.find((event) => event.type === 'audio-start')!
    assert.deepEqual(start.data, { rate: 16_000, width: 2, channels: 1, timestamp: 0 })
    const chunks = satellite.received.filter((event) => event.type === 'audio-chunk')
    assert.ok(chunks.length >= 2, 'the answer streams in several chunks')
    assert.ok(
      chunks.every(
        (chunk) => chunk.data.rate === 16_000 && chunk.data.width === 2 && chunk.data.channels === 1,
      ),
    )
    const answer = satellite.audioAfter(0)!
    assert.ok(Math.abs(Number(stop.data.timestamp) - (answer.pcm.length / 2 / answer.rate) * 1000) < 5)
    const heard = words(transcribe(answer.pcm))
    assert.ok(heard.includes('three') && heard.includes('weather'), heard.join(' '))
    assert.equal(ollama.requests.length, asked + 1)
  })

  test('no audio-stop: the hub ends the utterance after silence; end stage asr gives the transcript only', async (t) => {
    const satellite = await WyomingSatellite.connect(hub.wyoming.port)
    t.after(() => satellite.close())
    const asked = ollama.requests.length
    const from = seen.length
    // A satellite that streams its microphone without audio-start or audio-stop: the format rides on each chunk.
    const silence = Buffer.alloc(question.sampleRate * 2 * 2)
    satellite.send('run-pipeline', { start_stage: 'asr', end_stage: 'asr' })
    await satellite.stream(
      { sampleRate: question.sampleRate, pcm: Buffer.concat([question.pcm, silence]) },
      { start: false, stop: false },
    )
    await satellite.next((event) => event.type === 'voice-stopped', 'voice-stopped')
    const transcript = await satellite.next((event) => event.type === 'transcript', 'transcript')
    assert.ok(recognisesQuestion(transcript.data.text), `heard "${transcript.data.text}"`)
    await failedTurn(from, /stopped after the transcript: the satellite asked for the transcript only/)
    assert.equal(ollama.requests.length, asked, 'only the transcript was asked for: the model is not called')
    assert.deepEqual(
      satellite.received.map((event) => event.type),
      ['voice-stopped', 'transcript'],
    )
  })

  test('end stage handle: transcript and handled with the answer text, no audio', async (t) => {
    const satellite = await WyomingSatellite.connect(hub.wyoming.port)
    t.after(() => satellite.close())
    satellite.send('run-pipeline', { start_stage: 'asr', end_stage: 'handle' })
    await satellite.stream(question, { chunkMs: 200 })
    const handled = await satellite.next((event) => event.type === 'handled', 'handled', 0, 60_000)
    assert.equal(handled.data.text, ANSWER)
    const types = satellite.received.map((event) => event.type)
    assert.deepEqual(types, ['voice-stopped', 'transcript', 'handled'])
  })

  test('barge-in: a new run-pipeline while the answer plays stops its audio; the new question is answered', async (t) => {
    const satellite = await WyomingSatellite.connect(hub.wyoming.port)
    t.after(() => satellite.close())
    answerLong = true
    t.after(() => {
      answerLong = false
    })
    const before = seen.length
    satellite.send('run-pipeline', { start_stage: 'asr', end_stage: 'tts' })
    await satellite.stream(question, { chunkMs: 200 })
    await satellite.next((event) => event.type === 'audio-start', 'the first answer', 0, 60_000)
    satellite.send('run-pipeline', { start_stage: 'asr', end_stage: 'tts' })
    const firstStop = await satellite.next((event) => event.type === 'audio-stop', 'the first answer stopped')
    // The first turn was still speaking when the second run-pipeline came.
    await failedTurn(before, /interrupted: the person spoke again \(barge-in\)/)
    const firstAudio = satellite.audioAfter(0)!
    assert.ok(firstAudio.pcm.length / 2 / firstAudio.rate < 12, 'only part of the long answer went out')
    answerLong = false
    const from = satellite.received.indexOf(firstStop) + 1
    await satellite.stream(question, { chunkMs: 200 })
    await satellite.next((event) => event.type === 'transcript', 'the second transcript', from, 60_000)
    await satellite.next((event) => event.type === 'audio-stop', 'the second answer', from, 60_000)
    assert.deepEqual(
      satellite.received.filter((event) => event.type === 'error'),
      [],
      'the interrupted turn is not reported as an error',
    )
    assert.ok(satellite.audioAfter(from)!.pcm.length > 0)
  })
})
