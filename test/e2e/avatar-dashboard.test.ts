// End to end: the dashboard's face in Debian's Chromium. A spoken question goes in through the fake
// microphone, the hub answers aloud, and while the answer plays the test freezes the page's audio
// clock (AudioContext.suspend), screenshots the face and compares the mouth region with what the
// hub's viseme timing says at the frozen moment: closed lips for silence and p/b/m, an opening of
// the right size and width for vowels. Freezing the clock keeps this exact on a loaded machine.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createCanvas, loadImage } from '@napi-rs/canvas'
import type { Browser, Page } from 'playwright-core'
import type { Envelope } from '../../src/contracts/index.ts'
import type { RunningHub } from '../../src/kernel/index.ts'
import { FACE_MOUTH, MOUTH_SHAPES } from '../../web/src/components/avatar-shapes.ts'
import { ensureDashboardBuilt, hasChromium, launchBrowser, screenshot } from '../kit/browser.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { speakToWave } from '../kit/voice-client.ts'
import { openVoiceHub } from '../kit/voice-hub.ts'
import { monoWave } from '../kit/wave-file.ts'

const QUESTION = 'what is the weather like today'
// Open vowels, closed lips and pauses between short sentences.
const ANSWER = 'Papa, bob a map. Ah, pop a ball. Oh, a mama. Ah, a papa.'
const WAIT_MS = 90_000
/** The SVG is drawn at 160 CSS pixels for a 200-unit viewBox. */
const SCALE = 160 / 200
/** The head moves a few units: the measured box is this much larger than the largest mouth. */
const MARGIN_PX = 8
/** A sample is judged only this far (ms) from a viseme boundary: the frame shown is then that viseme's. */
const BOUNDARY_MARGIN_MS = 45
/** Sampling goes on (across answers: hands-free asks again) until this many of each are judged. */
const WANTED = { open: 3, closed: 2 }
/** Or until this much time has passed (a loaded machine judges fewer samples per answer). */
const SAMPLING_BUDGET_MS = 90_000

declare const document: {
  querySelector(selector: string): { getAttribute(name: string): string | null } | null
}
declare const requestAnimationFrame: (callback: () => void) => void

/** The mouth's dark opening in a screenshot of the face: pixel count and width, in CSS pixels. */
async function measureMouth(png: Buffer): Promise<{ pixels: number; width: number }> {
  const image = await loadImage(png)
  const canvas = createCanvas(image.width, image.height)
  const context = canvas.getContext('2d')
  context.drawImage(image, 0, 0)
  const left = Math.floor((FACE_MOUTH.x - FACE_MOUTH.halfWidth) * SCALE - MARGIN_PX)
  const top = Math.floor((FACE_MOUTH.y - FACE_MOUTH.halfHeight) * SCALE - MARGIN_PX)
  const width = Math.ceil(FACE_MOUTH.halfWidth * 2 * SCALE + MARGIN_PX * 2)
  const height = Math.ceil(FACE_MOUTH.halfHeight * 2 * SCALE + MARGIN_PX * 2)
  const box = context.getImageData(left, top, width, height)
  let pixels = 0
  let minX = Number.POSITIVE_INFINITY
  let maxX = Number.NEGATIVE_INFINITY
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 4
      const [red, green, blue] = [box.data[at]!, box.data[at + 1]!, box.data[at + 2]!]
      if (Math.abs(red - 0x5a) < 30 && Math.abs(green - 0x16) < 30 && Math.abs(blue - 0x20) < 30) {
        pixels++
        minX = Math.min(minX, x)
        maxX = Math.max(maxX, x)
      }
    }
  return { pixels, width: pixels === 0 ? 0 : maxX - minX + 1 }
}

