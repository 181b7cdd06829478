import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  AnswerStream,
  attachAnswerStream,
  createRunState,
  type RunEmitter,
  type StepContext,
  spokenAnswerOf,
} from '../../skill-api/index.ts'
import type { Speech } from './flite.ts'
import { SEED_TTS_TYPES, speakRun, voiceSessionIdOf } from './tts-step.ts'

const RATE = 16_000

/** A fake engine: 100 ms of silence per word, one phone per word. */
async function speak(text: string): Promise<Speech> {
  const words = text.split(' ').length
  return {
    sampleRate: RATE,
    pcm: Buffer.alloc(words * RATE * 0.2),
    phones: [{ phone: 'aa', endMs: words * 100 }],
  }
}

function context(events: { type: string; payload: Record<string, unknown> }[]) {
  const run = createRunState({
    pipelineId: 'pipeline.voice.turn',
    traceId: 'trace-1',
    sessionId: 'session-1',
    trigger: { kind: 'ws', route: '/ws/voice' },
    startedAt: Date.now(),
  })
  const emitter: RunEmitter = {
    emit: async (type, payload) => {
      events.push({ type, payload: payload as Record<string, unknown> })
      return {} as never
    },
    emitUntyped: async (type, payload) => {
      events.push({ type, payload })
      return {} as never
    },
  }
  const step: StepContext = {
    run,
    step: { call: 'skill.voice.tts', stream: true },
    pipeline: { id: run.pipelineId, steps: [] },
    emitter,
    signal: new AbortController().signal,
    metrics: { observe: () => undefined },
    onPart: () => undefined,
  }
  return step
}

test('the first sentence is spoken while the answer is still being written', async () => {
  const events: { type: string; payload: Record<string, unknown> }[] = []
  const step = context(events)
  const stream = new AnswerStream()
  attachAnswerStream(step.run, stream)
  const speaking = speakRun(step, speak, {
    voice: 'slt',
    provider: 'flite',
    language: 'en-us',
    pacing: false,
  })
  stream.push('It is three ')
  stream.push('o clock. The weather')
  while (!events.some((event) => event.type === 'tts.audio'))
    await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(
    events.filter((event) => event.type === 'llm.text').map((event) => event.payload.text),
    ['It is three o clock.'],
    'audio of the first sentence went out before the answer was complete',
  )
  stream.push(' is sunny.')
  stream.end()
  const { totalMs } = await speaking
  assert.deepEqual(
    events.filter((event) => event.type === 'llm.text').map((event) => event.payload.text),
    ['It is three o clock.', 'The weather is sunny.'],
  )
  assert.equal(totalMs, 900)
  assert.equal(events.at(-1)?.type, 'tts.end')
  assert.deepEqual(
    events.filter((event) => event.type.startsWith('voice.')),
    [],
    'no seed types provided, none sent',
  )
})

test('seed 003 events name the hashed session, each sentence and its engine; what was heard is recorded', async () => {
  const events: { type: string; payload: Record<string, unknown> }[] = []
  const step = context(events)
  step.run.answer = 'Hello there. Bye now.'
  assert.equal(spokenAnswerOf(step.run), undefined)
  await speakRun(step, speak, {
    voice: 'slt',
    provider: 'flite',
    language: 'en-us',
    seedTypes: new Set(SEED_TTS_TYPES),
  })
  const seed = events.filter((event) => event.type.startsWith('voice.'))
  const session = voiceSessionIdOf('session-1')
  assert.match(session, /^[0-9a-f]{64}$/)
  assert.deepEqual(
    seed.map((event) => [event.type, event.payload.handle ?? event.payload.text]),
    [
      ['voice.tts.requested', 'Hello there.'],
      ['voice.tts.audio.ready', 'trace-1:0'],
      ['voice.tts.done', 'trace-1:0'],
      ['voice.tts.requested', 'Bye now.'],
      ['voice.tts.audio.ready', 'trace-1:1'],
      ['voice.tts.done', 'trace-1:1'],
    ],
  )
  assert.ok(seed.every((event) => event.payload.voice_session_id === session))
  assert.equal(seed[1]?.payload.bytes_len, 2 * RATE * 0.2)
  assert.equal(seed[1]?.payload.provider, 'flite')
  // Paced: the step ends when the answer has played, so all of it was heard.
  assert.equal(spokenAnswerOf(step.run), 'Hello there. Bye now.')
})

test('paced audio: a turn cancelled during playback recorded only what had played', async () => {
  const events: { type: string; payload: Record<string, unknown> }[] = []
  const step = context(events)
  const controller = new AbortController()
  Object.assign(step, { signal: controller.signal })
  step.run.answer = 'Hello there. Bye now and see you soon. Take care.'
  const started = performance.now()
  const speaking = speakRun(step, speak, { voice: 'slt', provider: 'flite', language: 'en-us', leadMs: 0 })
  while (!events.some((event) => event.type === 'tts.audio'))
    await new Promise((resolve) => setImmediate(resolve))
  const firstAudio = performance.now()
  setTimeout(() => controller.abort(new Error('barge-in')), 300)
  await assert.rejects(speaking, /barge-in/)
  const heard = spokenAnswerOf(step.run) ?? ''
  assert.ok(heard.startsWith('Hello there.') && !heard.includes('soon'), heard)
  // Sent at playback pace: not all of the 1.3 s of audio went out before the cut.
  const sentMs = events
    .filter((event) => event.type === 'tts.audio')
    .reduce((sum, event) => sum + Number(event.payload.ms), 0)
  assert.ok(sentMs < 1300 && sentMs <= performance.now() - firstAudio + 250, `${sentMs} ms sent`)
  assert.ok(performance.now() - started >= 300)
})

test('an answer without words says nothing: no tts.start, no tts.end', async () => {
  const events: { type: string; payload: Record<string, unknown> }[] = []
  const step = context(events)
  step.run.answer = ' ... '
  assert.deepEqual(await speakRun(step, speak, { voice: 'slt', provider: 'flite', language: 'en-us' }), {
    totalMs: 0,
  })
  assert.deepEqual(events, [])
})

test('timers that fire early (the loop clock is whole milliseconds) still wait for the whole answer to play', async (t) => {
  // Every timer fires 2 ms before its delay, as a loop clock that runs behind performance.now() can.
  const realSetTimeout = globalThis.setTimeout
  t.mock.method(globalThis, 'setTimeout', ((callback: () => void, ms?: number) =>
    realSetTimeout(callback, Math.max(0, (ms ?? 0) - 2))) as typeof setTimeout)
  const events: { type: string; payload: Record<string, unknown> }[] = []
  const step = context(events)
  step.run.answer = 'Hello there. Bye now.'
  await speakRun(step, speak, { voice: 'slt', provider: 'flite', language: 'en-us', leadMs: 0 })
  t.mock.restoreAll()
  assert.equal(spokenAnswerOf(step.run), 'Hello there. Bye now.')
})
