// End to end: the real hub in-process (openHub) behind a loopback Ollama, the dashboard built from
// web/ and served at /, driven in Debian's Chromium. Screenshots land in test-output/screenshots/.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import type { Browser, BrowserContext, Page, WebSocket } from 'playwright-core'
import { DEFAULT_MANIFEST_PATH, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { ensureDashboardBuilt, hasChromium, launchBrowser, screenshot } from '../kit/browser.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

const run = promisify(execFile)

// Callbacks given to page.evaluate run in the page; this names the little of the DOM they use
// (the project's tsconfig has no DOM library).
interface PageElement {
  textContent: string | null
  getAttribute(name: string): string | null
}
declare const document: {
  querySelectorAll(selector: string): ArrayLike<PageElement>
  cookie: string
  documentElement: { scrollWidth: number }
}
const BIN = new URL('../../bin/localhub.js', import.meta.url).pathname
const ANSWER = 'The launch code of Nebula is 4711 [1].'
const UI_TIMEOUT_MS = 15_000

function reply(request: { messages: { role: string; content: string }[] }): string {
  const system = request.messages.find((message) => message.role === 'system')?.content ?? ''
  return system.includes('4711') ? ANSWER : 'I do not know.'
}

async function storedOfType(
  hub: RunningHub,
  type: string,
): Promise<Array<{ payload: Record<string, unknown> }>> {
  const response = await fetch(`${hub.url}/events?filter=${encodeURIComponent(type)}&limit=1000`, {
    headers: { authorization: `Bearer ${hub.token}` },
  })
  assert.equal(response.status, 200)
  return ((await response.json()) as { data: Array<{ payload: Record<string, unknown> }> }).data
}

describe('dashboard in Chromium', {
  skip: hasChromium() ? false : 'chromium is not installed (bash scripts/setup-system.sh)',
  timeout: 240_000,
}, () => {
  const data = makeTempDir('localhub-dashboard-')
  let ollama: FakeOllamaServer
  let hub: RunningHub
  let browser: Browser
  let context: BrowserContext
  let page: Page
  // The page's /ws/events sockets, so a test can wait for the live stream to close or open.
  const eventSockets = new Set<WebSocket>()

  before(async () => {
    const docs = join(data.path, 'docs')
    mkdirSync(docs)
    writeFileSync(join(docs, 'nebula.md'), '# Project Nebula\n\nThe launch code of project Nebula is 4711.\n')
    const hubDir = join(data.path, 'hub')
    const workspace = join(data.path, 'workspace')
    mkdirSync(workspace)
    writeFileSync(join(workspace, 'notes.md'), 'old notes\n')
    writeFileSync(join(workspace, 'other.md'), 'keep me\n')
    writeFileSync(
      join(data.path, 'manifest.yaml'),
      readFileSync(DEFAULT_MANIFEST_PATH, 'utf8').replace(
        /path: "~\/projects"/,
        `path: ${JSON.stringify(workspace)}`,
      ),
    )
    await Promise.all([
      ensureDashboardBuilt(),
      run(process.execPath, [BIN, 'rag', 'index', docs, '--data', hubDir]),
    ])
    ollama = await startOllamaServer({ reply, models: ['tiny'], tokenDelayMs: 60 })
    hub = await openHub({
      dataDir: hubDir,
      manifestPath: join(data.path, 'manifest.yaml'),
      port: 0,
      llmFlags: { baseUrl: ollama.url, model: 'tiny' },
      logger: false,
    })
    browser = await launchBrowser()
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
    page = await context.newPage()
    page.setDefaultTimeout(UI_TIMEOUT_MS)
    page.on('websocket', (socket) => {
      if (new URL(socket.url()).pathname !== '/ws/events') return
      eventSockets.add(socket)
      socket.on('close', () => eventSockets.delete(socket))
    })
  })
  after(async () => {
    await browser?.close()
    await hub?.close()
    await ollama?.close()
    data.remove()
  })

  test('without the login cookie the page shows how to log in, and the API gives it no data', async () => {
    const stranger = await browser.newContext()
    try {
      const other = await stranger.newPage()
      const response = await other.goto(`${hub.url}/`)
      assert.equal(response?.status(), 200, 'the page itself is public: it holds no data')
      assert.match(response?.headers()['content-security-policy'] ?? '', /frame-ancestors 'none'/)
      await other.getByRole('heading', { name: 'Log in to Local Hub' }).waitFor()
      assert.match(await other.locator('main').innerText(), /login URL printed by localhub serve/)
      const statuses = await other.evaluate(async () =>
        Promise.all(
          ['/events?limit=5', '/sessions', '/metrics'].map(async (path) => (await fetch(path)).status),
        ),
      )
      assert.deepEqual(statuses, [401, 401, 401])
      assert.equal(await other.locator('[data-testid="message-assistant"], .event-row').count(), 0)
      await screenshot(other, 'dashboard-login-required')
      const wrong = await other.goto(`${hub.url}/?token=not-the-token`)
      assert.equal(wrong?.status(), 401)
      assert.deepEqual(await stranger.cookies(), [])
    } finally {
      await stranger.close()
    }
  })

  test('the login URL sets an HttpOnly, SameSite=Strict cookie and redirects to the page without the token', async () => {
    await page.goto(hub.loginUrl)
    assert.equal(page.url(), `${hub.url}/`)
    const cookie = (await context.cookies()).find((candidate) => candidate.name === 'localhub_token')
    assert.ok(cookie, 'the login cookie is set')
    assert.equal(cookie.httpOnly, true)
    assert.equal(cookie.sameSite, 'Strict')
    assert.equal(
      await page.evaluate(() => document.cookie.includes('localhub_token')),
      false,
      'scripts cannot read it',
    )
    await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor()
  })

  test('a chat message streams in, with its citation and the session state from the live stream', async () => {
    await page.goto(`${hub.url}/#/chat`)
    await page.getByLabel('Message').fill('What is the launch code of project Nebula?')
    await page.getByLabel('Message').press('Enter')
    const answer = page.getByTestId('message-assistant').last()
    // While tokens arrive: part of the answer is shown and the session is thinking.
    await page.waitForFunction(
      (full) => {
        const bubbles = document.querySelectorAll('[data-testid="message-assistant"] p')
        const text = bubbles[bubbles.length - 1]?.textContent?.replace('▍', '') ?? ''
        return text.length > 0 && text.length < full.length && full.startsWith(text)
      },
      ANSWER,
      { polling: 'raf' },
    )
    await page.getByTestId('session-state').filter({ hasText: 'thinking' }).waitFor()
    await answer.getByText(ANSWER).waitFor()
    await answer.getByTestId('citation').filter({ hasText: 'nebula.md' }).waitFor()
    await page.getByTestId('session-state').filter({ hasText: 'idle' }).waitFor()
    await screenshot(page, 'dashboard-chat')
  })

  test('the turn shows as a timeline of its pipeline steps with time to first token', async () => {
    await page.getByRole('link', { name: 'timeline of this turn' }).last().click()
    await page.getByTestId('waterfall').waitFor()
    const steps = await page.getByTestId('timeline-step').allInnerTexts()
    assert.ok(steps.length >= 3, `several pipeline steps (${steps.join(' | ')})`)
    assert.ok(steps.some((step) => /\bdone\b/.test(step)))
    assert.match(await page.getByTestId('ttft').innerText(), /^\d+(\.\d+)? m?s$/)
    await screenshot(page, 'dashboard-timeline')
  })

  test('events appear grouped by channel, ephemeral ones marked, filterable by type pattern', async () => {
    await page.goto(`${hub.url}/#/events`)
    await page.getByRole('tab', { name: /^text/ }).waitFor()
    await page.getByRole('tab', { name: /^ops/ }).waitFor()
    await hub.bus.publish({ type: 'llm.token', source: 'test', payload: { text: 'live only', seq: 0 } })
    await page.getByLabel('Type pattern').fill('llm.token')
    // Broadcast payloads are redacted as the catalog says: the token's text arrives as a hash and length.
    const token = page.locator('.event-row[data-type="llm.token"]').filter({ hasText: '(9 chars, hashed)' })
    assert.equal(await token.locator('abbr').innerText(), 'eph', 'an ephemeral event is marked as such')
    await page.getByLabel('Type pattern').fill('chat.>')
    await page.locator('.event-row[data-type="chat.query"]').first().waitFor()
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('.event-row')).every((row) =>
        row.getAttribute('data-type')?.startsWith('chat.'),
      ),
    )
    assert.match(await page.locator('.event-row[data-type="chat.query"] .seq').first().innerText(), /^#\d+$/)
    await page.getByLabel('Type pattern').fill('bad..pattern')
    await page.getByRole('alert').filter({ hasText: 'Not a type pattern' }).waitFor()
    await page.getByLabel('Type pattern').fill('turn.end')
    await page.locator('.event-row[data-type="turn.end"]').first().click()
    await page.getByRole('complementary', { name: 'Selected event' }).waitFor()
    await page.getByLabel('Type pattern').fill('')
    await screenshot(page, 'dashboard-events')
  })

  test('pause and resume lose no stored event and show none twice (resume from the last seq)', async () => {
    await page.goto(`${hub.url}/#/events`)
    await page.getByLabel('Type pattern').fill('ui.notify')
    await page.getByTestId('stream-status').filter({ hasText: 'live' }).waitFor()
    assert.ok(eventSockets.size > 0, 'the live stream is open before the pause')
    await page.getByRole('button', { name: 'Pause' }).click()
    await page.getByTestId('stream-status').filter({ hasText: 'paused' }).waitFor()
    // Pausing closes the live stream: once the socket is closed nothing can reach the page.
    for (const socket of [...eventSockets]) if (!socket.isClosed()) await socket.waitForEvent('close')
    for (let index = 0; index < 5; index++) {
      await hub.bus.publish({
        type: 'ui.notify',
        source: 'test',
        payload: { title: `while paused ${index}` },
      })
    }
    assert.equal(eventSockets.size, 0, 'no live stream is open while paused')
    assert.equal(
      await page.locator('.event-row[data-type="ui.notify"]').count(),
      0,
      'nothing arrives while paused',
    )
    await page.getByRole('button', { name: 'Resume' }).click()
    await page.waitForFunction(
      () => document.querySelectorAll('.event-row[data-type="ui.notify"]').length >= 5,
    )
    await hub.bus.publish({ type: 'ui.notify', source: 'test', payload: { title: 'after resume' } })
    await page.waitForFunction(
      () => document.querySelectorAll('.event-row[data-type="ui.notify"]').length >= 6,
    )
    const titles = await page.locator('.event-row[data-type="ui.notify"] .summary').allInnerTexts()
    assert.equal(titles.length, 6, `each event once: ${titles.join(' | ')}`)
    for (let index = 0; index < 5; index++)
      assert.ok(titles.some((title) => title.includes(`while paused ${index}`)))
    await page.getByLabel('Type pattern').fill('')
  })

  test('nudges from ui.nudge events take feedback, and the interruptibility switch emits ui.interruptibility', async (t) => {
    // Whether this hub lets a logged-in client publish (POST /events): the dashboard's own events need it.
    const probe = await fetch(`${hub.url}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'ui.interruptibility', source: 'test', payload: { mode: 'available' } }),
    })
    const accepts = probe.status === 200
    const refusal = accepts ? '' : ((await probe.json()) as { error: { message: string } }).error.message
    await page.goto(`${hub.url}/#/nudges`)
    await hub.bus.publish({
      type: 'ui.nudge',
      source: 'test',
      payload: {
        proposalId: 'proposal-1',
        channel: 'dashboard_only',
        title: 'Stand up and stretch',
        severity: 'low',
      },
    })
    const nudge = page.getByTestId('nudge').filter({ hasText: 'Stand up and stretch' })
    await nudge.waitFor()
    await nudge.getByRole('button', { name: /^Helpful/ }).click()
    await page.getByRole('radio', { name: 'Focus' }).click()
    await screenshot(page, 'dashboard-nudges')
    if (!accepts) {
      // The page must show the hub's answer, not pretend it worked.
      await nudge.getByRole('status').filter({ hasText: refusal }).waitFor()
      await page.getByRole('alert').filter({ hasText: refusal }).waitFor()
      assert.equal(
        await page.getByRole('radio', { name: 'Focus' }).isChecked(),
        false,
        'the switch shows what the hub accepted',
      )
      t.todo(
        `POST /events refuses the dashboard (${probe.status}: ${refusal}); feedback cannot reach the log yet`,
      )
      return
    }
    await nudge.getByRole('status').filter({ hasText: 'marked helpful' }).waitFor()
    const feedback = await storedOfType(hub, 'ui.feedback')
    assert.ok(
      feedback.some((event) => event.payload.target === 'proposal-1' && event.payload.helpful === true),
    )
    await page.locator('.segmented label.on').filter({ hasText: 'Focus' }).waitFor()
    const modes = await storedOfType(hub, 'ui.interruptibility')
    assert.equal(modes.at(-1)?.payload.mode, 'focus')
  })

  test('approve a pending write and see it in the ledger; deny another and the file stays as it was', async () => {
    const workspace = join(data.path, 'workspace')
    const ask = async (path: string, content: string) => {
      const response = await fetch(`${hub.url}/tools/write_file`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ params: { path, content } }),
      })
      const body = (await response.json()) as { data: { status: string } }
      assert.equal(body.data.status, 'pending')
    }
    await ask('notes.md', 'approved text\n')
    await ask('other.md', 'denied text\n')
    await page.goto(`${hub.url}/#/approvals`)
    const cards = page.getByTestId('approval')
    const approveCard = cards.filter({ hasText: 'notes.md' })
    await approveCard.filter({ hasText: 'approved text' }).waitFor({ timeout: UI_TIMEOUT_MS })
    await screenshot(page, 'dashboard-approvals')
    await approveCard.getByRole('button', { name: 'Approve' }).click()
    await approveCard.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS })
    assert.equal(readFileSync(join(workspace, 'notes.md'), 'utf8'), 'approved text\n')
    const denyCard = cards.filter({ hasText: 'other.md' })
    await denyCard.getByLabel('Reason').fill('not this one')
    await denyCard.getByRole('button', { name: 'Deny' }).click()
    await denyCard.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS })
    assert.equal(readFileSync(join(workspace, 'other.md'), 'utf8'), 'keep me\n')
    await page.goto(`${hub.url}/#/ledger`)
    await page
      .getByTestId('ledger-entry')
      .filter({ hasText: 'write_file' })
      .first()
      .waitFor({ timeout: UI_TIMEOUT_MS })
    await screenshot(page, 'dashboard-ledger')
  })

  test('health lists the skills and plots the metrics', async () => {
    await page.goto(`${hub.url}/#/health`)
    await page.getByTestId('skill-row').first().waitFor()
    await page.getByTestId('metric').first().waitFor()
    assert.ok((await page.getByTestId('metric').count()) >= 3)
    await screenshot(page, 'dashboard-health')
  })

  test('a narrow window still shows the views and the list', async () => {
    const narrow = await context.newPage()
    try {
      await narrow.setViewportSize({ width: 390, height: 800 })
      await narrow.goto(`${hub.url}/#/events`)
      await narrow.locator('.event-row').first().waitFor({ timeout: UI_TIMEOUT_MS })
      const width = await narrow.evaluate(() => document.documentElement.scrollWidth)
      assert.ok(width <= 400, `no sideways scrolling (${width}px)`)
      await screenshot(narrow, 'dashboard-narrow')
    } finally {
      await narrow.close()
    }
  })
})
