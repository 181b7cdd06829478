// End to end: the dashboard's microphone in Debian's Chromium. Chromium's fake capture device plays
// a question flite spoke (looped, with a pause after it) into getUserMedia; the page streams it as
// pcm16 over /ws/voice with its login cookie; a real hub transcribes it with pocketsphinx, the
// loopback Ollama answers and flite's answer audio plays through the page's AudioContext.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import type { RunningHub } from '../../src/kernel/index.ts'
import { ensureDashboardBuilt, hasChromium, launchBrowser, screenshot } from '../kit/browser.ts'
import { type FakeOllamaServer, type ScriptRequest, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { speakToWave } from '../kit/voice-client.ts'
import { openVoiceHub } from '../kit/voice-hub.ts'
import { monoWave } from '../kit/wave-file.ts'

const QUESTION = 'what is the weather like today'
const ANSWER = 'The weather is sunny and warm.'
const TURN_TIMEOUT_MS = 60_000
/** Silence after the question, so that each loop of the fake microphone ends an utterance. */
const PAUSE_MS = 1_500

function reply(request: ScriptRequest): string {
  const question = request.messages.filter((message) => message.role === 'user').at(-1)?.content ?? ''
  return question.toLowerCase().includes('weather') ? ANSWER : 'I did not hear a question about the weather.'
}

// What page.waitForFunction's callback, run in the page, reads of the DOM (no DOM library here).
declare const document: {
  querySelector(selector: string): {
    textContent: string | null
    getAttribute(name: string): string | null
  } | null
}

interface TurnView {
  turn: number
  heard: string
  partials: number
  answer: string
  playback: string
  playedMs: number
  capture: string
  error: string
}

/** A wait that, when it times out, says what the voice panel showed. */
async function waitOrShowPanel<T>(page: Page, wait: () => Promise<T>): Promise<T> {
  try {
    return await wait()
  } catch (error) {
    const panel = await page
      .getByTestId('voice-panel')
      .evaluate((element) => element.outerHTML)
      .catch(() => '?')
    throw new Error(`${(error as Error).message}\nthe voice panel: ${panel}`)
  }
}

/**
 * Waits until a turn after `afterTurn` has been heard, answered and its audio played to the end,
 * and reads the panel at that moment in one go (hands-free goes on listening right after).
 */
async function answeredTurn(page: Page, afterTurn: number): Promise<TurnView> {
  const handle = await waitOrShowPanel(page, () =>
    page.waitForFunction(
      (minimum: number) => {
        const panel = document.querySelector('[data-testid="voice-panel"]')
        const heard = document.querySelector('[data-testid="voice-heard"]')
        const playback = document.querySelector('[data-testid="voice-playback"]')
        const finished = Number(panel?.getAttribute('data-finished-turn'))
        const played = Number(playback?.getAttribute('data-turn'))
        if (playback?.getAttribute('data-state') !== 'played' || played <= minimum || finished < played)
          return false
        if (heard?.getAttribute('data-final') !== 'yes' || Number(heard.getAttribute('data-turn')) !== played)
          return false
        return {
          turn: played,
          heard: heard.textContent ?? '',
          partials: Number(heard.getAttribute('data-partials')),
          answer: document.querySelector('[data-testid="voice-answer"]')?.textContent ?? '',
          playback: 'played',
          playedMs: Number(playback.getAttribute('data-played-ms')),
          capture: panel?.getAttribute('data-capture') ?? '',
          error: document.querySelector('[data-testid="voice-error"]')?.textContent ?? '',
        }
      },
      afterTurn,
      { timeout: TURN_TIMEOUT_MS },
    ),
  )
  return (await handle.jsonValue()) as TurnView
}

describe('the dashboard microphone in Chromium', {
  skip: hasChromium() ? false : 'chromium is not installed (bash scripts/setup-system.sh)',
  timeout: 240_000,
}, () => {
  const temp = makeTempDir('localhub-voice-dashboard-')
  let ollama: FakeOllamaServer
  let hub: RunningHub
  let browser: Browser
  let page: Page
  const pageErrors: string[] = []

  before(async () => {
    const spoken = speakToWave(QUESTION, join(temp.path, 'spoken.wav'))
    const pause = Buffer.alloc(Math.round((spoken.sampleRate * PAUSE_MS) / 1000) * 2)
    const microphone = join(temp.path, 'microphone.wav')
    writeFileSync(microphone, monoWave(Buffer.concat([spoken.pcm, pause]), spoken.sampleRate))
    await ensureDashboardBuilt()
    ollama = await startOllamaServer({ reply })
    hub = await openVoiceHub(temp.path, ollama.url)
    browser = await launchBrowser([
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-audio-capture=${microphone}`,
    ])
    const context = await browser.newContext({ permissions: ['microphone'] })
    page = await context.newPage()
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.goto(hub.loginUrl)
    await page.getByTestId('voice-panel').waitFor()
  })
  after(async () => {
    await browser?.close()
    await hub?.close()
    await ollama?.close()
    temp.remove()
  })

  test('hands-free: the hub finds the end of the spoken question; the answer is shown and played', async () => {
    await page.getByTestId('voice-hands-free-mode').check()
    await page.getByTestId('voice-hands-free').click()
    const view = await answeredTurn(page, 0)
    assert.match(view.heard.toLowerCase(), /weather/, `heard "${view.heard}"`)
    assert.ok(view.partials >= 1, 'stt.partial was shown before stt.final')
    assert.equal(view.answer, ANSWER)
    assert.ok(view.playedMs > 1_000, `the answer's audio played for ${view.playedMs} ms`)
    assert.equal(view.capture, 'audio-worklet')
    assert.equal(view.error, '')
    await screenshot(page, 'voice-dashboard-hands-free')
    await page.getByTestId('voice-hands-free').click()
    await page.waitForSelector('[data-testid="voice-hands-free"][aria-pressed="false"]')
    assert.deepEqual(pageErrors, [])
  })

  test('push-to-talk: held while the question is heard, released to send; answered and played', async () => {
    await page.getByTestId('voice-hands-free-mode').uncheck()
    const before = Number(await page.getByTestId('voice-panel').getAttribute('data-turn'))
    const button = page.getByTestId('voice-talk')
    await button.hover()
    await page.mouse.down()
    await page.waitForSelector('[data-testid="voice-phase"][data-phase="listening"]')
    // pocketsphinx prints a partial when a spoken segment ends: by then the question was heard.
    await page.waitForFunction(
      (minimum: number) => {
        const heard = document.querySelector('[data-testid="voice-heard"]')
        return Number(heard?.getAttribute('data-turn')) > minimum && /weather/i.test(heard?.textContent ?? '')
      },
      before,
      { timeout: TURN_TIMEOUT_MS },
    )
    await page.mouse.up()
    const view = await answeredTurn(page, before)
    assert.ok(view.partials >= 1)
    assert.match(view.heard.toLowerCase(), /weather/, `heard "${view.heard}"`)
    assert.equal(view.answer, ANSWER)
    assert.ok(view.playedMs > 1_000, `the answer's audio played for ${view.playedMs} ms`)
    assert.equal(view.error, '')
    await screenshot(page, 'voice-dashboard-push-to-talk')
    assert.deepEqual(pageErrors, [])
  })

  test('without AudioWorklet the ScriptProcessor fallback captures the question', async () => {
    const context = await browser.newContext({ permissions: ['microphone'] })
    try {
      await context.addInitScript(() => {
        const scope = globalThis as unknown as { AudioWorklet: { prototype: { addModule: unknown } } }
        scope.AudioWorklet.prototype.addModule = () => Promise.reject(new Error('no worklets here'))
      })
      const other = await context.newPage()
      await other.goto(hub.loginUrl)
      await other.getByTestId('voice-hands-free-mode').check()
      await other.getByTestId('voice-hands-free').click()
      const view = await answeredTurn(other, 0)
      assert.equal(view.capture, 'script-processor')
      assert.match(view.heard.toLowerCase(), /weather/, `heard "${view.heard}"`)
      assert.equal(view.answer, ANSWER)
      assert.ok(view.playedMs > 1_000, `the answer's audio played for ${view.playedMs} ms`)
    } finally {
      await context.close()
    }
  })
})
