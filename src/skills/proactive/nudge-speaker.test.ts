import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Envelope } from '../../contracts/index.ts'
import type { SkillContext } from '../../skill-api/index.ts'
import type { InterruptibilityMode } from './attention-store.ts'
import { NudgeSpeaker, nudgeVoiceOf } from './nudge-speaker.ts'

const silent = { debug() {}, info() {}, warn() {}, error() {} }

function speakerWith(mode: () => InterruptibilityMode) {
  const published: { type: string; meta?: Record<string, unknown>; payload: Record<string, unknown> }[] = []
  const context = {
    signal: new AbortController().signal,
    bus: {
      publish: async (draft: (typeof published)[number]) => {
        published.push(draft)
        return { id: String(published.length) }
      },
    },
  } as unknown as SkillContext
  const speaker = new NudgeSpeaker({
    context,
    voice: { engine: 'flite', voice: 'slt', binary: 'flite', uri: undefined },
    mode,
    logger: silent,
  })
  return { speaker, published }
}

const dispatch = (proposalId: string, channel: string) =>
  ({
    id: `d-${proposalId}`,
    traceId: `t-${proposalId}`,
    payload: { proposalId, channel },
  }) as unknown as Envelope

test('a voice dispatch is spoken as tts.start, audio and tts.end marked for the voice entry', async () => {
  const { speaker, published } = speakerWith(() => 'available')
  speaker.remember('p1', 'Build failed: app', 'exit code 2')
  speaker.onDispatch(dispatch('p1', 'voice'))
  await speaker.idle()
  assert.equal(published[0]?.type, 'tts.start')
  assert.equal(published.at(-1)?.type, 'tts.end')
  const audio = published.filter((event) => event.type === 'tts.audio')
  assert.ok(audio.length > 1)
  assert.ok(published.every((event) => event.meta?.broadcast === 'voice'))
  const totalMs = audio.reduce((sum, event) => sum + Number(event.payload.ms), 0)
  assert.equal(published.at(-1)?.payload.totalMs, totalMs)
})

test('nothing is spoken outside available, for other channels, or for a proposal not seen', async () => {
  let mode: InterruptibilityMode = 'available'
  const { speaker, published } = speakerWith(() => mode)
  speaker.remember('p1', 'one', '')
  speaker.remember('p2', 'two', '')
  speaker.onDispatch(dispatch('p1', 'toast'))
  speaker.onDispatch(dispatch('unknown', 'voice'))
  // The person switched to dnd after triage chose voice: the dispatch is dropped.
  mode = 'dnd'
  speaker.onDispatch(dispatch('p2', 'voice'))
  await speaker.idle()
  assert.deepEqual(published, [])
})

test('the voice is the entry’s own, else the tts skill’s, else flite slt', () => {
  const context = (config: Record<string, unknown>, tts?: Record<string, unknown>) =>
    ({
      config,
      manifest: { skills: tts === undefined ? [] : [{ transport: { module: 'tts' }, config: tts }] },
    }) as unknown as SkillContext
  assert.equal(nudgeVoiceOf(context({})).voice, 'slt')
  assert.equal(nudgeVoiceOf(context({}, { voicePreset: 'kal' })).voice, 'kal')
  assert.equal(nudgeVoiceOf(context({ voice: { voicePreset: 'awb' } }, { voicePreset: 'kal' })).voice, 'awb')
  assert.throws(() => nudgeVoiceOf(context({ voice: { engine: 'wyoming' } })), { code: 'E_VALIDATION' })
})
