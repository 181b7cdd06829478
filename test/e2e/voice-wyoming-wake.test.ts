// End to end: Wyoming satellites (written from the protocol's description) as wake-word sources of a
// real hub. A satellite streams its microphone without pause (run-pipeline start_stage wake, as
// wyoming-satellite does when the server detects the wake word, or the wake flow's detect +
// audio); flite speaks the phrase inside other speech; the hub's keyword spotter hears it, sends
// `detection`, and the turn hears only what follows. The hub dialling satellites that wait to be
// called is voice-wyoming-dialer.test.ts.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Envelope } from '../../src/contracts/index.ts'
import type { RunningHub } from '../../src/kernel/index.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { silence, speak16k } from '../kit/wake-corpus.ts'
import { openWakeHub } from '../kit/wake-hub.ts'
import {
  BEFORE_WORDS,
  CHUNK_MS,
  FORMAT,
  phraseInSpeech,
  SPEED,
  stream,
  streamSilenceUntil,
  words,
} from '../kit/wake-satellite-audio.ts'
import { WyomingSatellite } from '../kit/wyoming-satellite.ts'

/** Many sentences: speaking them at playback speed takes long enough to be interrupted. */
const LONG_ANSWER = Array.from(
  { length: 10 },
  (_, index) => `This is sentence ${index + 1} of a long story.`,
).join(' ')
let answerLong = false

