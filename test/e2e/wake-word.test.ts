// End to end: a hands-free source streams flite-spoken audio without pause to /ws/voice/listen of
// a real hub; the wake word (pocketsphinx keyword spotting on the audio) starts voice turns with
// the audio after the phrase; the phrases and the mode change at run time; dnd mutes wakes; Talk
// mode runs turns one after another without a wake.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { RunningHub } from '../../src/kernel/index.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { VoiceClient } from '../kit/voice-client.ts'
import { UNPACED_TTS_CONFIG } from '../kit/voice-hub.ts'
import { silence, speak16k } from '../kit/wake-corpus.ts'
import { openWakeHub } from '../kit/wake-hub.ts'

const CHUNK_BYTES = 3200 // 100 ms of 16 kHz pcm16
/** Times real time: the spotter counts audio by its samples, so only the test's wait depends on it. */
const SPEED = 8

function words(text: unknown): string[] {
  return (
    String(text)
      .toLowerCase()
      .match(/[a-z']+/g) ?? []
  )
}

/** Sends audio as 100 ms binary frames at SPEED times real time; `until` stops it early. */
async function stream(client: VoiceClient, pcm: Buffer, until?: () => boolean): Promise<void> {
  for (let offset = 0; offset < pcm.length; offset += CHUNK_BYTES) {
    if (until?.() === true) return
    client.sendRaw(pcm.subarray(offset, offset + CHUNK_BYTES))
    await new Promise((resolve) => setTimeout(resolve, 100 / SPEED))
  }
}

/**
 * Silence, 100 ms at a time, until `done` holds (Talk mode waits for the answer to end); `limitMs` is
 * audio: 120 s of it is 15 s of streaming at SPEED 8.
 */
async function silenceUntil(client: VoiceClient, done: () => boolean, limitMs = 120_000): Promise<void> {
  const chunk = silence(100)
  for (let sent = 0; !done(); sent += 100) {
    if (sent > limitMs) throw new Error('gave up waiting while streaming silence')
    client.sendRaw(chunk)
    await new Promise((resolve) => setTimeout(resolve, 100 / SPEED))
  }
}

const count = (client: VoiceClient, type: string, from = 0) =>
  client.frames.slice(from).filter((frame) => frame.type === type).length

describe('hands-free: wake word and Talk mode over /ws/voice/listen', { timeout: 240_000 }, () => {
  const temp = makeTempDir('localhub-wake-')
  let ollama: FakeOllamaServer
  let hub: RunningHub
  const questions: string[] = []

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${hub.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return {
      status: response.status,
      body: (await response.json()) as {
        data: { mode: string; dnd: boolean; phrases: { phrase: string; threshold: number }[] }
      },
    }
  }

  const listen = async () => {
    const client = await VoiceClient.connect(hub.url, hub.token, '/ws/voice/listen?source=test')
    client.send('voice.start', { sampleRate: 16000, format: 'pcm16', channels: 1 })
    return client
  }

  before(async () => {
    ollama = await startOllamaServer({
      reply: (request) => {
        const question = request.messages.filter((message) => message.role === 'user').at(-1)?.content ?? ''
        questions.push(question)
        return 'Here you are.'
      },
    })
    // No test here plays or interrupts the answer: its audio need not take as long as it would play.
    hub = await openWakeHub(
      temp.path,
      ollama.url,
      {
        mode: 'wake_word',
        phrases: [{ phrase: 'hey jarvis', threshold: 1e-20 }],
        talkSilenceMs: 8000,
      },
      undefined,
      UNPACED_TTS_CONFIG,
    )
  })
  after(async () => {
    await hub?.close()
    await ollama?.close()
    temp.remove()
  })

  test('the phrase wakes a turn whose utterance is the audio after it; what was said before is not sent', async (t) => {
    const client = await listen()
    t.after(() => client.close())
    const audio = Buffer.concat([
      silence(500),
      speak16k('please remember to water the plants before you leave', 'kal16'),
      silence(1200),
      speak16k('hey jarvis', 'slt'),
      silence(250),
      speak16k('tell me a joke about the weather', 'slt'),
      silence(2500),
    ])
    await stream(client, audio)
    const wake = await client.next((frame) => frame.type === 'voice.wake.detected', 'the wake')
    assert.equal(wake.payload.phrase, 'hey jarvis')
    assert.ok(Number(wake.payload.score) > 0 && Number(wake.payload.score) <= 1)
    assert.equal(wake.payload.source, 'test')
    assert.ok(Number(wake.payload.preRollMs) <= 300, `pre-roll ${wake.payload.preRollMs} ms`)
    const final = await client.next((frame) => frame.type === 'stt.final', 'the transcript', 0, 60_000)
    const heard = words(final.payload.text)
    assert.ok(heard.includes('joke') || heard.includes('weather'), `heard "${final.payload.text}"`)
    for (const before of ['plants', 'water', 'remember', 'leave'])
      assert.ok(
        !heard.includes(before),
        `audio from before the phrase reached the turn: "${final.payload.text}"`,
      )
    await client.next((frame) => frame.type === 'turn.end', 'turn.end', 0, 60_000)
    assert.equal(
      count(client, 'error.raised'),
      0,
      JSON.stringify(client.frames.filter((f) => f.type === 'error.raised')),
    )
    // The wake is an event of the turn it started, on the bus too.
    assert.equal(wake.traceId, final.traceId)
  })

  test('new phrases apply to the next utterance without a restart; unknown words are refused', async (t) => {
    const refused = await api('PUT', '/voice/wake-words', { phrases: [{ phrase: 'hey zorblaxx' }] })
    assert.equal(refused.status, 422)
    assert.match(JSON.stringify(refused.body), /zorblaxx/)
    const client = await listen()
    t.after(() => client.close())
    const changed = await api('PUT', '/voice/wake-words', {
      phrases: [{ phrase: 'okay computer', threshold: 1e-20 }],
    })
    assert.equal(changed.status, 200, JSON.stringify(changed.body))
    assert.deepEqual(changed.body.data.phrases, [{ phrase: 'okay computer', threshold: 1e-20 }])
    const audio = Buffer.concat([
      silence(500),
      speak16k('hey jarvis', 'slt'),
      silence(250),
      speak16k('what time is it', 'slt'),
      silence(1500),
      speak16k('okay computer', 'slt'),
      silence(250),
      speak16k('tell me a joke', 'slt'),
      silence(2500),
    ])
    await stream(client, audio)
    await client.next((frame) => frame.type === 'turn.end', 'turn.end', 0, 60_000)
    const wakes = client.frames.filter((frame) => frame.type === 'voice.wake.detected')
    assert.deepEqual(
      wakes.map((frame) => frame.payload.phrase),
      ['okay computer'],
    )
    const saved = JSON.parse(readFileSync(join(temp.path, 'data', 'voice-mode.json'), 'utf8'))
    assert.equal(saved.phrases[0].phrase, 'okay computer')
    await api('PUT', '/voice/wake-words', { phrases: [{ phrase: 'hey jarvis', threshold: 1e-20 }] })
  })

  test('interruptibility dnd suppresses wakes; lifting it lets the next one through', async (t) => {
    const client = await listen()
    t.after(() => client.close())
    const phraseAndQuestion = Buffer.concat([
      silence(300),
      speak16k('hey jarvis', 'slt'),
      silence(250),
      speak16k('what time is it', 'slt'),
      silence(2000),
    ])
    const setDnd = async (mode: string, dnd: boolean) => {
      await hub.bus.publishUntyped({ type: 'ui.interruptibility', source: 'ui.dashboard', payload: { mode } })
      for (let tries = 0; (await api('GET', '/voice/mode')).body.data.dnd !== dnd; tries++) {
        if (tries > 100) throw new Error('the wake skill did not see ui.interruptibility')
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
    await setDnd('dnd', true)
    await stream(client, phraseAndQuestion)
    await setDnd('available', false)
    const from = client.frames.length
    await stream(client, phraseAndQuestion)
    await client.next((frame) => frame.type === 'turn.end', 'turn.end', from, 60_000)
    assert.equal(count(client, 'voice.wake.detected'), 1, 'only the wake after dnd was lifted')
    assert.equal(count(client, 'turn.start'), 1)
  })

  test('Talk mode: three turns one after another without a wake, then a stop phrase ends it', async (t) => {
    const bad = await api('PUT', '/voice/mode', { mode: 'chatty' })
    assert.equal(bad.status, 422)
    const set = await api('PUT', '/voice/mode', { mode: 'talk' })
    assert.equal(set.body.data.mode, 'talk')
    const client = await listen()
    t.after(async () => {
      client.close()
      await api('PUT', '/voice/mode', { mode: 'wake_word' })
    })
    const asked = questions.length
    for (const [index, question] of ['what time is it', 'tell me a joke', 'turn on the lights'].entries()) {
      await stream(client, Buffer.concat([silence(300), speak16k(question, 'slt'), silence(1200)]))
      await silenceUntil(client, () => count(client, 'turn.end') > index)
    }
    assert.equal(count(client, 'turn.end'), 3)
    assert.equal(count(client, 'voice.wake.detected'), 0)
    assert.equal(questions.length - asked, 3, 'each turn reached the model')
    // "stop" ends the conversation without an answer: no fourth question reaches the model.
    await stream(client, Buffer.concat([silence(300), speak16k('stop', 'slt'), silence(1500)]))
    await silenceUntil(client, () => count(client, 'turn.end') > 3)
    assert.equal(questions.length - asked, 3)
    // The conversation's start and end are events on the source's socket (voice.talk.*).
    assert.deepEqual(
      client.frames
        .filter((frame) => frame.type.startsWith('voice.talk.'))
        .map((frame) => [frame.type, frame.payload]),
      [
        ['voice.talk.started', { reason: 'mode', source: 'test' }],
        ['voice.talk.ended', { reason: 'stop_phrase', source: 'test' }],
      ],
    )
    const saved = JSON.parse(readFileSync(join(temp.path, 'data', 'voice-mode.json'), 'utf8'))
    assert.equal(saved.mode, 'talk')
    assert.ok(existsSync(join(temp.path, 'data', 'voice-mode.json')))
  })

  test('the listen entry refuses audio before voice.start, a second voice.start, and a fifth source', async (t) => {
    const clients = [] as VoiceClient[]
    t.after(() => {
      for (const client of clients) client.close()
    })
    const first = await VoiceClient.connect(hub.url, hub.token, '/ws/voice/listen?source=test')
    clients.push(first)
    first.sendRaw(silence(100))
    const early = await first.entryError(0, 'audio before voice.start', 'E_BAD_REQUEST')
    assert.match(String(early.payload.message), /before voice.start/)
    first.send('voice.start', { sampleRate: 16000, format: 'pcm16', channels: 1 })
    first.send('voice.start', { sampleRate: 16000, format: 'pcm16', channels: 1 })
    await first.entryError(first.frames.indexOf(early) + 1, 'a second voice.start', 'E_BAD_REQUEST')
    for (let index = 0; index < 3; index++)
      clients.push(await VoiceClient.connect(hub.url, hub.token, '/ws/voice/listen?source=test'))
    const fifth = await VoiceClient.connect(hub.url, hub.token, '/ws/voice/listen?source=test')
    clients.push(fifth)
    await fifth.entryError(0, 'the fifth source', 'E_RESOURCE_LIMIT')
    assert.equal(await fifth.closed(), 1013)
  })
})
