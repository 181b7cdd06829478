// Issue 16, dispatch and failover across processes: a real hub process on a real nats-server, and
// member agents as separate processes (examples/federation-agent/run-agent.ts, the localhub/agent
// runtime). A plan is dispatched to the preferred agent; it is killed with SIGKILL mid-step; its
// lease runs out, the step moves (route.changed) and runs exactly once on the other agent; the
// killed agent's token is refused. Then seed 001's three playbooks (the shipped scenario files)
// run end to end. The hub's nats-server is a leafnode of a root (`localhub nats up`).
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createHubClient, type LiveTail } from '../../src/client/index.ts'
import type { StoredEnvelope } from '../../src/contracts/index.ts'
import { checkScenarioText, scenarioResolveBody } from '../../src/federation/index.ts'
import { generateDispatchKeyPair, openGrant, type SealedGrant } from '../../src/federation-agent/index.ts'
import { type AgentProcess, startAgentProcess as startAgent } from '../kit/federation-agent-process.ts'
import { type HubProcess, startHubProcess } from '../kit/hub-process.ts'
import { natsFederation } from '../kit/nats-federation.ts'
import { requireNatsServer } from '../kit/nats-server.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitFor } from '../kit/wait-for.ts'

const PLAYBOOKS = fileURLToPath(new URL('../../examples/scenarios/', import.meta.url))
const HEARTBEAT_MS = 300
const TTL_MS = 1200
/** The kill is noticed when the lease runs out: TTL after the last heartbeat, plus scheduling slack. */
const FAILOVER_BOUND_MS = TTL_MS + 2500

// Answers and payloads are arbitrary JSON read field by field.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = any

