// The dashboard header in Chromium: the voice mode is shown and switched there (PUT /voice/mode),
// and its Listen button streams the (fake, flite-spoken) microphone to /ws/voice/listen, where the
// wake phrase starts a turn that is heard and answered.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import type { RunningHub } from '../../src/kernel/index.ts'
import { ensureDashboardBuilt, hasChromium, launchBrowser, screenshot } from '../kit/browser.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { CORPUS_SAMPLE_RATE_HZ, silence, speak16k } from '../kit/wake-corpus.ts'
import { openWakeHub } from '../kit/wake-hub.ts'
import { monoWave } from '../kit/wave-file.ts'

describe('the voice mode in the dashboard header', {
  skip: hasChromium() ? false : 'chromium is not installed (bash scripts/setup-system.sh)',
  timeout: 180_000,
}, () => {
  const temp = makeTempDir('localhub-wake-dashboard-')
  let ollama: FakeOllamaServer
  let hub: RunningHub
  let browser: Browser
  let page: Page

  const mode = async () => {
    const response = await fetch(`${hub.url}/voice/mode`, {
      headers: { authorization: `Bearer ${hub.token}` },
    })
    return ((await response.json()) as { data: { mode: string } }).data.mode
  }

  before(async () => {
    const microphone = join(temp.path, 'microphone.wav')
    const speech = Buffer.concat([
      silence(800),
      speak16k('hey jarvis'),
      silence(400),
      speak16k('what is the weather like'),
      // Chromium loops the file: the next "hey jarvis" would barge in on a turn still running.
      silence(20_000),
    ])
    writeFileSync(microphone, monoWave(speech, CORPUS_SAMPLE_RATE_HZ))
    await ensureDashboardBuilt()
    ollama = await startOllamaServer({ reply: () => 'It is sunny.' })
    hub = await openWakeHub(temp.path, ollama.url, { mode: 'push_to_talk' })
    browser = await launchBrowser([
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-audio-capture=${microphone}`,
    ])
    const context = await browser.newContext({ permissions: ['microphone'] })
    page = await context.newPage()
    await page.goto(hub.loginUrl)
    await page.getByTestId('voice-mode').waitFor()
  })
  after(async () => {
    await browser?.close()
    await hub?.close()
    await ollama?.close()
    temp.remove()
  })

  test('the header shows the mode and switches it; Listen appears in wake-word mode and a wake is answered', async () => {
    const switcher = page.getByTestId('voice-mode')
    assert.equal(await switcher.getAttribute('data-mode'), 'push_to_talk')
    assert.equal(await page.getByTestId('hands-free-listen').count(), 0)
    await page.getByLabel('Voice mode').selectOption('wake_word')
    await page.waitForSelector('[data-testid="voice-mode"][data-mode="wake_word"]')
    assert.equal(await mode(), 'wake_word')
    await page.getByTestId('hands-free-listen').getByRole('button', { name: 'Listen' }).click()
    await page.waitForSelector('[data-testid="hands-free-listen"][data-state="listening"]')
    await page
      .waitForSelector('[data-testid="hands-free-answer"]', { timeout: 90_000 })
      .catch(async (error) => {
        const shown = await page.getByTestId('voice-mode').evaluate((element) => element.outerHTML)
        throw new Error(`${(error as Error).message}\nthe header showed: ${shown}`)
      })
    const heard = (await page.getByTestId('hands-free-heard').textContent()) ?? ''
    assert.match(heard, /weather/, heard)
    assert.equal(await page.getByTestId('hands-free-answer').textContent(), ' answer: It is sunny.')
    assert.ok(Number(await page.getByTestId('hands-free-listen').getAttribute('data-wakes')) >= 1)
    await screenshot(page, 'wake-dashboard-header')
    await page.getByLabel('Voice mode').selectOption('off')
    await page.waitForSelector('[data-testid="voice-mode"][data-mode="off"]')
    assert.equal(await page.getByTestId('hands-free-listen').count(), 0)
    assert.equal(await mode(), 'off')
  })
})