async function until(condition: () => boolean, limitMs = 10_000): Promise<void> {
  for (const started = Date.now(); !condition(); ) {
    if (Date.now() - started > limitMs) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('Wyoming satellites as wake-word sources', { timeout: 300_000 }, () => {
  const temp = makeTempDir('localhub-wyoming-wake-')
  let ollama: FakeOllamaServer
  let hub: RunningHub & { wyoming: { host: string; port: number } }
  const questions: string[] = []
  const seen: Envelope[] = []

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${hub.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return {
      status: response.status,
      body: (await response.json()) as { data: { mode: string; dnd: boolean } },
    }
  }
  const seenOf = (type: string, from = 0) => seen.slice(from).filter((event) => event.type === type)

  before(async () => {
    ollama = await startOllamaServer({
      reply: (request) => {
        questions.push(request.messages.filter((message) => message.role === 'user').at(-1)?.content ?? '')
        return answerLong ? LONG_ANSWER : 'Here you are.'
      },
    })
    hub = (await openWakeHub(
      temp.path,
      ollama.url,
      { mode: 'wake_word', phrases: [{ phrase: 'hey jarvis', threshold: 1e-20 }] },
      { port: 0 },
    )) as RunningHub & { wyoming: { host: string; port: number } }
    for (const type of [
      'voice.wake.detected',
      'voice.mode.changed',
      'voice.talk.started',
      'voice.talk.ended',
      'turn.start',
      'turn.end',
      'voice.start',
      'error.raised',
    ])
      await hub.bus.subscribe(type, (event) => {
        seen.push(event)
      })
  })
  after(async () => {
    await hub?.close()
    await ollama?.close()
    temp.remove()
  })

  test('run-pipeline start_stage wake: detection, then a turn that hears only what follows the phrase; restart_on_end keeps listening', async (t) => {
    const satellite = await WyomingSatellite.connect(hub.wyoming.port)
    t.after(() => satellite.close())
    satellite.send('describe')
    const info = await satellite.next((event) => event.type === 'info', 'info')
    const wake = (info.data.wake as { models: { name: string }[] }[])[0]!
    assert.deepEqual(
      wake.models.map((model) => model.name),
      ['hey jarvis'],
    )
    const from = seen.length
    satellite.send('run-pipeline', { start_stage: 'wake', end_stage: 'tts', restart_on_end: true })
    const phraseStartMs =
      500 + speak16k('please remember to water the plants before you leave', 'kal16').length / 32 + 1200
    await stream(satellite, phraseInSpeech('tell me a joke about the weather'))
    const detection = await satellite.next((event) => event.type === 'detection', 'the detection')
    assert.equal(detection.data.name, 'hey jarvis')
    const at = Number(detection.data.timestamp)
    assert.ok(
      at >= phraseStartMs && at <= phraseStartMs + 2000,
      `detected at ${at} ms, the phrase starts at ${phraseStartMs}`,
    )
    await streamSilenceUntil(satellite, () => satellite.received.some((event) => event.type === 'audio-stop'))
    const transcript = await satellite.next((event) => event.type === 'transcript', 'the transcript')
    const heard = words(transcript.data.text)
    assert.ok(heard.includes('joke') || heard.includes('weather'), `heard "${transcript.data.text}"`)
    for (const word of BEFORE_WORDS)
      assert.ok(
        !heard.includes(word),
        `audio from before the phrase reached the turn: "${transcript.data.text}"`,
      )
    for (const word of BEFORE_WORDS)
      assert.ok(!words(questions.at(-1)).includes(word), `the model was asked "${questions.at(-1)}"`)
    const answer = satellite.audioAfter(satellite.received.indexOf(transcript))
    assert.ok(answer !== undefined && answer.pcm.length > 16_000, 'the answer was spoken to the satellite')
    // The wake is on the bus, as an event of the turn it started; exactly one utterance was opened.
    const wakes = seenOf('voice.wake.detected', from)
    assert.equal(wakes.length, 1)
    assert.equal(wakes[0]!.payload.source, 'wyoming')
    assert.ok(Number(wakes[0]!.payload.preRollMs) <= 300)
    assert.equal(seenOf('voice.start', from).length, 1, 'no utterance was opened before the wake')
    assert.equal(wakes[0]!.traceId, seenOf('turn.start', from)[0]!.traceId)

    // restart_on_end: the same stream goes on, and the next phrase wakes the next turn.
    const second = satellite.received.length
    await stream(
      satellite,
      Buffer.concat([
        speak16k('hey jarvis', 'slt'),
        silence(250),
        speak16k('what time is it', 'slt'),
        silence(1500),
      ]),
    )
    await satellite.next((event) => event.type === 'detection', 'the second detection', second)
    await streamSilenceUntil(satellite, () =>
      satellite.received.slice(second).some((event) => event.type === 'audio-stop'),
    )
    const again = await satellite.next(
      (event) => event.type === 'transcript',
      'the second transcript',
      second,
    )
    assert.ok(words(again.data.text).includes('time'), `heard "${again.data.text}"`)
  })

  test('a wake while the answer plays interrupts it; without restart_on_end one wake makes one turn', async (t) => {
    const satellite = await WyomingSatellite.connect(hub.wyoming.port)
    t.after(() => {
      satellite.close()
      answerLong = false
    })
    const from = seen.length
    satellite.send('run-pipeline', { start_stage: 'wake', end_stage: 'tts', restart_on_end: false })
    const phraseAndQuestion = Buffer.concat([
      speak16k('hey jarvis', 'slt'),
      silence(250),
      speak16k('what time is it', 'slt'),
      silence(1500),
    ])
    answerLong = true
    await stream(satellite, phraseAndQuestion)
    await streamSilenceUntil(satellite, () =>
      satellite.received.some((event) => event.type === 'audio-start'),
    )
    answerLong = false
    // The long answer is playing: the phrase again interrupts it.
    const playing = satellite.received.length
    await stream(satellite, phraseAndQuestion)
    const second = await satellite.next(
      (event) => event.type === 'detection',
      'the wake during the answer',
      playing,
    )
    const stopped = satellite.received.findIndex(
      (event, index) => index >= playing && event.type === 'audio-stop',
    )
    assert.ok(
      stopped >= 0 && stopped <= satellite.received.indexOf(second) + 1,
      'the playing answer stopped at the wake',
    )
    assert.ok(
      seenOf('error.raised', from).some((event) => /barge-in/.test(String(event.payload.message))),
      'the first turn was cancelled as a barge-in',
    )
    await streamSilenceUntil(satellite, () =>
      satellite.received.slice(playing).some((event) => event.type === 'transcript'),
    )
    await streamSilenceUntil(
      satellite,
      () =>
        seenOf('turn.start', from).length === 2 &&
        satellite.received.slice(playing).filter((event) => event.type === 'audio-stop').length >= 2,
    )
    // Both turns of this test (the cancelled one and the answered one) have ended.
    const turnIds = seenOf('turn.start', from).map((event) => event.traceId)
    await until(() =>
      turnIds.every((traceId) => seenOf('turn.end', from).some((event) => event.traceId === traceId)),
    )
    // That turn has ended and restart_on_end was false: the stream is no longer listened to; its
    // audio is dropped like the trailing audio of an utterance the hub ended (no error, no wake).
    const after = satellite.received.length
    const turns = seenOf('turn.start', from).length
    await stream(satellite, phraseAndQuestion)
    await stream(satellite, silence(1500))
    const later = satellite.received.slice(after)
    assert.deepEqual(
      later.map((event) => event.type),
      [],
      'nothing answers audio after the one turn',
    )
    assert.equal(seenOf('turn.start', from).length, turns)
    assert.equal(seenOf('voice.wake.detected', from).length, 2)
  })

  test('a 48 kHz stereo stream is resampled for the detector; malformed wake audio is refused and the stream goes on', async (t) => {
    const satellite = await WyomingSatellite.connect(hub.wyoming.port)
    t.after(() => satellite.close())
    satellite.send('run-pipeline', { start_stage: 'wake', end_stage: 'constructor' })
    const bad = await satellite.next((event) => event.type === 'error', 'the end_stage refusal')
    assert.equal(bad.data.code, 'E_VALIDATION')
    satellite.send('run-pipeline', { start_stage: 'wake', end_stage: 'asr', restart_on_end: true })
    const errorsBefore = satellite.received.filter((event) => event.type === 'error').length
    satellite.send('audio-chunk', { rate: 16_000, width: 4, channels: 1 }, Buffer.alloc(640))
    satellite.send('audio-chunk', { ...FORMAT }, Buffer.alloc(641))
    satellite.send('audio-chunk', { ...FORMAT })
    satellite.send('audio-chunk', { rate: 1_000_000, width: 2, channels: 1 }, Buffer.alloc(640))
    await until(() => satellite.received.filter((event) => event.type === 'error').length >= errorsBefore + 4)
    const errors = satellite.received.filter((event) => event.type === 'error').slice(errorsBefore)
    assert.deepEqual(
      errors.map((event) => event.data.code),
      ['E_VALIDATION', 'E_VALIDATION', 'E_VALIDATION', 'E_VALIDATION'],
    )
    assert.match(String(errors[0]!.data.text), /width must be 2/)
    // The same phrase as 48 kHz stereo (each sample three times, in both channels).
    const mono = Buffer.concat([
      silence(300),
      speak16k('hey jarvis', 'slt'),
      silence(250),
      speak16k('what time is it', 'slt'),
      silence(1500),
    ])
    const stereo = Buffer.alloc(mono.length * 6)
    for (let index = 0; index < mono.length / 2; index++) {
      const sample = mono.readInt16LE(index * 2)
      for (let copy = 0; copy < 6; copy++) stereo.writeInt16LE(sample, (index * 6 + copy) * 2)
    }
    const bytes = (48_000 * 2 * 2 * CHUNK_MS) / 1000
    for (let offset = 0; offset < stereo.length; offset += bytes) {
      satellite.send(
        'audio-chunk',
        { rate: 48_000, width: 2, channels: 2 },
        stereo.subarray(offset, offset + bytes),
      )
      await new Promise((resolve) => setTimeout(resolve, CHUNK_MS / SPEED))
    }
    await satellite.next((event) => event.type === 'detection', 'the detection in 48 kHz stereo')
    const transcript = await satellite.next((event) => event.type === 'transcript', 'the transcript')
    assert.ok(words(transcript.data.text).includes('time'), `heard "${transcript.data.text}"`)
  })

  test('at most 4 satellites stream for the wake word at once; a closed one gives its slot back', async (t) => {
    // The satellites of earlier tests have gone: their slots are back once their sockets closed.
    await new Promise((resolve) => setTimeout(resolve, 500))
    const satellites: WyomingSatellite[] = []
    t.after(() => {
      for (const satellite of satellites) satellite.close()
    })
    const arm = async () => {
      const satellite = await WyomingSatellite.connect(hub.wyoming.port)
      satellites.push(satellite)
      satellite.send('run-pipeline', { start_stage: 'wake', end_stage: 'asr', restart_on_end: true })
      satellite.send('ping', { text: 'armed' })
      await satellite.next((event) => event.type === 'pong', 'the pong after run-pipeline')
      return satellite.received.find((event) => event.type === 'error')
    }
    for (let index = 0; index < 4; index++) assert.equal(await arm(), undefined, `satellite ${index + 1}`)
    const refused = await arm()
    assert.equal(refused?.data.code, 'E_RESOURCE_LIMIT')
    assert.match(String(refused?.data.text), /more than 4 satellites stream for the wake word/)
    satellites[0]!.close()
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.equal(await arm(), undefined, 'the closed satellite gave its slot back')
  })

  test('the wake flow: detect + audio without the phrase answers not-detected and starts no turn', async (t) => {
    const satellite = await WyomingSatellite.connect(hub.wyoming.port)
    t.after(() => satellite.close())
    const from = seen.length
    satellite.send('detect', { names: ['hey jarvis'] })
    satellite.send('audio-start', { ...FORMAT, timestamp: 0 })
    await stream(
      satellite,
      Buffer.concat([
        silence(300),
        speak16k('the children are playing football in the garden', 'awb'),
        silence(500),
      ]),
    )
    satellite.send('audio-stop', {})
    await satellite.next((event) => event.type === 'not-detected', 'not-detected')
    assert.equal(satellite.received.filter((event) => event.type === 'detection').length, 0)
    assert.equal(seenOf('turn.start', from).length, 0)
    assert.equal(satellite.received.filter((event) => event.type === 'error').length, 0)
  })

  test('the hub voice mode and dnd apply to satellites at once; mode changes are catalog events', async (t) => {
    const satellite = await WyomingSatellite.connect(hub.wyoming.port)
    t.after(async () => {
      satellite.close()
      await api('PUT', '/voice/mode', { mode: 'wake_word' })
    })
    const from = seen.length
    assert.equal((await api('PUT', '/voice/mode', { mode: 'push_to_talk' })).status, 200)
    satellite.send('run-pipeline', { start_stage: 'wake', end_stage: 'asr', restart_on_end: true })
    const refusal = await satellite.next((event) => event.type === 'error', 'the mode error')
    assert.match(String(refusal.data.text), /voice mode is push_to_talk/)
    const phrase = Buffer.concat([
      speak16k('hey jarvis', 'slt'),
      silence(250),
      speak16k('what time is it', 'slt'),
      silence(1500),
    ])
    await stream(satellite, phrase)
    assert.equal(
      satellite.received.filter((event) => event.type === 'detection').length,
      0,
      'no wake in push_to_talk',
    )
    assert.equal((await api('PUT', '/voice/mode', { mode: 'wake_word' })).status, 200)
    await stream(satellite, phrase)
    await satellite.next((event) => event.type === 'detection', 'the detection after the mode change')
    await streamSilenceUntil(satellite, () => satellite.received.some((event) => event.type === 'transcript'))
    // dnd mutes the satellite's wakes; lifting it lets the next one through.
    const setDnd = async (mode: string, dnd: boolean) => {
      await hub.bus.publishUntyped({ type: 'ui.interruptibility', source: 'ui.dashboard', payload: { mode } })
      for (let tries = 0; (await api('GET', '/voice/mode')).body.data.dnd !== dnd; tries++) {
        if (tries > 100) throw new Error('the wake skill did not see ui.interruptibility')
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
    await setDnd('dnd', true)
    const muted = satellite.received.length
    await stream(satellite, phrase)
    assert.equal(satellite.received.slice(muted).filter((event) => event.type === 'detection').length, 0)
    await setDnd('available', false)
    await stream(satellite, phrase)
    await satellite.next((event) => event.type === 'detection', 'the detection after dnd', muted)
    await streamSilenceUntil(satellite, () =>
      satellite.received.slice(muted).some((event) => event.type === 'transcript'),
    )
    const changes = seenOf('voice.mode.changed', from).map((event) => event.payload)
    assert.deepEqual(changes, [
      { mode: 'push_to_talk', previousMode: 'wake_word', dnd: false },
      { mode: 'wake_word', previousMode: 'push_to_talk', dnd: false },
      { mode: 'wake_word', previousMode: 'wake_word', dnd: true },
      { mode: 'wake_word', previousMode: 'wake_word', dnd: false },
    ])
  })

  test('Talk on a satellite: voice.talk.started when the mode switches, voice.talk.ended on a stop phrase', async (t) => {
    const satellite = await WyomingSatellite.connect(hub.wyoming.port)
    t.after(async () => {
      satellite.close()
      await api('PUT', '/voice/mode', { mode: 'wake_word' })
    })
    satellite.send('run-pipeline', { start_stage: 'wake', end_stage: 'tts', restart_on_end: true })
    const from = seen.length
    await api('PUT', '/voice/mode', { mode: 'talk' })
    const turns = seenOf('turn.start', from).length
    await stream(satellite, Buffer.concat([silence(300), speak16k('what time is it', 'slt'), silence(1500)]))
    await streamSilenceUntil(satellite, () => satellite.received.some((event) => event.type === 'audio-stop'))
    assert.equal(satellite.received.filter((event) => event.type === 'detection').length, 0, 'no wake needed')
    assert.ok(seenOf('turn.start', from).length > turns)
    // The answer has been played: the next utterance opens by itself (no wake) and hears "stop".
    await streamSilenceUntil(satellite, () => seenOf('voice.start', from).length >= 2)
    await stream(satellite, Buffer.concat([silence(300), speak16k('stop', 'slt'), silence(1500)]))
    await streamSilenceUntil(satellite, () => seenOf('voice.talk.ended', from).length > 0)
    const started = seenOf('voice.talk.started', from)
    assert.deepEqual(
      started.map((event) => event.payload),
      [{ reason: 'mode', source: 'wyoming' }],
    )
    assert.deepEqual(seenOf('voice.talk.ended', from)[0]!.payload, {
      reason: 'stop_phrase',
      source: 'wyoming',
    })
  })
})
