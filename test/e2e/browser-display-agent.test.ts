// Seed 001's third playbook ends in the browser a person has open (decision 2050): the dashboard,
// in Debian's Chromium, is switched on as a display agent (WebCrypto X25519 key, agent://browser/
// <id>); a hub agent interprets, a member agent process (examples/federation-agent/run-agent.ts)
// finds and streams; the playbook's scenario, inline in POST /resolve, is dispatched and the
// member's HLS link appears in the page's Display card, which reports the step. Then the switch
// off (status down) and on again, and the page closed mid-plan: the display step moves to the
// member's screen (route.changed) and the plan still completes.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { createHubClient, type LiveTail } from '../../src/client/index.ts'
import type { StoredEnvelope } from '../../src/contracts/index.ts'
import { checkScenarioText, scenarioResolveBody } from '../../src/federation/index.ts'
import { type RunningAgent, startAgent } from '../../src/federation-agent/index.ts'
import type { RunningHub } from '../../src/kernel/index.ts'
import { hasChromium, screenshot } from '../kit/browser.ts'
import { openDashboardHub } from '../kit/dashboard-hub.ts'
import { callHub, schedulerManifest } from '../kit/manifest-hub.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitFor, waitForAsync } from '../kit/wait-for.ts'

const MANIFEST = schedulerManifest({ id: 'browser-display', name: 'display' })
const RUN_AGENT = fileURLToPath(new URL('../../examples/federation-agent/run-agent.ts', import.meta.url))
const PLAYBOOK = fileURLToPath(
  new URL('../../examples/scenarios/hub-input-member-exec-browser-display.yaml', import.meta.url),
)
const HLS = 'https://plex1.local/m-42.m3u8'
/** The stream step takes this long, so the page can be closed while the plan runs. */
const STREAM_DELAY_MS = 1500
const STARTUP_SLA_MS = 3000

// Answers and payloads are arbitrary JSON read field by field.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = any

