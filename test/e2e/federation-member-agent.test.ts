// Issue 16, a paired device runs a federation agent with its own member token (decisions 2014,
// 2015): a real hub process (HTTP, SQLite), a device paired with the pairing client, the example
// agent (examples/federation-agent/run-agent.ts) as a child process with the member token. A plan
// the member resolves with `member:self` runs on its agent; the member cannot announce `hub:*` or
// another device's agent, nor start or report another agent's step; once the owner revokes the
// peer its heartbeats are 401, its lease runs out and its running step moves to the other agent.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createHubClient, type LiveTail } from '../../src/client/index.ts'
import type { StoredEnvelope } from '../../src/contracts/index.ts'
import { generateDispatchKeyPair, openGrant } from '../../src/federation-agent/index.ts'
import { pairWithHub } from '../../src/pairing/index.ts'
import { type AgentProcess, startAgentProcess as startAgent } from '../kit/federation-agent-process.ts'
import { type HubProcess, startHubProcess } from '../kit/hub-process.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitFor } from '../kit/wait-for.ts'

const HEARTBEAT_MS = 300
const TTL_MS = 1200
/** Waits on a shared, loaded test machine: generous, a passing run takes milliseconds. */
const STEP_WAIT_MS = 10_000
const PEER = 'laptop'
const MINE = `agent://member/${PEER}`
const BACKUP = 'agent://hub/backup'

// biome-ignore lint/suspicious/noExplicitAny: answers and payloads are arbitrary JSON read field by field
type Json = any

