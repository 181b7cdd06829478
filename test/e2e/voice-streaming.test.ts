// A voice turn against a model that streams slowly: speech starts before the model has finished
// (decision 1509), a barge-in during playback leaves only the heard part of the answer in memory,
// and seed 003's stored voice events keep no transcript text and no audio in the log.
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { parse, stringify } from 'yaml'
import { openHub, type RunningHub } from '../../src/kernel/index.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { speakToWave, streamUtterance, VoiceClient, type VoiceFrame } from '../kit/voice-client.ts'
import { openVoiceHub, voiceManifestText } from '../kit/voice-hub.ts'

const QUESTION = 'what is the weather like'
const FIRST = 'It is three o clock.'
const ANSWER = `${FIRST} The weather is sunny and warm today. Take a hat when you go out in the afternoon.`
const TOKEN_DELAY_MS = 60
/** Seed 003's stored voice events, provided as manifests/default.yaml does (full.yaml keeps to seed 000). */
const SEED_PROVIDES: Record<string, string[]> = {
  'skill.voice.stt': ['voice.session.started', 'voice.asr.partial', 'voice.asr.final'],
  'skill.voice.tts': ['voice.tts.requested', 'voice.tts.audio.ready', 'voice.tts.done'],
}

/** full.yaml's voice turn with default.yaml's seed 003 provides. */
async function openSeedVoiceHub(folder: string, llmUrl: string): Promise<RunningHub> {
  const workspace = join(folder, 'workspace')
  mkdirSync(workspace, { recursive: true })
  const manifest = parse(voiceManifestText(llmUrl, workspace)) as {
    skills: { id: string; provides: string[] }[]
  }
  for (const skill of manifest.skills) skill.provides.push(...(SEED_PROVIDES[skill.id] ?? []))
  const manifestPath = join(folder, 'voice.yaml')
  writeFileSync(manifestPath, stringify(manifest))
  return openHub({ dataDir: join(folder, 'data'), manifestPath, port: 0, transport: 'memory', logger: false })
}