describe('the dashboard as the playbook’s display agent', {
  skip: hasChromium() ? false : 'chromium is not installed (bash scripts/setup-system.sh)',
  timeout: 180_000,
}, () => {
  const temp = makeTempDir('localhub-display-agent-')
  let hub: RunningHub
  let page: Page
  let close = async () => {}
  let hubAgent: RunningAgent | undefined
  let member: ChildProcess | undefined
  let memberOutput = ''
  let tail: LiveTail | undefined
  const seen: StoredEnvelope[] = []

  const events = (type: string, planId: string) =>
    seen.filter((event) => event.type === type && (event.payload as Json).planId === planId)

  async function finished(planId: string): Promise<Json> {
    await waitFor(() => events('exec.plan.finished', planId).length > 0, `plan ${planId} to finish`, 30_000)
    return events('exec.plan.finished', planId)[0]?.payload
  }

  async function registryAgent(agent: string): Promise<Json> {
    const listed = await callHub<Json>(hub, 'GET', '/registry')
    return (listed.body.data.agents as Json[]).find((entry) => entry.agent === agent)
  }

  function resolveBody(planId: string): Json {
    const checked = checkScenarioText(readFileSync(PLAYBOOK, 'utf8'))
    if (!checked.ok) throw new Error(`the playbook does not check: ${JSON.stringify(checked.issues)}`)
    return {
      ...scenarioResolveBody(checked.scenario, { planId, slots: { title: 'Inception' } }),
      startupSlaMs: STARTUP_SLA_MS,
    }
  }

  before(async () => {
    ;({ hub, page, close } = await openDashboardHub(MANIFEST, {
      tempPrefix: 'localhub-display-ui-',
      pageTimeoutMs: 20_000,
    }))
    tail = createHubClient({ url: hub.url, token: hub.token }).tail({ filter: '>' })
    await tail.opened
    ;(async () => {
      for await (const event of tail as LiveTail) seen.push(event)
    })().catch(() => undefined)
    // The playbook's hub step runs on the hub's own agent (in this process, as the hub would).
    hubAgent = await startAgent(
      {
        agent: 'agent://hub/home',
        capabilities: [
          {
            id: 'capability://nlu.interpret',
            prio: 60,
            handler: async () => ({ intent: 'media.find_and_show' }),
          },
        ],
      },
      { hubUrl: hub.url, token: hub.token, heartbeatMs: 1000, ttlMs: 10_000, load: () => 0 },
    )
    const spec = {
      agent: 'agent://member/plex1',
      load: 0,
      capabilities: [
        { id: 'capability://media.search', prio: 85, tags: ['server'], output: { id: 'm-42' } },
        {
          id: 'capability://media.playback',
          prio: 90,
          tags: ['server'],
          outputs: ['hls', 'dash'],
          delayMs: STREAM_DELAY_MS,
          output: { hls: HLS },
        },
        // The playbook's fallback for the display: a member's screen.
        { id: 'capability://ui.render.video', prio: 10, inputs: ['hls'], output: { shown: 'plex1 screen' } },
      ],
    }
    const specPath = join(temp.path, 'plex1.json')
    writeFileSync(specPath, JSON.stringify(spec))
    member = spawn(
      process.execPath,
      ['--conditions=localhub-source', '--import', 'tsx', RUN_AGENT, specPath],
      {
        env: {
          ...process.env,
          LOCALHUB_URL: hub.url,
          LOCALHUB_TOKEN: hub.token,
          LOCALHUB_AGENT_HEARTBEAT_MS: '500',
          LOCALHUB_AGENT_TTL_MS: '5000',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    member.stdout?.on('data', (chunk) => {
      memberOutput += chunk
    })
    member.stderr?.on('data', (chunk) => {
      memberOutput += chunk
    })
    await waitFor(
      () => memberOutput.includes('"phase":"announced"') || member?.exitCode !== null,
      'the member agent to announce',
      30_000,
    )
    assert.equal(member.exitCode, null, memberOutput)
  })

  after(async () => {
    tail?.close()
    member?.kill('SIGKILL')
    await hubAgent?.close()
    await close()
    temp.remove()
  })

  let browserAgent = ''

  test('switched on, the page announces itself and shows the member’s stream; the plan completes', async () => {
    await page.goto(hub.loginUrl)
    await page.goto(`${hub.url}/#/registry`)
    await page.getByRole('heading', { name: 'Registry' }).waitFor()
    await page.getByTestId('display-switch').check()
    const state = page.getByTestId('display-state')
    await page.locator('[data-testid="display-state"][data-state="on"]').waitFor()
    // The id the page keeps in localStorage (read through the browser context: no DOM types here).
    const storage = await page.context().storageState()
    const agentId = storage.origins
      .flatMap((origin) => origin.localStorage)
      .find((entry) => entry.name === 'localhub.display.agentId')?.value
    assert.match(agentId ?? '', /^tab-[A-Za-z0-9]+$/)
    browserAgent = `agent://browser/${agentId}`
    assert.match((await state.textContent()) ?? '', new RegExp(`announced as ${browserAgent}`))
    const listed = await registryAgent(browserAgent)
    assert.equal(listed.kind, 'browser')
    assert.equal(listed.dispatched, true, 'the page announced a dispatch key')
    await page.locator(`[data-agent="${browserAgent}"]`).waitFor()

    const resolved = await callHub<Json>(hub, 'POST', '/resolve', resolveBody('film-1'))
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body))
    assert.equal(resolved.body.data.dispatched, true)
    assert.deepEqual(
      (resolved.body.data.bindings as Json[]).map((binding) => [binding.stepId, binding.agent]),
      [
        ['interpret', 'agent://hub/home'],
        ['find', 'agent://member/plex1'],
        ['stream', 'agent://member/plex1'],
        ['display', browserAgent],
      ],
    )
    const item = page.locator('[data-testid="display-item"][data-plan="film-1"]')
    await item.waitFor({ timeout: 20_000 })
    assert.equal(await item.getAttribute('data-step'), 'display')
    assert.equal(await item.locator('[data-testid="display-media"]').textContent(), `hls from stream: ${HLS}`)
    assert.equal(await item.locator('a').getAttribute('href'), HLS)
    const outcome = await finished('film-1')
    assert.equal(outcome.status, 'completed', JSON.stringify(outcome))
    assert.deepEqual(
      {
        by: outcome.outputs.display.by,
        shown: outcome.outputs.display.shown,
        formats: outcome.outputs.display.formats,
      },
      { by: browserAgent, shown: true, formats: ['hls'] },
    )
    assert.equal(outcome.outputs.stream.hls, HLS)
    const completed = events('exec.step.completed', 'film-1').map((event) => (event.payload as Json).agent)
    assert.equal(
      completed.filter((agent) => agent === browserAgent).length,
      1,
      'the page ran the display once',
    )
    await screenshot(page, 'display-agent-shown')
  })

  test('switched off the agent says down; on again it is up under the same id', async () => {
    await page.getByTestId('display-switch').uncheck()
    await waitForAsync(
      async () => (await registryAgent(browserAgent))?.status === 'down',
      'status down',
      10_000,
    )
    await page.getByTestId('display-switch').check()
    await page.locator('[data-testid="display-state"][data-state="on"]').waitFor()
    assert.match((await page.getByTestId('display-state').textContent()) ?? '', new RegExp(browserAgent))
    await waitForAsync(async () => (await registryAgent(browserAgent))?.status === 'up', 'status up', 10_000)
  })

  test('the page closed mid-plan: the display step moves to the member’s screen and the plan completes', async () => {
    const resolved = await callHub<Json>(hub, 'POST', '/resolve', resolveBody('film-2'))
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body))
    assert.equal((resolved.body.data.bindings as Json[])[3].agent, browserAgent)
    await waitFor(
      () =>
        events('exec.step.dispatched', 'film-2').some((event) => (event.payload as Json).stepId === 'stream'),
      'the stream step to be dispatched',
      15_000,
    )
    await page.close()
    // The page's last request (keepalive, on pagehide) said down.
    await waitForAsync(
      async () => (await registryAgent(browserAgent))?.status === 'down',
      'status down',
      10_000,
    )
    const outcome = await finished('film-2')
    const changes = events('route.changed', 'film-2').map((event) => event.payload as Json)
    assert.equal(changes.length, 1, JSON.stringify(changes))
    assert.equal(changes[0].stepId, 'display')
    assert.equal(changes[0].fromAgent, browserAgent)
    assert.equal(changes[0].toAgent, 'agent://member/plex1')
    assert.equal(changes[0].degraded, false)
    // Whether the display step was still waiting for the stream or already dispatched when the page
    // said down, it moves because its agent is down, not after the startup SLA.
    assert.equal(changes[0].reason, 'agent_down', changes[0].detail)
    assert.equal(outcome.status, 'completed', JSON.stringify(outcome))
    assert.equal(outcome.outputs.display.by, 'agent://member/plex1')
    assert.equal(outcome.outputs.display.inputs.stream.hls, HLS)
    const starts = events('exec.step.accepted', 'film-2')
      .map((event) => event.payload as Json)
      .filter((payload) => payload.stepId === 'display')
      .map((payload) => payload.agent)
    assert.deepEqual(starts, ['agent://member/plex1'], 'the closed page started nothing')
  })
})
