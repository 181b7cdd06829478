// The detector on flite-spoken audio: the phrase inside a minute of other speech and noise, the
// pre-roll ring as the only memory of what came before, phrases changed at run time, the modes.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { buildCorpus, silence, speak16k } from '../../test/kit/wake-corpus.ts'
import { KeywordSpotter, WAKE_SAMPLE_RATE_HZ } from './keyword-spotter.ts'
import type { VoiceMode } from './voice-modes.ts'
import { type UtteranceSink, WakeListener } from './wake-listener.ts'

const CHUNK_BYTES = 3200 // 100 ms
const msAt = (bytes: number) => (bytes / 2 / WAKE_SAMPLE_RATE_HZ) * 1000

function detectAll(spotter: KeywordSpotter, pcm: Buffer): { phrase: string; score: number; ms: number }[] {
  const found: { phrase: string; score: number; ms: number }[] = []
  for (let offset = 0; offset < pcm.length; offset += CHUNK_BYTES) {
    const detection = spotter.push(pcm.subarray(offset, offset + CHUNK_BYTES))
    if (detection !== undefined)
      found.push({
        phrase: detection.phrase,
        score: detection.score,
        ms: msAt(offset + detection.byteOffset),
      })
  }
  return found
}

class RecordingSink implements UtteranceSink {
  readonly received: Buffer[] = []
  readonly cancels: string[] = []
  starts = 0
  listening = false
  /** A turn runs; tests set it to false to say the turn has ended. */
  turnRunning = false
  get busy() {
    return this.listening || this.turnRunning
  }
  async start() {
    this.starts++
    this.listening = true
    this.turnRunning = true
    return `trace-${this.starts}`
  }
  async push(pcm: Buffer) {
    this.received.push(Buffer.from(pcm))
  }
  cancel(reason: string) {
    this.cancels.push(reason)
    this.listening = false
    this.turnRunning = false
  }
}