describe('federation dispatch across processes', { timeout: 240_000 }, () => {
  const temp = makeTempDir('localhub-federation-dispatch-')
  const agents: AgentProcess[] = []
  // The hub's nats-server is a leafnode of a root, as `localhub nats up` sets up a home (docs/nats.md).
  const nats = natsFederation(temp.path, 'federation-dispatch-secret')
  let hub: HubProcess
  let tail: LiveTail
  const seen: StoredEnvelope[] = []

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${hub.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: response.status, body: await response.json() }
  }

  async function startAgentProcess(spec: Json, env: Record<string, string> = {}): Promise<AgentProcess> {
    const agent = await startAgent(spec, {
      hubUrl: hub.url,
      token: hub.token,
      folder: temp.path,
      heartbeatMs: HEARTBEAT_MS,
      ttlMs: TTL_MS,
      env,
    })
    agents.push(agent)
    return agent
  }

  const events = (type: string, planId: string) =>
    seen.filter((event) => event.type === type && (event.payload as Json).planId === planId)
  const started = (agent: AgentProcess, planId: string, stepId: string) =>
    agent.lines.filter((line) => line.phase === 'started' && line.planId === planId && line.stepId === stepId)
      .length

  async function finished(planId: string, timeoutMs = 20_000): Promise<Json> {
    await waitFor(
      () => events('exec.plan.finished', planId).length > 0,
      `plan ${planId} to finish`,
      timeoutMs,
    )
    return events('exec.plan.finished', planId)[0]?.payload
  }

  before(async () => {
    requireNatsServer()
    const { leafPort } = await nats.upRoot(['fed'])
    const { state } = await nats.upHub('fed', `nats-leaf://127.0.0.1:${leafPort}`)
    hub = await startHubProcess(nats.data('fed'), ['--bus', state.url, '--hub-id', 'fed'], {
      OLLAMA_HOST: 'http://127.0.0.1:9',
    })
    // One tail of everything: route.changed is session-ordered, exec.* is not.
    tail = createHubClient({ url: hub.url, token: hub.token }).tail({ filter: '>' })
    await tail.opened
    ;(async () => {
      for await (const event of tail) seen.push(event)
    })().catch(() => undefined)
  })

  after(async () => {
    tail?.close()
    for (const agent of agents) if (agent.child.exitCode === null) agent.child.kill('SIGKILL')
    await hub?.stop()
    await nats.downAll(['fed', 'root'])
    temp.remove()
  })

  test('kill -9 mid-step: the step moves within the lease TTL and runs once on the other agent; the stale token is refused', async () => {
    const keys = generateDispatchKeyPair()
    const keyPath = join(temp.path, 'fast-key.pem')
    writeFileSync(keyPath, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, {
      mode: 0o600,
    })
    const capability = { id: 'capability://media.playback', outputs: ['hls'] }
    const fast = await startAgentProcess(
      { agent: 'agent://member/fast', load: 0, capabilities: [{ ...capability, prio: 90, delayMs: 60_000 }] },
      { LOCALHUB_AGENT_KEY: keyPath },
    )
    const slow = await startAgentProcess({
      agent: 'agent://member/slow',
      load: 0,
      capabilities: [{ ...capability, prio: 40, delayMs: 100, output: { url: 'https://slow/m.m3u8' } }],
    })
    const resolved = await call('POST', '/resolve', {
      planId: 'failover-1',
      steps: [{ id: 'play', need: 'capability://media.playback' }],
      startupSlaMs: 5000,
      sessionId: 'failover-session',
    })
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body))
    assert.equal(resolved.body.data.dispatched, true)
    assert.equal(resolved.body.data.bindings[0].agent, 'agent://member/fast')
    assert.equal(resolved.body.data.bindings[0].execToken, undefined, 'the token goes to the agent only')
    await waitFor(
      () => started(fast, 'failover-1', 'play') === 1,
      'the preferred agent to start the step',
      15_000,
    )
    const killedAt = Date.now()
    fast.child.kill('SIGKILL')
    await waitFor(
      () => events('route.changed', 'failover-1').length > 0,
      'route.changed',
      FAILOVER_BOUND_MS + 5000,
    ).catch(async (error: Error) => {
      const logged = await call('GET', '/events?filter=%3E&limit=1000')
      const types = (logged.body.data as Json[])
        .map((event) => `${event.type}:${JSON.stringify(event.payload).slice(0, 120)}`)
        .filter((type) => !type.startsWith('skill'))
      throw new Error(`${error.message}; the hub logged ${types.join('\n')}\n${fast.output()}`)
    })
    const movedAfterMs = Date.now() - killedAt
    const change = events('route.changed', 'failover-1')[0] as StoredEnvelope
    assert.deepEqual(
      {
        from: (change.payload as Json).fromAgent,
        to: (change.payload as Json).toAgent,
        reason: (change.payload as Json).reason,
        degraded: (change.payload as Json).degraded,
      },
      { from: 'agent://member/fast', to: 'agent://member/slow', reason: 'lease_expired', degraded: false },
    )
    assert.equal(change.sessionId, 'failover-session')
    assert.ok(
      movedAfterMs <= FAILOVER_BOUND_MS,
      `moved ${movedAfterMs} ms after the kill (bound ${FAILOVER_BOUND_MS})`,
    )
    const outcome = await finished('failover-1')
    assert.equal(outcome.status, 'completed')
    assert.equal(outcome.outputs.play.by, 'agent://member/slow')
    assert.equal(started(slow, 'failover-1', 'play'), 1, 'the other agent ran the step once')
    const completed = events('exec.step.completed', 'failover-1')
    assert.equal(completed.length, 1)
    assert.equal((completed[0]?.payload as Json | undefined)?.agent, 'agent://member/slow')
    // The killed agent comes back with its key: its token opens, and is refused for start and report.
    const first = events('exec.step.dispatched', 'failover-1').find(
      (event) => (event.payload as Json).agent === 'agent://member/fast',
    )
    const payload = first?.payload as Json
    const staleToken = openGrant(payload.grant as SealedGrant, keys, payload.leaseId)
    const restart = await call('POST', '/exec', { token: staleToken, stepId: 'play' })
    assert.equal(restart.status, 403)
    assert.equal(restart.body.error.details.reason, 'used')
    const late = await call('POST', '/exec/report', {
      token: staleToken,
      stepId: 'play',
      ok: true,
      output: { late: true },
    })
    assert.equal(late.status, 403)
    assert.equal(late.body.error.details.reason, 'stale')
    assert.equal(events('exec.step.completed', 'failover-1').length, 1, 'the late result was not recorded')
    slow.child.kill('SIGKILL')
  })

  describe('seed 001 playbooks (examples/scenarios) through dispatch', () => {
    let hubAgent: AgentProcess
    let member: AgentProcess
    let browser: AgentProcess

    before(async () => {
      ;[hubAgent, member, browser] = await Promise.all([
        startAgentProcess({
          agent: 'agent://hub/home',
          // Every agent runs on this one machine: a fixed load keeps the scores about prio and rules.
          load: 0,
          capabilities: [
            { id: 'capability://nlu.interpret', prio: 60, output: { intent: 'media.find_and_show' } },
            { id: 'capability://tts', prio: 60, outputs: ['pcm'], output: { audio: 'pcm://hub/1' } },
            { id: 'capability://ui.render.audio', prio: 60, inputs: ['pcm'], output: { played: true } },
            { id: 'capability://media.search', prio: 50, output: { id: 'hub-1' } },
          ],
        }),
        startAgentProcess({
          agent: 'agent://member/m1',
          load: 0,
          capabilities: [
            { id: 'capability://nlu.interpret', prio: 70, output: { intent: 'media.find_and_show' } },
            { id: 'capability://tts', prio: 70, outputs: ['pcm'], output: { audio: 'pcm://m1/1' } },
            { id: 'capability://ui.render.audio', prio: 70, inputs: ['pcm'], output: { played: true } },
            { id: 'capability://media.search', prio: 85, tags: ['server'], output: { id: 'm-42' } },
            {
              id: 'capability://media.playback',
              prio: 90,
              tags: ['server'],
              outputs: ['hls', 'dash'],
              output: { hls: 'https://m1/m-42.m3u8' },
            },
            { id: 'capability://ui.render.video', prio: 30, inputs: ['hls'], output: { shown: 'tv' } },
          ],
        }),
        startAgentProcess({
          agent: 'agent://browser/tab1',
          load: 0,
          capabilities: [
            { id: 'capability://ui.render.video', prio: 95, inputs: ['hls', 'mp4'], output: { shown: true } },
          ],
        }),
      ])
    })

    after(() => {
      for (const agent of [hubAgent, member, browser]) agent?.child.kill('SIGKILL')
    })

    /** The shipped playbook file, sent inline as a person's `localhub scenario run FILE` does. */
    function playbook(name: string): Json {
      const checked = checkScenarioText(readFileSync(join(PLAYBOOKS, `${name}.yaml`), 'utf8'))
      assert.ok(checked.ok, JSON.stringify(checked))
      return checked.scenario
    }

    async function runPlan(body: Json): Promise<{ bindings: Json[]; outcome: Json }> {
      const resolved = await call('POST', '/resolve', body)
      assert.equal(resolved.status, 200, JSON.stringify(resolved.body))
      assert.equal(resolved.body.data.dispatched, true)
      return { bindings: resolved.body.data.bindings, outcome: await finished(body.planId) }
    }

    const placements = (bindings: Json[]) => bindings.map((binding) => [binding.stepId, binding.agent])

    test('all on the hub: every step runs on the hub, though the member scores higher', async () => {
      const { bindings, outcome } = await runPlan(
        scenarioResolveBody(playbook('all-on-hub'), { planId: 'all-on-hub' }),
      )
      assert.deepEqual(placements(bindings), [
        ['interpret', 'agent://hub/home'],
        ['execute', 'agent://hub/home'],
        ['render', 'agent://hub/home'],
      ])
      assert.equal(outcome.status, 'completed')
      assert.equal(outcome.outputs.render.by, 'agent://hub/home')
      assert.deepEqual(outcome.outputs.render.inputs.execute.audio, 'pcm://hub/1')
      // Without the scenario the same step goes to the member, whose capability scores higher.
      const control = await runPlan({
        planId: 'all-on-hub-control',
        steps: [{ id: 'interpret', need: 'capability://nlu.interpret' }],
      })
      assert.equal(control.bindings[0].agent, 'agent://member/m1')
    })

    test('all on a member: m1 finds, streams and displays, though a browser offers the display', async () => {
      const { bindings, outcome } = await runPlan(
        scenarioResolveBody(playbook('all-on-member'), {
          planId: 'all-on-member',
          slots: { title: 'Inception' },
        }),
      )
      assert.deepEqual(placements(bindings), [
        ['find', 'agent://member/m1'],
        ['stream', 'agent://member/m1'],
        ['display', 'agent://member/m1'],
      ])
      assert.equal(outcome.status, 'completed')
      assert.equal(outcome.outputs.stream.inputs.find.id, 'm-42')
      assert.deepEqual(outcome.outputs.find.slots, { title: 'Inception' })
      assert.equal(started(browser, 'all-on-member', 'display'), 0)
    })

    test('hub input, member execution, browser display: the member’s HLS link reaches the browser', async () => {
      const planId = 'hub-member-browser'
      const { bindings, outcome } = await runPlan(
        scenarioResolveBody(playbook('hub-input-member-exec-browser-display'), { planId }),
      )
      assert.deepEqual(placements(bindings), [
        ['interpret', 'agent://hub/home'],
        ['find', 'agent://member/m1'],
        ['stream', 'agent://member/m1'],
        ['display', 'agent://browser/tab1'],
      ])
      assert.deepEqual(bindings[3].inputs, [{ from: 'stream', formats: ['hls'] }])
      assert.equal(outcome.status, 'completed')
      assert.equal(outcome.outputs.display.by, 'agent://browser/tab1')
      assert.equal(outcome.outputs.display.inputs.stream.hls, 'https://m1/m-42.m3u8')
      // Each step ran once, on its own agent.
      assert.equal(started(hubAgent, planId, 'interpret'), 1)
      assert.equal(started(member, planId, 'stream'), 1)
      assert.equal(started(browser, planId, 'display'), 1)
      assert.equal(events('exec.step.completed', planId).length, 4)
    })
  })
})
