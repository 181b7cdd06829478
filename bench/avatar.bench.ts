// The avatar: avatar_ms (first tts.audio → first avatar.frames) on a real hub in process running
// full.yaml's voice turn (pocketsphinx, loopback Ollama, flite), seen on the bus and by WS clients
// of /ws/voice and /ws/avatar; the dashboard's frame time while its face speaks (Chromium, fake
// microphone); and how many 256×256 PNG frames one core renders per second, with the skill's
// encoder (deflate level 1) against Skia's own PNG encoder in the same run.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCanvas } from '@napi-rs/canvas'
import type { Envelope } from '../src/contracts/index.ts'
import { FaceRenderer, KeyframeSampler, paintFace, VisemeTimeline } from '../src/skills/avatar/index.ts'
import { ensureDashboardBuilt, hasChromium, launchBrowser } from '../test/kit/browser.ts'
import { startOllamaServer } from '../test/kit/llm-servers/index.ts'
import { makeTempDir } from '../test/kit/temp-dir.ts'
import { speakToWave, streamUtterance, VoiceClient } from '../test/kit/voice-client.ts'
import { openVoiceHub } from '../test/kit/voice-hub.ts'
import { median, percentile, report } from './stats.ts'

const TURNS = 12
const WARMUP = 2
const ANSWER = 'The weather is sunny and warm. Bring a hat and some water.'
const RENDER_FRAMES = 250
const RENDER_ROUNDS = 5

const temp = makeTempDir('localhub-avatar-bench-')
const question = speakToWave('what is the weather like', join(temp.path, 'question.wav'))
const ollama = await startOllamaServer({ reply: () => ANSWER })
const hub = await openVoiceHub(temp.path, ollama.url)

type Scope = {
  __frameTimes: number[]
  document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null }
}

/** A mono pcm16 WAV of the question with 1.5 s of silence after it (the fake microphone loops it). */
function microphoneWave(): string {
  const pcm = Buffer.concat([question.pcm, Buffer.alloc(Math.round(question.sampleRate * 1.5) * 2)])
  const header = Buffer.alloc(44)
  header.write('RIFF', 0, 'ascii')
  header.writeUInt32LE(36 + pcm.length, 4)
  header.write('WAVEfmt ', 8, 'ascii')
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(1, 20)
  header.writeUInt16LE(1, 22)
  header.writeUInt32LE(question.sampleRate, 24)
  header.writeUInt32LE(question.sampleRate * 2, 28)
  header.writeUInt16LE(2, 32)
  header.writeUInt16LE(16, 34)
  header.write('data', 36, 'ascii')
  header.writeUInt32LE(pcm.length, 40)
  const path = join(temp.path, 'microphone.wav')
  writeFileSync(path, Buffer.concat([header, pcm]))
  return path
}

