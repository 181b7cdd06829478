// The dashboard shows this hub or the federation (decision 1642): a root and two hubs (desk, laptop)
// on real nats-servers started by `localhub nats up` and joined as leafnodes (TLS), a `localhub
// serve` on each, and the desk's dashboard in Debian's Chromium switched between "This hub" and
// "All hubs". The kernel serves both over the same API: GET /events and WS /ws/events with
// ?scope=federation, every event naming its hub.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { WebSocket } from 'ws'
import { ensureDashboardBuilt, hasChromium, launchBrowser, screenshot } from '../kit/browser.ts'
import { type HubProcess, startHubProcess } from '../kit/hub-process.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { natsFederation } from '../kit/nats-federation.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitForAsync } from '../kit/wait-for.ts'

const SECRET = 'a-home-secret-for-the-federation-dashboard'
const UI_TIMEOUT_MS = 20_000

interface Event {
  id: string
  type: string
  seq?: number
  sessionId?: string
  hubId?: string
}

describe('the dashboard shows one hub or the federation', {
  skip: hasChromium() ? false : 'chromium is not installed (bash scripts/setup-system.sh)',
  timeout: 180_000,
}, () => {
  const temp = makeTempDir('localhub-federation-dashboard-')
  let ollama: FakeOllamaServer
  const hubs: Record<string, HubProcess> = {}
  let browser: Browser
  let page: Page

  const federation = natsFederation(temp.path, SECRET)
  const { data, localhub, stateOf } = federation

  async function api<T>(hub: HubProcess, path: string): Promise<{ status: number; body: T }> {
    const response = await fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${hub.token}` } })
    return { status: response.status, body: (await response.json()) as T }
  }

  async function chat(hub: HubProcess, text: string, sessionId: string): Promise<void> {
    const response = await fetch(`${hub.url}/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text, sessionId }),
    })
    assert.equal(response.status, 200)
    await response.text()
  }

  before(async () => {
    const built = ensureDashboardBuilt()
    ollama = await startOllamaServer({ models: ['tiny'], reply: () => 'Hello from a hub.' })
    const { leafPort } = await federation.upRoot(['desk', 'laptop'])
    for (const id of ['desk', 'laptop']) await federation.upHub(id, `nats-leaf://127.0.0.1:${leafPort}`)
    const [desk, laptop] = await Promise.all(
      ['desk', 'laptop'].map((id) =>
        startHubProcess(data(id), [
          '--bus',
          stateOf(id, `hub-${id}`).url,
          '--hub-id',
          id,
          '--ollama-host',
          ollama.url,
          '--model',
          'tiny',
        ]),
      ),
    )
    hubs.desk = desk!
    hubs.laptop = laptop!
    await built
    browser = await launchBrowser()
    page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage()
    page.setDefaultTimeout(UI_TIMEOUT_MS)
  })
  after(async () => {
    await browser?.close()
    await Promise.allSettled(Object.values(hubs).map((hub) => hub.stop()))
    await federation.downAll(['root', 'desk', 'laptop'])
    await ollama?.close()
    temp.remove()
  })

  test('GET /events?scope=federation has both hubs, each event naming its hub; the hub scope has only its own', async () => {
    await chat(hubs.desk!, 'Hello desk', 'fed-desk-1')
    await chat(hubs.laptop!, 'Hello laptop', 'fed-laptop-1')
    let federated: Event[] = []
    await waitForAsync(
      async () => {
        const { status, body } = await api<{ data: Event[] }>(
          hubs.desk!,
          '/events?scope=federation&limit=1000',
        )
        assert.equal(status, 200)
        federated = body.data
        return ['fed-desk-1', 'fed-laptop-1'].every((session) =>
          federated.some((event) => event.type === 'turn.end' && event.sessionId === session),
        )
      },
      'both hubs’ turns in the federation view',
      30_000,
    )
    assert.ok(federated.every((event) => event.hubId === 'desk' || event.hubId === 'laptop'))
    for (const event of federated.filter((item) => item.sessionId === 'fed-laptop-1'))
      assert.equal(event.hubId, 'laptop')
    // Each event keeps the seq it has on its own hub.
    const own = (await api<{ data: Event[] }>(hubs.desk!, '/events?limit=1000')).body.data
    const bySeq = new Map(own.map((event) => [event.id, event.seq]))
    for (const event of federated.filter((item) => item.hubId === 'desk'))
      assert.equal(event.seq, bySeq.get(event.id), `seq of ${event.type}`)
    assert.ok(
      own.every((event) => event.sessionId !== 'fed-laptop-1'),
      'the desk log holds no laptop event',
    )
    const health = (
      await api<{
        data?: { bus: { hubId?: string; federation?: boolean } }
        bus?: { hubId?: string; federation?: boolean }
      }>(hubs.desk!, '/health')
    ).body
    const bus = health.data?.bus ?? health.bus
    assert.deepEqual([bus?.hubId, bus?.federation], ['desk', true])
    // Bad input is refused with the parameter named.
    for (const [query, parameter] of [
      ['scope=everything', 'scope'],
      ['scope=federation&from=1', 'from'],
      ['scope=federation&limit=0', 'limit'],
      ['scope=federation&filter=a..b', 'filter'],
    ] as const) {
      const { status, body } = await api<{ error: { code: string; details?: { parameter?: string } } }>(
        hubs.desk!,
        `/events?${query}`,
      )
      assert.equal(status, 400, query)
      assert.equal(body.error.details?.parameter, parameter, query)
    }
  })

  test('WS /ws/events?scope=federation sends the newest events, then new ones of every hub as they come', async (t) => {
    const url = `${hubs.desk!.url.replace('http', 'ws')}/ws/events?scope=federation&backlog=50&token=${encodeURIComponent(hubs.desk!.token)}`
    const socket = new WebSocket(url)
    t.after(() => socket.close())
    const received: Event[] = []
    socket.on('message', (data) => received.push(JSON.parse(String(data)) as Event))
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
    })
    await waitForAsync(async () => received.length >= 50, 'the backlog of 50', 15_000)
    assert.equal(new Set(received.map((event) => event.id)).size, received.length, 'no event twice')
    await chat(hubs.laptop!, 'Over the socket', 'fed-laptop-ws')
    await chat(hubs.desk!, 'Over the socket', 'fed-desk-ws')
    await waitForAsync(
      async () =>
        ['laptop', 'desk'].every((hub) =>
          received.some(
            (event) =>
              event.type === 'turn.end' && event.hubId === hub && event.sessionId === `fed-${hub}-ws`,
          ),
        ),
      'both new turns over the socket',
      20_000,
    )
  })

  test('in Chromium the switch shows this hub only, then all hubs live, each row naming its hub', async () => {
    await page.goto(`${hubs.desk!.url}/?token=${encodeURIComponent(hubs.desk!.token)}`)
    await page.goto(`${hubs.desk!.url}/#/events`)
    const switcher = page.getByTestId('scope-switch')
    await switcher.getByRole('button', { name: 'This hub (desk)' }).waitFor()
    await page.locator('.event-row[data-hub="desk"]').first().waitFor()
    assert.equal(await page.locator('.event-row[data-hub="laptop"]').count(), 0, 'this hub: no laptop event')
    await screenshot(page, 'federation-this-hub')

    await switcher.getByRole('button', { name: 'All hubs' }).click()
    assert.equal(
      await switcher.getByRole('button', { name: 'All hubs' }).getAttribute('aria-pressed'),
      'true',
    )
    await page.locator('.event-row[data-hub="laptop"]').first().waitFor()
    await page.locator('.event-row[data-hub="desk"]').first().waitFor()
    assert.equal(
      await page.locator('.event-row[data-hub="laptop"] [data-testid="event-hub"]').first().innerText(),
      'laptop',
    )

    // Live: a turn on the laptop appears in the desk's dashboard while it shows all hubs.
    await chat(hubs.laptop!, 'Live from the laptop', 'fed-laptop-live')
    // Only the turn ends, so every row is on screen (the list renders the rows in view).
    await page.getByLabel('Type pattern').fill('turn.end')
    await page.locator('.event-row[data-hub="laptop"][data-type="turn.end"]').nth(1).waitFor()
    const ends = await page
      .locator('.event-row[data-type="turn.end"]')
      .evaluateAll((rows) => rows.map((row) => (row as unknown as { dataset: { hub: string } }).dataset.hub))
    assert.ok(ends.filter((hub) => hub === 'laptop').length >= 2 && ends.includes('desk'), ends.join(','))
    await screenshot(page, 'federation-all-hubs')

    // The timeline's recent turns come from the same list: laptop turns are named by their hub.
    await page.goto(`${hubs.desk!.url}/#/timeline`)
    await page
      .getByRole('navigation', { name: 'Recent turns' })
      .getByText(/laptop · fed-laptop-live/)
      .waitFor()

    await page.goto(`${hubs.desk!.url}/#/events`)
    await switcher.getByRole('button', { name: 'This hub (desk)' }).click()
    await page.getByLabel('Type pattern').fill('turn.end')
    await page.locator('.event-row[data-hub="desk"]').first().waitFor()
    await waitForAsync(
      async () => (await page.locator('.event-row[data-hub="laptop"]').count()) === 0,
      'the laptop rows gone in the hub view',
      UI_TIMEOUT_MS,
    )
  })

  test('with the root away the federation view says so (503, WS 1011); this hub’s own view still answers', async () => {
    await localhub(['nats', 'down', '--data', data('root')])
    const { status, body } = await api<{ error: { code: string; message: string } }>(
      hubs.desk!,
      '/events?scope=federation',
    )
    assert.equal(status, 503)
    assert.equal(body.error.code, 'E_DEPENDENCY_UNAVAILABLE')
    assert.match(body.error.message, /root/)
    const socket = new WebSocket(
      `${hubs.desk!.url.replace('http', 'ws')}/ws/events?scope=federation&token=${encodeURIComponent(hubs.desk!.token)}`,
    )
    const [code, reason] = await new Promise<[number, string]>((resolve) =>
      socket.once('close', (closeCode, closeReason) => resolve([closeCode, String(closeReason)])),
    )
    assert.equal(code, 1011)
    assert.match(reason, /root/)
    const own = await api<{ data: Event[] }>(hubs.desk!, '/events?limit=5')
    assert.equal(own.status, 200)
    assert.equal(own.body.data.length, 5)
  })
})