describe('the dashboard face in Chromium', {
  skip: hasChromium() ? false : 'chromium is not installed (bash scripts/setup-system.sh)',
  timeout: 300_000,
}, () => {
  const temp = makeTempDir('localhub-avatar-dashboard-')
  let ollama: FakeOllamaServer
  let hub: RunningHub
  let browser: Browser
  let page: Page
  const pageErrors: string[] = []
  const timings = new Map<string, { visemes: string[]; timingMs: number[] }>()
  const totals = new Map<string, number>()

  before(async () => {
    const spoken = speakToWave(QUESTION, join(temp.path, 'spoken.wav'))
    const pause = Buffer.alloc(Math.round(spoken.sampleRate * 1.5) * 2)
    const microphone = join(temp.path, 'microphone.wav')
    writeFileSync(microphone, monoWave(Buffer.concat([spoken.pcm, pause]), spoken.sampleRate))
    await ensureDashboardBuilt()
    ollama = await startOllamaServer({ reply: () => ANSWER })
    hub = await openVoiceHub(temp.path, ollama.url)
    await hub.bus.subscribe('tts.>', (event: Envelope) => {
      const payload = event.payload as Record<string, unknown>
      if (event.type === 'tts.end') totals.set(event.traceId, Number(payload.totalMs))
      if (event.type !== 'tts.viseme_timing') return
      const known = timings.get(event.traceId) ?? { visemes: [], timingMs: [] }
      known.visemes.push(...(payload.visemes as string[]))
      known.timingMs.push(...(payload.timingMs as number[]))
      timings.set(event.traceId, known)
    })
    browser = await launchBrowser([
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-audio-capture=${microphone}`,
      '--autoplay-policy=no-user-gesture-required',
    ])
    const context = await browser.newContext({ permissions: ['microphone'], deviceScaleFactor: 1 })
    // Keeps every AudioContext the page makes, so the test can freeze the audio clock.
    await context.addInitScript(() => {
      const scope = globalThis as unknown as {
        AudioContext: new (...args: unknown[]) => object
        __audioContexts: object[]
      }
      const Original = scope.AudioContext
      scope.__audioContexts = []
      scope.AudioContext = class extends Original {
        constructor(...args: unknown[]) {
          super(...args)
          scope.__audioContexts.push(this)
        }
      }
    })
    page = await context.newPage()
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.goto(hub.loginUrl)
    await page.getByTestId('avatar-face').waitFor()
  })
  after(async () => {
    await browser?.close()
    await hub?.close()
    await ollama?.close()
    temp.remove()
  })

  /** Suspends (or resumes) the page's audio, then waits two frames so the face has drawn. */
  async function setAudio(running: boolean): Promise<void> {
    await page.evaluate(async (resume: boolean) => {
      const contexts = (
        globalThis as unknown as { __audioContexts: { suspend(): Promise<void>; resume(): Promise<void> }[] }
      ).__audioContexts
      await Promise.all(contexts.map((context) => (resume ? context.resume() : context.suspend())))
      await new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())))
    }, running)
  }

  test('idle, the face blinks and rests; speaking, its mouth shows the viseme the timing says', async (t) => {
    const face = page.getByTestId('avatar-face')
    assert.equal(await face.getAttribute('data-state'), 'idle')
    assert.equal((await measureMouth(await face.screenshot())).pixels, 0, 'at rest the lips are closed')
    await page.getByTestId('voice-hands-free-mode').check()
    await page.getByTestId('voice-hands-free').click()
    await page.waitForFunction(
      () => document.querySelector('[data-testid="avatar-face"]')?.getAttribute('data-state') === 'speaking',
      undefined,
      { timeout: WAIT_MS },
    )
    const judged: string[] = []
    let open = 0
    let closed = 0
    const deadline = performance.now() + SAMPLING_BUDGET_MS
    for (
      let sample = 0;
      (open < WANTED.open || closed < WANTED.closed) && performance.now() < deadline;
      sample++
    ) {
      // Samples are spread over the answer: the audio plays on between them.
      if (sample > 0) await new Promise((resolve) => setTimeout(resolve, 150 + (sample % 7) * 23))
      await setAudio(false)
      const traceId = (await face.getAttribute('data-trace')) ?? ''
      const audioMs = Number(await face.getAttribute('data-audio-ms'))
      const shot = await face.screenshot()
      await setAudio(true)
      if (sample === 0) await screenshot(page, 'avatar-dashboard-speaking')
      const timing = timings.get(traceId)
      const total = totals.get(traceId) ?? Number.POSITIVE_INFINITY
      if (timing === undefined || !Number.isFinite(audioMs) || audioMs <= 0) continue
      const index = timing.timingMs.findLastIndex((start) => start <= audioMs)
      if (index < 0) continue
      const start = timing.timingMs[index]!
      const end = timing.timingMs[index + 1] ?? total
      if (audioMs - start < BOUNDARY_MARGIN_MS || end - audioMs < BOUNDARY_MARGIN_MS) continue
      const viseme = timing.visemes[index]!
      const shape = MOUTH_SHAPES[viseme]!
      const mouth = await measureMouth(shot)
      const rest = MOUTH_SHAPES.sil!
      const describe = `${viseme} at ${Math.round(audioMs)} ms: ${mouth.pixels} px, ${mouth.width} px wide`
      if (shape.open === 0) {
        assert.equal(mouth.pixels, 0, `closed lips for ${describe}`)
        closed++
      } else if (shape.open >= 0.4) {
        // The weight is between 0.6 (a short viseme) and 1: the opening lies between those shapes.
        const size = (weight: number) => ({
          halfWidth: FACE_MOUTH.halfWidth * SCALE * (rest.width + (shape.width - rest.width) * weight),
          halfHeight: FACE_MOUTH.halfHeight * SCALE * shape.open * weight,
        })
        const small = size(0.6)
        const large = size(1)
        const area = (s: { halfWidth: number; halfHeight: number }) => Math.PI * s.halfWidth * s.halfHeight
        assert.ok(
          mouth.pixels >= area(small) * 0.35 && mouth.pixels <= area(large) * 1.1,
          `an opening of ${Math.round(area(small))}..${Math.round(area(large))} px for ${describe}`,
        )
        const widths = [small.halfWidth * 2, large.halfWidth * 2].sort((a, b) => a - b)
        assert.ok(
          mouth.width >= widths[0]! * 0.75 && mouth.width <= widths[1]! + 2,
          `${widths.map(Math.round).join('..')} px wide for ${describe}`,
        )
        open++
      } else continue
      judged.push(describe)
    }
    t.diagnostic(`judged: ${judged.join('; ')}`)
    assert.ok(open >= 2 && closed >= 1, `judged open ${open}, closed ${closed}: ${judged.join('; ')}`)
    await page.getByTestId('voice-hands-free').click()
    await page.waitForFunction(
      () => document.querySelector('[data-testid="avatar-face"]')?.getAttribute('data-state') === 'idle',
      undefined,
      { timeout: WAIT_MS },
    )
    assert.deepEqual(pageErrors, [])
  })
})