/** Intervals between the dashboard's animation frames while its face speaks, over three hands-free turns. */
async function dashboardFrameTimes(): Promise<void> {
  await ensureDashboardBuilt()
  const browser = await launchBrowser([
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-audio-capture=${microphoneWave()}`,
  ])
  try {
    const page = await (await browser.newContext({ permissions: ['microphone'] })).newPage()
    await page.goto(hub.loginUrl)
    await page.getByTestId('avatar-face').waitFor()
    // A string, so that the bundler's helpers (keepNames) are not needed in the page.
    await page.evaluate(`(() => {
      window.__frameTimes = []
      let last = performance.now()
      const tick = (now) => {
        const face = document.querySelector('[data-testid="avatar-face"]')
        if (face && face.getAttribute('data-state') === 'speaking') window.__frameTimes.push(now - last)
        last = now
        requestAnimationFrame(tick)
      }
      requestAnimationFrame(tick)
    })()`)
    await page.getByTestId('voice-hands-free-mode').check()
    await page.getByTestId('voice-hands-free').click()
    await page.waitForFunction(
      () => {
        const scope = globalThis as unknown as Scope
        const panel = scope.document.querySelector('[data-testid="voice-panel"]')
        return scope.__frameTimes.length > 0 && Number(panel?.getAttribute('data-finished-turn')) >= 3
      },
      undefined,
      { timeout: 180_000 },
    )
    const times = await page.evaluate(() => (globalThis as unknown as Scope).__frameTimes)
    report({
      bench: 'avatar.dashboard.frame-time-speaking',
      unit: 'ms',
      median: Math.round(median(times) * 10) / 10,
      p99: Math.round(percentile(times, 0.99) * 10) / 10,
      frames: times.length,
    })
  } finally {
    await browser.close()
  }
}

try {
  // On the bus: trusted handlers see each event the moment it is dispatched.
  const firstAudio = new Map<string, number>()
  const firstFrames = new Map<string, number>()
  await hub.bus.subscribe(
    'tts.audio',
    (event: Envelope) => {
      if (!firstAudio.has(event.traceId)) firstAudio.set(event.traceId, performance.now())
    },
    { trusted: true },
  )
  await hub.bus.subscribe(
    'avatar.frames',
    (event: Envelope) => {
      if (!firstFrames.has(event.traceId)) firstFrames.set(event.traceId, performance.now())
    },
    { trusted: true },
  )

  const voice = await VoiceClient.connect(hub.url, hub.token)
  const busMs: number[] = []
  const wsMs: number[] = []
  for (let round = 0; round < WARMUP + TURNS; round++) {
    const from = voice.frames.length
    await streamUtterance(voice, question, { chunkMs: 40 })
    const start = await voice.next((frame) => frame.type === 'turn.start', 'turn.start', from, 60_000)
    const sessionId = String((start as unknown as { sessionId: string }).sessionId)
    const avatar = await VoiceClient.connect(hub.url, hub.token, `/ws/avatar?sessionId=${sessionId}`)
    const audioSeen = new Promise<number>((resolve) => {
      voice
        .next((frame) => frame.type === 'tts.audio', 'audio', from, 60_000)
        .then(() => resolve(performance.now()))
    })
    const framesSeen = avatar
      .next((frame) => frame.type === 'avatar.frames', 'frames', 0, 60_000)
      .then(() => performance.now())
    const [audioAt, framesAt] = await Promise.all([audioSeen, framesSeen])
    await voice.next((frame) => frame.type === 'turn.end', 'turn.end', from, 60_000)
    avatar.close()
    if (round < WARMUP) continue
    wsMs.push(framesAt - audioAt)
    const traceId = start.traceId!
    busMs.push(firstFrames.get(traceId)! - firstAudio.get(traceId)!)
  }
  voice.close()
  if (hasChromium()) await dashboardFrameTimes()
  report({
    bench: 'avatar.avatar_ms.bus',
    unit: 'ms',
    median: median(busMs),
    p95: percentile(busMs, 0.95),
    max: Math.max(...busMs),
    turns: TURNS,
    goalMs: 50,
  })
  report({
    bench: 'avatar.avatar_ms.ws',
    unit: 'ms',
    median: median(wsMs),
    p95: percentile(wsMs, 0.95),
    max: Math.max(...wsMs),
    turns: TURNS,
    goalMs: 50,
  })
} finally {
  await hub.close()
  await ollama.close()
  temp.remove()
}

// Rendering: keyframes of 10 s of speech (a viseme every 80 ms), 256×256, on this thread only.
const timeline = new VisemeTimeline()
const cycle = ['sil', 'PP', 'aa', 'E', 'O', 'SS', 'I', 'U', 'nn', 'DD']
timeline.add(
  Array.from({ length: 125 }, (_, index) => cycle[index % cycle.length]),
  Array.from({ length: 125 }, (_, index) => index * 80),
)
timeline.end(10_000)
const keyframes = new KeyframeSampler(timeline, 25, 1).take()
const renderer = await FaceRenderer.create(256, 256)
const canvas = createCanvas(256, 256)
const context = canvas.getContext('2d')
// Wall-clock rates, and rates per second of CPU this process used: on a machine shared with other
// work the second is what one core of our own would sustain.
const rates = {
  skill: [] as number[],
  skia: [] as number[],
  skillCpu: [] as number[],
  skiaCpu: [] as number[],
}
let bytes = { skill: 0, skia: 0 }
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1e6
}
for (let round = 0; round < RENDER_ROUNDS + 1; round++) {
  let started = performance.now()
  let cpu = process.cpuUsage()
  for (let index = 0; index < RENDER_FRAMES; index++)
    bytes.skill = renderer.renderSync(keyframes[index % keyframes.length]!).length
  const skill = RENDER_FRAMES / ((performance.now() - started) / 1000)
  const skillCpu = RENDER_FRAMES / cpuSeconds(cpu)
  started = performance.now()
  cpu = process.cpuUsage()
  for (let index = 0; index < RENDER_FRAMES; index++) {
    paintFace(context, 256, 256, keyframes[index % keyframes.length]!)
    bytes.skia = canvas.toBuffer('image/png').length
  }
  const skia = RENDER_FRAMES / ((performance.now() - started) / 1000)
  const skiaCpu = RENDER_FRAMES / cpuSeconds(cpu)
  if (round === 0) continue
  rates.skill.push(skill)
  rates.skia.push(skia)
  rates.skillCpu.push(skillCpu)
  rates.skiaCpu.push(skiaCpu)
}
bytes = { skill: bytes.skill, skia: bytes.skia }
report({
  bench: 'avatar.render.256x256',
  unit: 'frames/s',
  median: Math.round(median(rates.skill)),
  min: Math.round(Math.min(...rates.skill)),
  perCpuSecond: Math.round(median(rates.skillCpu)),
  realTimeAt25fps: Math.round((median(rates.skill) / 25) * 10) / 10,
  pngBytes: bytes.skill,
  goal: '>= 100 frames/s (4x real time at 25 fps) on one core',
})
report({
  bench: 'avatar.render.256x256.skia-png-encoder',
  unit: 'frames/s',
  median: Math.round(median(rates.skia)),
  perCpuSecond: Math.round(median(rates.skiaCpu)),
  pngBytes: bytes.skia,
  ratioSkillOverSkia: Math.round((median(rates.skill) / median(rates.skia)) * 100) / 100,
})
