// End to end: a real hub runs full.yaml's voice turn (pocketsphinx, loopback model, flite) and the
// avatar skill; clients of /ws/avatar follow the voice connection's session: keyframes, rendered
// PNG frames, and a barge-in that stops the face with the voice.
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createCanvas, loadImage } from '@napi-rs/canvas'
import { parse, stringify } from 'yaml'
import { openHub, type RunningHub } from '../../src/kernel/index.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { speakToWave, streamUtterance, VoiceClient, type VoiceFrame } from '../kit/voice-client.ts'
import { voiceManifestText } from '../kit/voice-hub.ts'

const SHORT_ANSWER = 'The weather is sunny. It will be warm and dry all day.'
// Many sentences: flite is still speaking them when the person interrupts.
const LONG_ANSWER = Array.from(
  { length: 40 },
  (_, index) => `This is sentence number ${index + 1} of a long answer.`,
).join(' ')
const WAIT_MS = 60_000

interface Keyframe {
  seq: number
  startMs: number
  endMs: number
  viseme: string
  weight: number
}

function sessionOf(frame: VoiceFrame): string {
  return String((frame as VoiceFrame & { sessionId?: string }).sessionId)
}

describe('WS /ws/avatar with a real voice turn', { timeout: 240_000 }, () => {
  const temp = makeTempDir('localhub-avatar-ws-')
  let ollama: FakeOllamaServer
  let hub: RunningHub
  let answer = SHORT_ANSWER
  const question = speakToWave('what is the weather like', join(temp.path, 'question.wav'))

  before(async () => {
    ollama = await startOllamaServer({ reply: () => answer })
    const workspace = join(temp.path, 'workspace')
    mkdirSync(workspace, { recursive: true })
    const manifest = parse(voiceManifestText(ollama.url, workspace)) as {
      skills: { id: string; config?: unknown }[]
    }
    const avatar = manifest.skills.find((skill) => skill.id === 'skill.avatar')!
    avatar.config = { fps: 25, resolution: '256x256', render: true }
    const manifestPath = join(temp.path, 'avatar.yaml')
    writeFileSync(manifestPath, stringify(manifest))
    hub = await openHub({
      dataDir: join(temp.path, 'data'),
      manifestPath,
      port: 0,
      transport: 'memory',
      logger: false,
    })
  })
  after(async () => {
    await hub?.close()
    await ollama?.close()
    temp.remove()
  })

  /** Starts a voice turn and answers its session id once the run has begun. */
  async function askQuestion(voice: VoiceClient): Promise<{ sessionId: string; from: number }> {
    const from = voice.frames.length
    await streamUtterance(voice, question)
    const start = await voice.next((frame) => frame.type === 'turn.start', 'turn.start', from, WAIT_MS)
    return { sessionId: sessionOf(start), from }
  }

  test('the avatar skill is ready in /health; an unknown session or a bad request is refused', async () => {
    const health = (await (
      await fetch(`${hub.url}/health`, { headers: { authorization: `Bearer ${hub.token}` } })
    ).json()) as { data?: unknown }
    assert.match(JSON.stringify(health), /"skill\.avatar"[^}]*"ready"/)
    const noSession = await VoiceClient.connect(hub.url, hub.token, '/ws/avatar')
    await noSession.next((frame) => frame.type === 'error.raised', 'the refusal')
    assert.equal(noSession.frames[0]!.payload.code, 'E_VALIDATION')
    const badFps = await VoiceClient.connect(hub.url, hub.token, '/ws/avatar?sessionId=s1&frames=png&fps=500')
    await badFps.next((frame) => frame.type === 'error.raised', 'the refusal')
    assert.match(String(badFps.frames[0]!.payload.message), /fps/)
    await assert.rejects(
      VoiceClient.connect(hub.url, 'not-the-token', '/ws/avatar?sessionId=s1'),
      /401/,
      'without the token the upgrade is refused',
    )
    noSession.close()
    badFps.close()
    // 16 clients at once, 2 of them asking for rendered frames; one more of either kind is refused.
    const clients = [
      await VoiceClient.connect(hub.url, hub.token, '/ws/avatar?sessionId=s1&frames=png'),
      await VoiceClient.connect(hub.url, hub.token, '/ws/avatar?sessionId=s1&frames=png'),
    ]
    const thirdRenderer = await VoiceClient.connect(hub.url, hub.token, '/ws/avatar?sessionId=s1&frames=png')
    await thirdRenderer.next((frame) => frame.type === 'error.raised', 'the refusal')
    assert.equal(thirdRenderer.frames[0]!.payload.code, 'E_RESOURCE_LIMIT')
    assert.equal(await thirdRenderer.closed(), 1013)
    while (clients.length < 16)
      clients.push(await VoiceClient.connect(hub.url, hub.token, '/ws/avatar?sessionId=s1'))
    const seventeenth = await VoiceClient.connect(hub.url, hub.token, '/ws/avatar?sessionId=s1')
    await seventeenth.next((frame) => frame.type === 'error.raised', 'the refusal')
    assert.match(String(seventeenth.frames[0]!.payload.message), /more than 16 avatar connections/)
    for (const client of clients) client.close()
  })

  test('keyframes and rendered frames cover the answer audio within one frame, gap-free, in time with the visemes', async () => {
    answer = SHORT_ANSWER
    const voice = await VoiceClient.connect(hub.url, hub.token)
    const { sessionId, from } = await askQuestion(voice)
    const keyframes = await VoiceClient.connect(hub.url, hub.token, `/ws/avatar?sessionId=${sessionId}`)
    const rendered = await VoiceClient.connect(
      hub.url,
      hub.token,
      `/ws/avatar?sessionId=${sessionId}&frames=png&fps=10&resolution=128x96`,
    )
    await voice.next((frame) => frame.type === 'turn.end', 'turn.end', from, WAIT_MS)
    const turn = voice.frames.slice(from)
    const ttsEnd = turn.find((frame) => frame.type === 'tts.end')!
    const totalMs = Number(ttsEnd.payload.totalMs)
    const audioMs = turn
      .filter((frame) => frame.type === 'tts.audio')
      .reduce((sum, frame) => sum + Number(frame.payload.ms), 0)
    assert.ok(Math.abs(audioMs - totalMs) <= 5, `tts.audio ${audioMs} ms, tts.end ${totalMs} ms`)

    await keyframes.next((frame) => frame.type === 'avatar.end', 'avatar.end', 0, WAIT_MS)
    assert.deepEqual(keyframes.frames[0]!.payload, { fps: 25, format: 'rgb', resolution: '256x256' })
    const batches = keyframes.frames.filter((frame) => frame.type === 'avatar.frames')
    const frames = batches.flatMap((frame) => frame.payload.frames as Keyframe[])
    assert.deepEqual(
      frames.map((frame) => frame.seq),
      frames.map((_, index) => index),
      'seq is gap-free from 0',
    )
    for (const batch of batches)
      assert.equal((batch.payload.frames as Keyframe[])[0]!.seq, batch.payload.fromSeq)
    const lastEnd = frames.at(-1)!.endMs
    assert.ok(
      lastEnd >= totalMs && lastEnd - totalMs < 40,
      `frames end at ${lastEnd} ms, the audio at ${totalMs} ms`,
    )
    const end = keyframes.frames.at(-1)!
    assert.equal(end.traceId, ttsEnd.traceId)
    assert.deepEqual(end.payload, { totalFrames: frames.length, reason: 'completed', durationMs: totalMs })

    // Each frame lying inside one viseme of the timing shows that viseme.
    const timings = turn.filter((frame) => frame.type === 'tts.viseme_timing')
    const starts = timings.flatMap((frame) => frame.payload.timingMs as number[])
    const visemes = timings.flatMap((frame) => frame.payload.visemes as string[])
    let checked = 0
    for (const frame of frames) {
      const index = starts.findLastIndex((start) => start <= frame.startMs)
      const next = starts[index + 1] ?? totalMs
      if (index < 0 || next < frame.endMs) continue
      assert.equal(frame.viseme, visemes[index], `frame ${frame.seq} at ${frame.startMs} ms`)
      checked++
    }
    assert.ok(checked > frames.length / 4, `${checked} of ${frames.length} frames lie inside one viseme`)

    await rendered.next((frame) => frame.type === 'avatar.end', 'the rendered avatar.end', 0, WAIT_MS)
    assert.deepEqual(rendered.frames[0]!.payload, { fps: 10, format: 'rgb', resolution: '128x96' })
    const images = rendered.frames.filter((frame) => frame.type === 'avatar.frame')
    assert.deepEqual(
      images.map((frame) => frame.payload.seq),
      images.map((_, index) => index),
    )
    assert.equal(images.length, Math.ceil((totalMs * 10) / 1000), 'the rendered frames cover the audio')
    const renderedEnd = rendered.frames.at(-1)! as VoiceFrame & { meta?: Record<string, number> }
    assert.equal(renderedEnd.payload.totalFrames, images.length)
    assert.deepEqual(renderedEnd.meta, { droppedFrames: 0, droppedMessages: 0 })
    const distinct = new Set(images.map((frame) => frame.payload.imageB64))
    assert.ok(distinct.size > 3, 'the face changes while it speaks')
    const canvas = createCanvas(128, 96)
    for (const frame of images.slice(0, 5)) {
      const image = await loadImage(Buffer.from(String(frame.payload.imageB64), 'base64'))
      assert.deepEqual([image.width, image.height], [128, 96])
      canvas.getContext('2d').drawImage(image, 0, 0)
    }
    for (const client of [voice, keyframes, rendered]) client.close()
  })

  test('barge-in: the person speaks while the answer is spoken, and the face stops with reason interrupted', async () => {
    answer = LONG_ANSWER
    const voice = await VoiceClient.connect(hub.url, hub.token)
    const { sessionId, from } = await askQuestion(voice)
    const keyframes = await VoiceClient.connect(hub.url, hub.token, `/ws/avatar?sessionId=${sessionId}`)
    const audio = await voice.next(
      (frame) => frame.type === 'tts.audio',
      'the first answer audio',
      from,
      WAIT_MS,
    )
    voice.send('voice.start', { sampleRate: 16_000, format: 'pcm16', channels: 1 })
    const ended = await keyframes.next(
      (frame) => frame.type === 'avatar.end' && frame.traceId === audio.traceId,
      'the interrupted face',
      0,
      WAIT_MS,
    )
    assert.equal(ended.payload.reason, 'interrupted')
    const turnEnd = await voice.next(
      (frame) => frame.type === 'turn.end' && frame.traceId === audio.traceId,
      'the interrupted turn',
      from,
      WAIT_MS,
    )
    assert.equal(turnEnd.payload.outcome, 'error')
    const spoken = voice.frames.filter((frame) => frame.type === 'tts.end' && frame.traceId === audio.traceId)
    assert.deepEqual(spoken, [], 'the answer was cut before its end')
    voice.send('voice.end', { totalMs: 0 })
    voice.close()
    keyframes.close()
  })
})