describe('a paired device runs a federation agent with its member token', { timeout: 180_000 }, () => {
  const temp = makeTempDir('localhub-federation-member-')
  const agents: AgentProcess[] = []
  const seen: StoredEnvelope[] = []
  let hub: HubProcess
  let tail: LiveTail
  let memberToken = ''
  const backupKeyPath = join(temp.path, 'backup-key.pem')
  const backupKeys = generateDispatchKeyPair()

  async function call(method: string, path: string, body?: unknown, token = hub.token) {
    const response = await fetch(`${hub.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: response.status, body: (await response.json()) as Json }
  }

  async function startAgentProcess(spec: Json, token: string, env: Record<string, string> = {}) {
    const agent = await startAgent(spec, {
      hubUrl: hub.url,
      token,
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
  const phases = (agent: AgentProcess, planId: string, phase: string) =>
    agent.lines.filter((line) => line.planId === planId && line.phase === phase)

  async function finished(planId: string, timeoutMs = 20_000): Promise<Json> {
    await waitFor(
      () => events('exec.plan.finished', planId).length > 0,
      `plan ${planId} to finish`,
      timeoutMs,
    )
    return events('exec.plan.finished', planId)[0]?.payload
  }

  let mine: AgentProcess
  let backup: AgentProcess

  before(async () => {
    hub = await startHubProcess(join(temp.path, 'hub'), [], {
      OLLAMA_HOST: 'http://127.0.0.1:9',
      LOCALHUB_PAIRING_TTL_MS: '30000',
    })
    tail = createHubClient({ url: hub.url, token: hub.token }).tail({ filter: '>' })
    await tail.opened
    ;(async () => {
      for await (const event of tail) seen.push(event)
    })().catch(() => undefined)
    // The device pairs with the pairing client; the owner approves when it waits.
    const paired = await pairWithHub({
      hubUrl: hub.url,
      peerId: PEER,
      dataDir: join(temp.path, 'device'),
      pollMs: 250,
      timeoutMs: 20_000,
      onWaiting: (pairingId) => {
        call('POST', `/pairing/${pairingId}/approve`).then(
          (approved) => assert.equal(approved.status, 200, JSON.stringify(approved.body)),
          (error: unknown) => process.stderr.write(`approve failed: ${error}\n`),
        )
      },
    })
    memberToken = paired.token
    writeFileSync(backupKeyPath, backupKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, {
      mode: 0o600,
    })
    const capabilities = (prio: number) => [
      { id: 'capability://media.playback', prio, outputs: ['hls'], output: { url: 'hls://x' } },
      { id: 'capability://media.transcode', prio, delayMs: 60_000 },
    ]
    mine = await startAgentProcess({ agent: MINE, load: 0, capabilities: capabilities(50) }, memberToken)
    backup = await startAgentProcess(
      { agent: BACKUP, load: 0, capabilities: capabilities(40).map((item) => ({ ...item, delayMs: 100 })) },
      hub.token,
      { LOCALHUB_AGENT_KEY: backupKeyPath },
    )
  })

  after(async () => {
    tail?.close()
    for (const agent of agents) if (agent.child.exitCode === null) agent.child.kill('SIGKILL')
    await hub?.stop()
    temp.remove()
  })

  test('the member lists the registry, and its member:self plan runs on its own agent and reports', async () => {
    const registry = await call('GET', '/registry', undefined, memberToken)
    assert.equal(registry.status, 200, JSON.stringify(registry.body))
    const listed = registry.body.data.agents.find((agent: Json) => agent.agent === MINE)
    assert.equal(listed?.dispatched, true)
    const answer = await call(
      'POST',
      '/resolve',
      {
        planId: 'member-self',
        steps: [{ id: 'play', need: 'capability://media.playback', prefer: 'member:self' }],
        slots: { title: 'Inception' },
      },
      memberToken,
    )
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    assert.equal(answer.body.data.dispatched, true)
    assert.equal(answer.body.data.bindings[0].agent, MINE)
    const done = await finished('member-self')
    assert.equal(done.status, 'completed', JSON.stringify(done))
    assert.equal(done.outputs.play.by, MINE)
    assert.deepEqual(done.outputs.play.slots, { title: 'Inception' })
    // The agent prints its line once the hub answered the report, maybe after the tail saw the finish.
    await waitFor(
      () => phases(mine, 'member-self', 'completed').length === 1,
      'the member agent’s report line',
      STEP_WAIT_MS,
    )
    assert.equal(phases(mine, 'member-self', 'started').length, 1, mine.output())
    const accepted = events('exec.step.accepted', 'member-self')
    assert.equal(accepted.length, 1)
    // The owner's member:self has no device to name.
    const owner = await call('POST', '/resolve', {
      steps: [{ id: 'play', need: 'capability://media.playback', prefer: 'member:self' }],
    })
    assert.equal(owner.status, 422)
    assert.match(JSON.stringify(owner.body.error), /paired device/)
  })

  test('the member may not announce or heartbeat hub:* or another device’s agent', async () => {
    const manifest = (agent: string, kind: string) => ({
      agent,
      kind,
      capabilities: [{ id: 'capability://media.playback', prio: 99 }],
      availability: { status: 'up', ttlMs: 10_000 },
      telemetry: { load: 0 },
    })
    for (const [agent, kind] of [
      ['agent://hub/x', 'hub'],
      ['agent://member/desk', 'member'],
      ['agent://member/laptop-2', 'member'],
    ] as const) {
      const refused = await call('POST', '/registry/announce', manifest(agent, kind), memberToken)
      assert.equal(refused.status, 403, JSON.stringify(refused.body))
      assert.equal(refused.body.error.code, 'E_PERMISSION_REQUIRED')
      assert.equal(refused.body.error.details.agent, agent)
      assert.match(refused.body.error.message, new RegExp(agent.replace(/[/.]/g, '\\$&')))
    }
    const beat = await call(
      'POST',
      '/registry/heartbeat',
      { agent: BACKUP, status: 'up', ttlMs: 10_000, telemetry: { load: 0 } },
      memberToken,
    )
    assert.equal(beat.status, 403)
    assert.equal(beat.body.error.details.agent, BACKUP)
    // Nor can it write the registry's own records through POST /events.
    const forged = await call(
      'POST',
      '/events',
      { type: 'registry.capability.announced', source: 'x', payload: manifest('agent://hub/x', 'hub') },
      memberToken,
    )
    assert.equal(forged.status, 403)
    // The registry.announce command over the bus, sent through POST /events, is checked the same way.
    const command = await call(
      'POST',
      '/events',
      { type: 'registry.announce', source: 'laptop', payload: manifest('agent://hub/bus-x', 'hub') },
      memberToken,
    )
    assert.equal(command.status, 200, JSON.stringify(command.body))
    const answered = () =>
      seen.find(
        (event) =>
          event.type === 'registry.announce.result' &&
          (event.payload as Json).error?.details?.agent === 'agent://hub/bus-x',
      )
    await waitFor(() => answered() !== undefined, 'the refusal of the bus announce', STEP_WAIT_MS)
    const refusal = answered()?.payload as Json
    assert.equal(refusal?.error?.code, 'E_PERMISSION_REQUIRED')
    const listed = await call('GET', '/registry')
    assert.equal(
      listed.body.data.agents.some((agent: Json) =>
        ['agent://hub/x', 'agent://hub/bus-x', 'agent://member/desk'].includes(agent.agent),
      ),
      false,
    )
  })

  test('an unpaired member owns no agent; without the grants, GET /registry and POST /resolve are 403', async () => {
    const created = await call('POST', '/principals', { role: 'member', name: 'tablet' })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const { principal, token } = created.body.data
    const announce = await call(
      'POST',
      '/registry/announce',
      {
        agent: `agent://member/${principal.id}`,
        kind: 'member',
        capabilities: [{ id: 'capability://media.playback' }],
        availability: { status: 'up', ttlMs: 10_000 },
        telemetry: { load: 0 },
      },
      token,
    )
    assert.equal(announce.status, 403)
    assert.deepEqual(announce.body.error.details.allowed, [])
    const custom = await call('POST', '/principals', {
      role: 'custom',
      publish: ['timer.tick'],
      subscribe: ['timer.>'],
    })
    const customToken = custom.body.data.token
    const registry = await call('GET', '/registry', undefined, customToken)
    assert.equal(registry.status, 403)
    assert.equal(registry.body.error.details.type, 'registry.capability.announced')
    const resolve = await call(
      'POST',
      '/resolve',
      { steps: [{ id: 'play', need: 'capability://media.playback' }] },
      customToken,
    )
    assert.equal(resolve.status, 403)
    assert.equal(resolve.body.error.details.type, 'resolve.request')
  })

  test('a step leased to another agent: the member can neither start it nor report for it', async () => {
    const answer = await call('POST', '/resolve', {
      planId: 'theirs',
      steps: [{ id: 'play', need: 'capability://media.playback', prefer: 'hub:backup' }],
    })
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    await waitFor(
      () => events('exec.step.dispatched', 'theirs').length > 0,
      'the dispatch to the backup agent',
      STEP_WAIT_MS,
    )
    const dispatch = events('exec.step.dispatched', 'theirs')[0]?.payload as Json
    assert.equal(dispatch.agent, BACKUP)
    // The test holds the backup agent's key, so it has a genuine token of that lease.
    const token = openGrant(dispatch.grant, backupKeys, dispatch.leaseId)
    const start = await call('POST', '/exec', { token, stepId: 'play' }, memberToken)
    assert.equal(start.status, 403, JSON.stringify(start.body))
    assert.equal(start.body.error.details.reason, 'agent_not_owned')
    assert.equal(start.body.error.details.agent, BACKUP)
    const report = await call(
      'POST',
      '/exec/report',
      { token, stepId: 'play', ok: true, output: {} },
      memberToken,
    )
    assert.equal(report.status, 403, JSON.stringify(report.body))
    assert.equal(report.body.error.details.agent, BACKUP)
    const done = await finished('theirs')
    assert.equal(done.status, 'completed')
    assert.equal(done.outputs.play.by, BACKUP, 'the result is the backup agent’s, not the member’s')
  })

  test('revoking the peer: heartbeats are 401, its lease runs out, its running step moves', async () => {
    const answer = await call(
      'POST',
      '/resolve',
      {
        planId: 'revoked',
        steps: [{ id: 'cut', need: 'capability://media.transcode', prefer: 'member:self' }],
      },
      memberToken,
    )
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    await waitFor(
      () => phases(mine, 'revoked', 'started').length === 1,
      'the member agent to start the step',
      STEP_WAIT_MS,
    )
    const revoked = await call('DELETE', `/pairing/peers/${PEER}`)
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body))
    const beat = await call(
      'POST',
      '/registry/heartbeat',
      { agent: MINE, status: 'up', ttlMs: TTL_MS, telemetry: { load: 0 } },
      memberToken,
    )
    assert.equal(beat.status, 401)
    const started = Date.now()
    await waitFor(
      () => events('route.changed', 'revoked').length > 0,
      'the step to move off the revoked device',
      TTL_MS + 5_000,
    )
    const moved = events('route.changed', 'revoked')[0]?.payload as Json
    assert.equal(moved.fromAgent, MINE)
    assert.equal(moved.toAgent, BACKUP)
    assert.equal(moved.reason, 'lease_expired')
    assert.ok(Date.now() - started < TTL_MS + 5_000)
    assert.ok(
      seen.some((event) => event.type === 'registry.lease.expired' && (event.payload as Json).agent === MINE),
    )
    const done = await finished('revoked')
    assert.equal(done.status, 'completed', JSON.stringify(done))
    assert.equal(done.outputs.cut.by, BACKUP)
    // The agent prints its line once the hub answered the report, maybe after the tail saw the finish.
    await waitFor(
      () => phases(backup, 'revoked', 'completed').length === 1,
      'the backup agent’s report line',
      STEP_WAIT_MS,
    )
    assert.equal(phases(backup, 'revoked', 'started').length, 1)
  })
})