describe('the wake-word detector', { timeout: 120_000 }, () => {
  let spotter: KeywordSpotter
  before(() => {
    spotter = KeywordSpotter.open([{ phrase: 'hey jarvis', threshold: 1e-20 }])
  })
  after(() => spotter.close())

  test('finds the phrase inside a minute of other speech and noise, and nothing else', () => {
    const corpus = buildCorpus({ seconds: 60, phrase: 'hey jarvis', wakes: 2, seed: 21 })
    assert.ok(msAt(corpus.pcm.length) >= 60_000)
    spotter.reset()
    const found = detectAll(spotter, corpus.pcm)
    assert.equal(found.length, corpus.wakes.length, JSON.stringify({ found, wakes: corpus.wakes }))
    for (const [index, wake] of corpus.wakes.entries()) {
      const hit = found[index]!
      assert.equal(hit.phrase, 'hey jarvis')
      assert.ok(hit.score > 0 && hit.score <= 1)
      // Found within 600 ms of the phrase's end (the search's delay and the chunk).
      assert.ok(hit.ms >= wake.startMs && hit.ms <= wake.endMs + 600, JSON.stringify({ hit, wake }))
    }
  })

  test('the listener keeps at most the pre-roll; nothing said before the phrase reaches the turn', async () => {
    spotter.reset()
    const before = speak16k('please remember to water the plants before you leave', 'kal16')
    const phrase = speak16k('hey jarvis', 'slt')
    const audio = Buffer.concat([
      silence(300),
      before,
      silence(1000),
      phrase,
      silence(300),
      speak16k('what time is it'),
      silence(1000),
    ])
    const phraseStart = 300 * 32 + before.length + 1000 * 32
    const sink = new RecordingSink()
    const preRollMs = 300
    const listener = new WakeListener({
      spotter,
      sink,
      preRollMs,
      settings: { mode: () => 'wake_word', muted: () => false },
    })
    let wokeAt: number | undefined
    let maxBuffered = 0
    for (let offset = 0; offset < audio.length; offset += CHUNK_BYTES) {
      await listener.push(audio.subarray(offset, offset + CHUNK_BYTES))
      maxBuffered = Math.max(maxBuffered, listener.bufferedBytes)
      if (sink.starts > 0 && wokeAt === undefined) wokeAt = offset
    }
    assert.equal(sink.starts, 1)
    assert.ok(maxBuffered <= preRollMs * 32, `the ring held ${maxBuffered} bytes`)
    const sent = Buffer.concat(sink.received)
    // What was sent is at most the pre-roll plus the audio from the chunk of the wake on.
    assert.ok(sent.length <= audio.length - wokeAt! + preRollMs * 32)
    // The utterance's audio is the stream from some point after the phrase began (zeros stand in
    // for the silence before the question starts), never earlier.
    const firstSound = sent.findIndex((byte) => byte !== 0)
    const at = audio.indexOf(sent.subarray(firstSound, firstSound + 640))
    assert.ok(at >= phraseStart, `the utterance starts at byte ${at}, the phrase at ${phraseStart}`)
  })

  test('phrases changed at run time apply to the next audio', () => {
    spotter.setPhrases([{ phrase: 'okay computer', threshold: 1e-20 }])
    try {
      const audio = Buffer.concat([
        silence(300),
        speak16k('hey jarvis'),
        silence(800),
        speak16k('okay computer'),
        silence(800),
      ])
      assert.deepEqual(
        detectAll(spotter, audio).map((hit) => hit.phrase),
        ['okay computer'],
      )
      assert.throws(() => spotter.setPhrases([{ phrase: 'hey qwxzzy', threshold: 1e-20 }]), /qwxzzy/)
    } finally {
      spotter.setPhrases([{ phrase: 'hey jarvis', threshold: 1e-20 }])
    }
  })

  test('off, push_to_talk and dnd: the phrase starts nothing and no audio is kept', async () => {
    const audio = Buffer.concat([
      silence(300),
      speak16k('hey jarvis'),
      silence(300),
      speak16k('what time is it'),
      silence(600),
    ])
    for (const [mode, muted] of [
      ['off', false],
      ['push_to_talk', false],
      ['wake_word', true],
    ] as [VoiceMode, boolean][]) {
      spotter.reset()
      const sink = new RecordingSink()
      const listener = new WakeListener({ spotter, sink, settings: { mode: () => mode, muted: () => muted } })
      for (let offset = 0; offset < audio.length; offset += CHUNK_BYTES) {
        await listener.push(audio.subarray(offset, offset + CHUNK_BYTES))
        assert.equal(listener.bufferedBytes, 0)
      }
      assert.equal(sink.starts, 0, `${mode} muted=${muted}`)
      assert.equal(sink.received.length, 0)
    }
  })

  test('no question within 5 s of a wake cancels the turn; a wake while the hub answers starts a new turn', async () => {
    spotter.reset()
    const sink = new RecordingSink()
    const listener = new WakeListener({
      spotter,
      sink,
      settings: { mode: () => 'wake_word', muted: () => false },
    })
    const feed = async (audio: Buffer) => {
      for (let offset = 0; offset < audio.length; offset += CHUNK_BYTES)
        await listener.push(audio.subarray(offset, offset + CHUNK_BYTES))
    }
    await feed(Buffer.concat([silence(300), speak16k('hey jarvis'), silence(5_500)]))
    assert.equal(sink.starts, 1)
    assert.deepEqual(sink.cancels, ['stopped: nobody spoke for 5000 ms'])
    // The hub answers (the utterance has ended, the turn runs): the phrase again is a barge-in.
    await feed(
      Buffer.concat([silence(300), speak16k('hey jarvis'), silence(300), speak16k('what time is it')]),
    )
    assert.equal(sink.starts, 2)
    sink.listening = false
    await feed(Buffer.concat([silence(300), speak16k('hey jarvis'), silence(300)]))
    assert.equal(sink.starts, 3, 'a wake while the turn still runs starts the next one')
  })

  test('Talk mode opens the next utterance when the turn ends, and stops after the silence limit', async () => {
    spotter.reset()
    const sink = new RecordingSink()
    const talk: string[] = []
    const listener = new WakeListener({
      spotter,
      sink,
      talkSilenceMs: 2_000,
      settings: { mode: () => 'talk', muted: () => false },
      onTalk: (active, reason) => talk.push(`${active}:${reason}`),
    })
    const feed = async (audio: Buffer) => {
      for (let offset = 0; offset < audio.length; offset += CHUNK_BYTES)
        await listener.push(audio.subarray(offset, offset + CHUNK_BYTES))
    }
    await feed(Buffer.concat([silence(200), speak16k('what time is it')]))
    assert.equal(sink.starts, 1, 'the first utterance opens without a wake')
    sink.listening = false // the hub found the end of speech; the turn runs
    await feed(silence(500))
    assert.equal(sink.starts, 1, 'no listening while the hub answers')
    sink.turnRunning = false // turn.end
    await feed(Buffer.concat([silence(200), speak16k('tell me a joke')]))
    assert.equal(sink.starts, 2, 'the next utterance opened by itself')
    sink.listening = false
    sink.turnRunning = false
    await feed(silence(2_500))
    assert.equal(sink.starts, 3)
    assert.deepEqual(sink.cancels, ['stopped: nobody spoke for 2000 ms'])
    assert.deepEqual(talk, ['true:mode', 'false:silence'])
    listener.observe({ type: 'stt.final', payload: { text: 'stop' } })
  })
})