describe('voice answers that stream', { timeout: 180_000 }, () => {
  const temp = makeTempDir('localhub-voice-streaming-')
  let ollama: FakeOllamaServer
  let hub: RunningHub
  let question: { sampleRate: number; pcm: Buffer }
  const get = async (path: string) => {
    const response = await fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${hub.token}` } })
    return ((await response.json()) as { data: unknown }).data
  }

  before(async () => {
    question = speakToWave(QUESTION, join(temp.path, 'question.wav'))
    ollama = await startOllamaServer({
      reply: () => ANSWER,
      firstTokenDelayMs: 50,
      tokenDelayMs: TOKEN_DELAY_MS,
    })
    hub = await openSeedVoiceHub(temp.path, ollama.url)
  })
  after(async () => {
    await hub?.close()
    await ollama?.close()
    temp.remove()
  })

  test('the first sentence is heard before the model has finished; the log keeps hashes, never audio', async (t) => {
    const client = await VoiceClient.connect(hub.url, hub.token)
    t.after(() => client.close())
    await streamUtterance(client, question, { chunkMs: 40 })
    await client.next((frame) => frame.type === 'turn.end', 'turn.end', 0, 60_000)
    const types = client.frames.map((frame) => frame.type)
    assert.deepEqual(
      client.frames.filter((frame) => frame.type === 'error.raised'),
      [],
    )
    const firstAudio = types.indexOf('tts.audio')
    const lastToken = types.lastIndexOf('llm.token')
    assert.ok(
      firstAudio > 0 && firstAudio < lastToken,
      `first audio at ${firstAudio}, last token at ${lastToken}`,
    )
    assert.deepEqual(
      client.frames.filter((frame) => frame.type === 'llm.text').map((frame) => frame.payload.text),
      [FIRST, 'The weather is sunny and warm today.', 'Take a hat when you go out in the afternoon.'],
    )

    // Seed 003's events of this turn, stored: text as sha256 + length, no audio anywhere.
    const traceId = client.frames[0]!.traceId
    const transcript = String(client.frames.find((frame) => frame.type === 'stt.final')?.payload.text)
    assert.ok(transcript.length > 3, transcript)
    const stored = (await get('/events?limit=1000')) as {
      type: string
      traceId: string
      payload: Record<string, unknown>
    }[]
    const turn = stored.filter((event) => event.traceId === traceId)
    const seed = turn.filter((event) => /^voice\.(session|asr|tts)\./.test(event.type))
    const count = (type: string) => seed.filter((event) => event.type === type).length
    assert.equal(count('voice.session.started'), 1)
    assert.equal(count('voice.asr.final'), 1)
    assert.equal(count('voice.tts.requested'), 3)
    assert.equal(count('voice.tts.audio.ready'), 3)
    assert.equal(count('voice.tts.done'), 3)
    const final = seed.find((event) => event.type === 'voice.asr.final')!.payload
    assert.match(String(final.text_sha256), /^[0-9a-f]{64}$/)
    assert.equal(final.text_len, transcript.length)
    assert.equal(final.text, undefined)
    assert.ok(Number(seed.find((event) => event.type === 'voice.tts.audio.ready')!.payload.bytes_len) > 0)
    const log = JSON.stringify(stored)
    assert.ok(!log.includes(transcript), 'the transcript is not in the log')
    for (const sentence of [FIRST, 'sunny and warm']) assert.ok(!log.includes(sentence), sentence)
    assert.ok(!log.includes('bytesB64'), 'no audio in the log')
    assert.ok(!stored.some((event) => event.type === 'tts.audio' || event.type === 'voice.chunk'))
  })

  test('a barge-in while the answer plays keeps in memory only what had been played', async (t) => {
    const client = await VoiceClient.connect(hub.url, hub.token)
    t.after(() => client.close())
    await streamUtterance(client, question, { chunkMs: 40 })
    const start = await client.next((frame) => frame.type === 'turn.start', 'turn.start')
    await client.next((frame) => frame.type === 'tts.audio', 'the first answer audio', 0, 60_000)
    const firstAudioAt = performance.now()
    // The first sentence's audio: every chunk before the second sentence is announced (its visemes
    // come before its audio).
    const second = await client.next(
      (frame) => frame.type === 'llm.text' && frame.traceId === start.traceId && frame.payload.text !== FIRST,
      'the second sentence',
    )
    const firstMs = client.frames
      .slice(0, client.frames.indexOf(second))
      .filter((frame) => frame.type === 'tts.audio')
      .reduce((sum, frame) => sum + Number(frame.payload.ms), 0)
    // A listener playing as the audio comes has heard the first sentence and a little more.
    await new Promise((resolve) => setTimeout(resolve, firstAudioAt + firstMs + 400 - performance.now()))
    const modelDone = client.frames.some(
      (frame: VoiceFrame) => frame.type === 'llm.token' && frame.payload.seq === 20,
    )
    assert.ok(!client.frames.some((frame) => frame.type === 'turn.end'), 'the answer is still playing')
    client.send('voice.start', { sampleRate: 16_000, format: 'pcm16', channels: 1 })
    const ended = await client.next(
      (frame) => frame.type === 'turn.end' && frame.traceId === start.traceId,
      'the interrupted turn ending',
    )
    assert.ok(client.frames.indexOf(ended) > 0)
    client.send('voice.end', { totalMs: 0 })

    const entries = (await get(
      `/memory?sessionId=${encodeURIComponent(String(start.payload.sessionId))}`,
    )) as {
      kind: string
      traceId?: string
      assistantText?: string
      userText?: string
    }[]
    const episode = entries.find((entry) => entry.kind === 'episode' && entry.traceId === start.traceId)
    assert.ok(episode, JSON.stringify(entries))
    const heard = String(episode.assistantText)
    assert.ok(heard.startsWith(FIRST), heard)
    assert.ok(!heard.includes('hat'), `the unplayed last sentence is not remembered: ${heard}`)
    assert.ok(modelDone, 'the whole answer had been written (and sent) before the barge-in')
    assert.ok(String(episode.userText).length > 0)
  })

  test('whisper without its model file: /health says what to download, and a turn fails at once', async (t) => {
    const folder = join(temp.path, 'whisper')
    const missing = join(folder, 'models', 'ggml-base.en.bin')
    const whisperHub = await openVoiceHub(folder, ollama.url, { engine: 'whisper', modelPath: missing })
    t.after(() => whisperHub.close())
    const response = await fetch(`${whisperHub.url}/health`, {
      headers: { authorization: `Bearer ${whisperHub.token}` },
    })
    const body = (await response.json()) as {
      data: { skills: { id: string; status: string; reason?: string }[] }
    }
    const stt = body.data.skills.find((skill) => skill.id === 'skill.voice.stt')
    assert.equal(stt?.status, 'unavailable')
    assert.match(
      String(stt?.reason),
      /does not exist: download a ggml model, e\.g\. ggml-base\.en\.bin from https:\/\/huggingface\.co\/ggerganov\/whisper\.cpp/,
    )
    const client = await VoiceClient.connect(whisperHub.url, whisperHub.token)
    t.after(() => client.close())
    await streamUtterance(client, question, { chunkMs: 40 })
    const error = await client.next((frame) => frame.type === 'error.raised', 'the turn failing')
    assert.equal(error.payload.code, 'E_DEPENDENCY_UNAVAILABLE')
    assert.match(String(error.payload.message), /ggml-base\.en\.bin/)
  })
})
