// End to end: the dashboard's Health page in Chromium against a real hub (openHub) behind a
// loopback Ollama: the checks of `localhub doctor` (GET /doctor), latency metrics as p50/p95 in ms,
// whole metric names, and a skill the manifest turns off shown as off, not as a failure.
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { DEFAULT_MANIFEST_PATH, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { ensureDashboardBuilt, hasChromium, launchBrowser, screenshot } from '../kit/browser.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

// The little of the DOM the page callbacks use (the project's tsconfig has no DOM library).
interface PageElement {
  textContent: string | null
  scrollWidth: number
  clientWidth: number
}
declare const document: { querySelectorAll(selector: string): ArrayLike<PageElement> }

const UI_TIMEOUT_MS = 15_000
const DISABLED_SKILL = 'skill.action.opencode.fs_delete'

describe('the Health page', {
  skip: hasChromium() ? false : 'chromium is not installed (bash scripts/setup-system.sh)',
  timeout: 180_000,
}, () => {
  const temp = makeTempDir('localhub-health-')
  let ollama: FakeOllamaServer
  let hub: RunningHub
  let browser: Browser
  let page: Page

  before(async () => {
    const workspace = join(temp.path, 'workspace')
    mkdirSync(workspace)
    const manifest = readFileSync(DEFAULT_MANIFEST_PATH, 'utf8')
      .replace(/path: "~\/projects"/, `path: ${JSON.stringify(workspace)}`)
      .replace(`- id: ${DISABLED_SKILL}\n`, `- id: ${DISABLED_SKILL}\n    enabled: false\n`)
    assert.match(manifest, /enabled: false/)
    writeFileSync(join(temp.path, 'manifest.yaml'), manifest)
    const built = ensureDashboardBuilt()
    ollama = await startOllamaServer({ models: ['tiny'] })
    hub = await openHub({
      dataDir: join(temp.path, 'hub'),
      manifestPath: join(temp.path, 'manifest.yaml'),
      port: 0,
      llmFlags: { baseUrl: ollama.url, model: 'tiny' },
      logger: false,
    })
    // One chat turn, so ttft_ms has a sample.
    const turn = await fetch(`${hub.url}/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello there' }),
    })
    assert.equal(turn.status, 200)
    await turn.text()
    await built
    browser = await launchBrowser()
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    page.setDefaultTimeout(UI_TIMEOUT_MS)
    await page.goto(hub.loginUrl)
  })
  after(async () => {
    await browser?.close()
    await hub?.close()
    await ollama?.close()
    temp.remove()
  })

  test('GET /doctor answers the checks of localhub doctor, run by the hub itself', async () => {
    const response = await fetch(`${hub.url}/doctor`, { headers: { authorization: `Bearer ${hub.token}` } })
    assert.equal(response.status, 200)
    const body = (await response.json()) as {
      ok: boolean
      data: { ok: boolean; checks: { id: string; status: string; summary: string }[] }
    }
    assert.equal(body.ok, true)
    const byId = new Map(body.data.checks.map((check) => [check.id, check]))
    assert.equal(byId.get('model')?.status, 'ok')
    assert.match(byId.get('port')?.summary ?? '', /this hub listens here/)
    assert.equal(byId.get('sqlite')?.status, 'ok')
    assert.equal(body.data.ok, true, JSON.stringify(body.data.checks))
    const anonymous = await fetch(`${hub.url}/doctor`)
    assert.equal(anonymous.status, 401)
  })

  test('the page lists the checks, off skills as off, and seed latencies as p50/p95 in ms', async () => {
    await page.goto(`${hub.url}/#/health`)
    await page.getByTestId('doctor-check').first().waitFor()
    assert.ok((await page.getByTestId('doctor-check').count()) >= 6)
    await page.locator('[data-testid="doctor-check"][data-status="ok"]', { hasText: 'model' }).waitFor()
    await page.getByTestId('doctor-verdict').filter({ hasText: 'everything enabled can work' }).waitFor()
    const off = page.getByTestId('skill-row').filter({ hasText: DISABLED_SKILL })
    await off.waitFor()
    assert.equal(await off.locator('td').first().innerText(), 'disabled')
    assert.equal(await off.locator('td.status-unavailable, td.status-failed').count(), 0)
    assert.equal(await page.getByTestId('health-status').innerText(), 'ok')
    // The bus and its lag (decision 1603): SQLite's durable consumers against the log head.
    assert.match(
      await page.getByTestId('bus-lag').innerText(),
      /^\d+ pending, \d+ awaiting ack; \d+ of \d+ consumers behind \(log at seq \d+\)$/,
    )
    const ttft = page.locator('[data-testid="latency-metric"][data-metric="ttft_ms"]')
    await ttft.waitFor()
    assert.match(
      await ttft.getByTestId('latency-value').innerText(),
      /^p50 [\d.]+ (ms|s) · p95 [\d.]+ (ms|s) · 1×$/,
    )
    // No histogram count shown as a rate next to it.
    assert.equal(await page.getByTestId('metric').filter({ hasText: 'ttft_ms_count' }).count(), 0)
    await page.getByTestId('metric').first().waitFor()
    const cut = await page.evaluate(() =>
      Array.from(document.querySelectorAll('.metric-list code, .metric-list li'))
        .filter((element) => element.scrollWidth > element.clientWidth + 1)
        .map((element) => element.textContent),
    )
    assert.deepEqual(cut, [], 'every metric name and value is shown whole, inside its box')
    await screenshot(page, 'dashboard-health-checks')
  })
})
