// The dashboard's Registry view in Debian's Chromium (issue 16: "the registry is itself events …
// visible in the dashboard"): two agents announce over HTTP and appear with kind, status, lease,
// load, rtt and capabilities with probe results; one stops heartbeating, its lease runs out, the
// hub publishes registry.lease.expired and the row's status changes without a page reload.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Page } from 'playwright-core'
import type { RunningHub } from '../../src/kernel/index.ts'
import { hasChromium, screenshot } from '../kit/browser.ts'
import { openDashboardHub } from '../kit/dashboard-hub.ts'
import { callHub, schedulerManifest } from '../kit/manifest-hub.ts'
import { waitForAsync } from '../kit/wait-for.ts'

const MANIFEST = schedulerManifest({ id: 'registry-dashboard', name: 'registry' })
/**
 * The lease of the agent that never heartbeats, in milliseconds: long enough for its row to be read
 * as "up" first (that takes well under a second), short because the test waits for all of it.
 */
const BROWSER_LEASE_MS = 4000

// Answers are arbitrary JSON read field by field.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = any

describe('the Registry view in Chromium', {
  skip: hasChromium() ? false : 'chromium is not installed (bash scripts/setup-system.sh)',
  timeout: 180_000,
}, () => {
  let hub: RunningHub
  let page: Page
  let close = async () => {}

  before(async () => {
    ;({ hub, page, close } = await openDashboardHub(MANIFEST, {
      tempPrefix: 'localhub-registry-ui-',
      pageTimeoutMs: 20_000,
    }))
  })
  after(() => close())

  test('two announced agents appear; a lease running out changes the status live', async () => {
    await page.goto(hub.loginUrl)
    await page.goto(`${hub.url}/#/registry`)
    await page.getByRole('heading', { name: 'Registry' }).waitFor()
    await page.getByText('No agent has announced itself').waitFor()

    const member = await callHub<Json>(hub, 'POST', '/registry/announce', {
      agent: 'agent://member/tv',
      kind: 'member',
      capabilities: [
        { id: 'capability://media.playback', prio: 80, outputs: ['hls'], probe: 'GET /health/playback' },
        { id: 'capability://ui.render.video', inputs: ['hls'], tags: ['screen'] },
      ],
      availability: { status: 'up', ttlMs: 600_000 },
      telemetry: { load: 0.42, rttMs: { hub: 12 } },
    })
    assert.equal(member.status, 200)
    // The browser agent's lease is short and it never heartbeats: it runs out during the test (its
    // row is read first, while the lease runs; the test then waits for the rest of it).
    const browserAgent = await callHub<Json>(hub, 'POST', '/registry/announce', {
      agent: 'agent://browser/b1',
      kind: 'browser',
      capabilities: [{ id: 'capability://ui.render.video', prio: 95, inputs: ['hls', 'mp4'] }],
      availability: { status: 'up', ttlMs: BROWSER_LEASE_MS },
    })
    assert.equal(browserAgent.status, 200)
    const beat = await callHub<Json>(hub, 'POST', '/registry/heartbeat', {
      agent: 'agent://member/tv',
      status: 'up',
      ttlMs: 600_000,
      telemetry: { load: 0.42, rttMs: { hub: 12 } },
      probes: [{ capability: 'capability://media.playback', ok: false, latencyMs: 31 }],
    })
    assert.equal(beat.status, 200, JSON.stringify(beat.body))

    const rows = page.locator('[data-testid="agent-row"]')
    await waitForAsync(async () => (await rows.count()) === 2, 'two agent rows')
    const tv = page.locator('[data-agent="agent://member/tv"]')
    const b1 = page.locator('[data-agent="agent://browser/b1"]')
    assert.equal(await b1.locator('td').nth(0).textContent(), 'browser')
    assert.equal(await b1.locator('[data-testid="agent-status"]').textContent(), 'up')
    assert.equal(await tv.locator('td').nth(0).textContent(), 'member')
    assert.equal(await tv.locator('[data-testid="agent-status"]').textContent(), 'up')
    assert.match((await tv.locator('[data-testid="agent-lease"]').textContent()) ?? '', /^\d+ s left$/)
    assert.equal(await tv.locator('td').nth(3).textContent(), '0.42')
    assert.equal(await tv.locator('td').nth(4).textContent(), 'hub 12 ms')
    const probe = tv.locator('[data-testid="capability"][data-probe="failed"]')
    assert.match(
      (await probe.textContent()) ?? '',
      /media\.playback prio 80 · out hls · probe failed in 31 ms/,
    )
    await screenshot(page, 'registry-two-agents')

    // No heartbeat: the hub's sweep publishes registry.lease.expired; the view reloads on that event
    // (or at its next 5 s poll), without a page reload.
    await b1
      .locator('[data-testid="agent-status"]', { hasText: 'lease expired' })
      .waitFor({ timeout: 25_000 })
    assert.match((await b1.locator('[data-testid="agent-lease"]').textContent()) ?? '', /^expired \d+ s ago$/)
    assert.equal(await tv.locator('[data-testid="agent-status"]').textContent(), 'up')
    const expired: Json[] = []
    for await (const event of hub.bus.replay({ filter: 'registry.lease.expired' }))
      expired.push(event.payload)
    assert.deepEqual(
      expired.map((payload) => payload.agent),
      ['agent://browser/b1'],
    )
    await screenshot(page, 'registry-lease-expired')
  })
})
