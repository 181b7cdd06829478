// The dashboard's Timers view in Debian's Chromium: the scheduler's jobs with their next run from
// GET /timers, a timer added from the form and removed again through the same API.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Page } from 'playwright-core'
import type { RunningHub } from '../../src/kernel/index.ts'
import { hasChromium, screenshot } from '../kit/browser.ts'
import { openDashboardHub } from '../kit/dashboard-hub.ts'
import { schedulerSkill } from '../kit/manifest-hub.ts'

const MANIFEST = `manifestVersion: "0.2"
system: { id: timers-dashboard, name: "timers", mode: local-first }
skills:
${schedulerSkill([
  'heartbeatEverySec: 3600',
  'timers:',
  '  - { id: standup, kind: cron, spec: "0 9 * * 1-5", timezone: Europe/Berlin, event: cron.triggered, name: "Daily standup" }',
])}
  - id: skill.proactive.triage
    version: "0.2"
    role: "attention-manager"
    transport: { type: inproc, module: proactive }
    provides: [nudge.proposal, nudge.dispatch]
    consumes: []
    latencyClass: hybrid
pipelines:
  - id: pipeline.proactive.nudge
    steps:
      - { recv: "event.>" }
      - { call: "skill.proactive.triage" }
`

interface TimerRow {
  id: string
  kind: string
  spec: string
  nextAt: string | null
  source: string
}

describe('the Timers view in Chromium', {
  skip: hasChromium() ? false : 'chromium is not installed (bash scripts/setup-system.sh)',
  timeout: 180_000,
}, () => {
  let hub: RunningHub
  let page: Page
  let close = async () => {}

  before(async () => {
    ;({ hub, page, close } = await openDashboardHub(MANIFEST, {
      tempPrefix: 'localhub-timers-ui-',
      pageTimeoutMs: 15_000,
    }))
  })
  after(() => close())

  const listed = async (): Promise<TimerRow[]> => {
    const response = await fetch(`${hub.url}/timers`, { headers: { authorization: `Bearer ${hub.token}` } })
    return ((await response.json()) as { data: TimerRow[] }).data
  }

  test('lists each timer with its next run, and adds and removes one', async () => {
    await page.goto(hub.loginUrl)
    await page.goto(`${hub.url}/#/timers`)
    await page.getByRole('heading', { name: 'Timers' }).waitFor()
    const rows = page.locator('[data-testid="timer"]')
    await rows.nth(1).waitFor()
    const api = await listed()
    const shown = await rows.evaluateAll((elements) =>
      elements.map((element) => ({
        id: element.getAttribute('data-timer-id'),
        next: element.querySelector('[data-testid="timer-next"]')?.getAttribute('data-next-at'),
      })),
    )
    assert.deepEqual(
      shown.sort((a, b) => String(a.id).localeCompare(String(b.id))),
      api
        .map((timer) => ({ id: timer.id, next: timer.nextAt ?? '' }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    )
    assert.deepEqual(api.map((timer) => timer.id).sort(), ['heartbeat', 'standup'])
    assert.match(await rows.filter({ hasText: 'standup' }).innerText(), /Daily standup[\s\S]*0 9 \* \* 1-5/)
    // Manifest timers can be fired but not removed here.
    assert.equal(await page.getByRole('button', { name: 'Remove standup' }).count(), 0)

    await page.locator('input[name="timer-id"]').fill('tea')
    await page.locator('input[name="timer-schedule"]').fill('25m')
    await page.getByRole('button', { name: 'Add timer' }).click()
    await page.locator('[data-timer-id="tea"]').waitFor()
    const tea = (await listed()).find((timer) => timer.id === 'tea')
    assert.deepEqual(
      { kind: tea?.kind, spec: String(tea?.spec), source: tea?.source },
      { kind: 'interval', spec: '1500000', source: 'added' },
    )
    assert.ok(Date.parse(tea!.nextAt!) > Date.now() + 20 * 60_000, 'the next run is 25 minutes away')
    await screenshot(page, 'dashboard-timers')

    await page.getByRole('button', { name: 'Remove tea' }).click()
    await page.locator('[data-timer-id="tea"]').waitFor({ state: 'detached' })
    assert.deepEqual((await listed()).map((timer) => timer.id).sort(), ['heartbeat', 'standup'])
  })
})
