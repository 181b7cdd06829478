// Seed 001's three playbooks (examples/scenarios) on a real hub: the manifest names the scenario
// directory (federation.scenarios), agents of kinds hub, member and browser announce over HTTP,
// and each scenario resolves by name to the placements its playbook intends; then the same
// scenario under a changed condition (an agent down, a forbid that leaves nothing). Also inline
// scenarios, refusals with pointers, the scenario.run command and a hub refusing a bad scenario file.
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, test } from 'node:test'
import { parse } from 'yaml'
import { scenarioResolveBody } from '../../src/federation/index.ts'
import { checkHubManifest, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { checkManifestText } from '../../src/manifest/index.ts'
import { callHub, openManifestHub, schedulerManifest } from '../kit/manifest-hub.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitForAsync } from '../kit/wait-for.ts'

// Answers are arbitrary JSON read field by field.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = any

const EXAMPLES = resolve(import.meta.dirname, '../../examples/scenarios')

const manifestWith = (scenarios: string) =>
  schedulerManifest(
    { id: 'scenario-hub', name: 'scenarios' },
    `federation:\n  scenarios: [${JSON.stringify(scenarios)}]\n`,
  )

function announce(hub: RunningHub, agent: string, capabilities: Json[], ttlMs = 60_000) {
  return callHub<Json>(hub, 'POST', '/registry/announce', {
    agent,
    kind: /^agent:\/\/([a-z]+)\//.exec(agent)?.[1],
    capabilities: capabilities.map((capability) => ({ ...capability, id: `capability://${capability.id}` })),
    availability: { status: 'up', ttlMs },
    telemetry: { load: 0.1 },
  })
}

async function resolved(hub: RunningHub, body: Json): Promise<Record<string, string>> {
  const answer = await callHub<Json>(hub, 'POST', '/resolve', body)
  assert.equal(answer.status, 200, JSON.stringify(answer.body))
  return Object.fromEntries(answer.body.data.bindings.map((binding: Json) => [binding.stepId, binding.agent]))
}

const down = (hub: RunningHub, agent: string) =>
  callHub<Json>(hub, 'POST', '/registry/heartbeat', { agent, status: 'down', ttlMs: 60_000 })

describe('the three playbooks on a real hub', () => {
  test('each resolves by name as its playbook intends, and under a changed condition as its rules say', async (t) => {
    const { hub } = await openManifestHub(t, manifestWith(EXAMPLES))
    // Members out-score the hub on prio: every placement below comes from the scenario's rules.
    const announced = await Promise.all([
      announce(hub, 'agent://hub/main', [
        { id: 'nlu.interpret', prio: 60 },
        { id: 'tts', prio: 50, outputs: ['wav'] },
        { id: 'ui.render.audio', prio: 50, inputs: ['wav'] },
        { id: 'media.search', prio: 95 },
        { id: 'media.playback', prio: 40, outputs: ['hls'] },
        { id: 'ui.render.video', prio: 40, inputs: ['hls'] },
      ]),
      announce(hub, 'agent://member/m1', [
        { id: 'nlu.interpret', prio: 90 },
        { id: 'tts', prio: 90, outputs: ['wav'] },
        { id: 'ui.render.audio', prio: 90, inputs: ['wav'] },
        { id: 'media.search', prio: 70, tags: ['server'] },
        { id: 'media.playback', prio: 70, outputs: ['hls', 'dash'], tags: ['server'] },
        { id: 'ui.render.video', prio: 60, inputs: ['hls'] },
      ]),
      announce(hub, 'agent://member/tv', [
        { id: 'media.playback', prio: 99, outputs: ['hls'], tags: ['network:metered'] },
        { id: 'ui.render.video', prio: 80, inputs: ['hls'] },
      ]),
      announce(hub, 'agent://browser/b1', [
        { id: 'ui.render.audio', prio: 99, inputs: ['wav'] },
        { id: 'ui.render.video', prio: 50, inputs: ['hls', 'mp4'] },
      ]),
    ])
    for (const answer of announced) assert.equal(answer.status, 200, JSON.stringify(answer.body))

    assert.deepEqual(await resolved(hub, { scenario: 'all-on-hub' }), {
      interpret: 'agent://hub/main',
      execute: 'agent://hub/main',
      render: 'agent://hub/main',
    })
    assert.deepEqual(await resolved(hub, { scenario: 'all-on-member' }), {
      find: 'agent://member/m1',
      stream: 'agent://member/m1',
      display: 'agent://member/m1',
    })
    assert.deepEqual(
      await resolved(hub, { scenario: 'hub-input-member-exec-browser-display', planId: 'film' }),
      {
        interpret: 'agent://hub/main',
        find: 'agent://member/m1',
        stream: 'agent://member/m1',
        display: 'agent://browser/b1',
      },
    )

    // The browser goes down: the film plan moves display to a member screen, with route.changed.
    assert.equal((await down(hub, 'agent://browser/b1')).status, 200)
    const moved = await callHub<Json>(hub, 'POST', '/resolve', {
      scenario: 'hub-input-member-exec-browser-display',
      planId: 'film',
    })
    assert.equal(moved.status, 200)
    assert.deepEqual(moved.body.data.routeChanges, [
      {
        stepId: 'display',
        fromAgent: 'agent://browser/b1',
        toAgent: 'agent://member/tv',
        reason: 'agent_down',
      },
    ])

    // m1 goes down: all-on-member falls back to the hub; all-on-hub is unaffected.
    assert.equal((await down(hub, 'agent://member/m1')).status, 200)
    assert.deepEqual(await resolved(hub, { scenario: 'all-on-member' }), {
      find: 'agent://hub/main',
      stream: 'agent://hub/main',
      display: 'agent://hub/main',
    })
    // The hub stops offering playback (it announces again without it): nothing but the metered TV
    // can stream now, and the scenario forbids it: a clear refusal.
    const reannounced = await announce(hub, 'agent://hub/main', [
      { id: 'nlu.interpret', prio: 60 },
      { id: 'tts', prio: 50, outputs: ['wav'] },
      { id: 'ui.render.audio', prio: 50, inputs: ['wav'] },
      { id: 'media.search', prio: 95 },
    ])
    assert.equal(reannounced.status, 200)
    const refused = await callHub<Json>(hub, 'POST', '/resolve', {
      scenario: 'hub-input-member-exec-browser-display',
    })
    assert.equal(refused.status, 503)
    assert.equal(refused.body.error.code, 'E_DEPENDENCY_UNAVAILABLE')
    assert.equal(refused.body.error.details.stepId, 'stream')
    assert.equal(refused.body.error.details.refused.forbid, 1)
    assert.match(refused.body.error.message, /the scenario's rules refused 1 \(forbid 1\)/)

    // The hub down too: all-on-hub may fall back to members only, and m1 is down.
    assert.equal((await down(hub, 'agent://hub/main')).status, 200)
    const none = await callHub<Json>(hub, 'POST', '/resolve', { scenario: 'all-on-hub' })
    assert.equal(none.body.error.code, 'E_DEPENDENCY_UNAVAILABLE')
    assert.equal(none.body.error.details.stepId, 'interpret')
  })

  test('inline scenarios, a request applying a scenario to its own steps, refusals with pointers', async (t) => {
    const { hub } = await openManifestHub(t, manifestWith(EXAMPLES))
    await announce(hub, 'agent://hub/main', [
      { id: 'nlu.interpret', prio: 10 },
      { id: 'tts', outputs: ['wav'] },
      { id: 'ui.render.audio', inputs: ['wav'] },
    ])
    await announce(hub, 'agent://member/m2', [{ id: 'nlu.interpret', prio: 90 }])
    const file = parse(readFileSync(join(EXAMPLES, 'all-on-hub.yaml'), 'utf8'))
    assert.deepEqual(
      await resolved(hub, scenarioResolveBody(file, { planId: 'inline-1', sessionId: 's1' })),
      {
        interpret: 'agent://hub/main',
        execute: 'agent://hub/main',
        render: 'agent://hub/main',
      },
    )
    // The request's steps, the scenario's routing: prefer hub wins over m2's prio.
    assert.deepEqual(
      await resolved(hub, {
        scenario: 'all-on-hub',
        steps: [{ id: 'understand', need: 'capability://nlu.interpret' }],
      }),
      { understand: 'agent://hub/main' },
    )
    const unknown = await callHub<Json>(hub, 'POST', '/resolve', { scenario: 'all-on-hubb' })
    assert.equal(unknown.status, 422)
    assert.equal(unknown.body.error.details.issues[0].path, '/scenario')
    assert.match(unknown.body.error.details.issues[0].message, /did you mean all-on-hub\?/)
    const bad = await callHub<Json>(hub, 'POST', '/resolve', {
      scenario: { ...file, steps: [{ id: 'a', need: 'capability://x', dependsOn: ['b'] }] },
    })
    assert.equal(bad.status, 422)
    assert.equal(bad.body.error.details.issues[0].path, '/scenario/steps/0/dependsOn/0')
    const badHint = await callHub<Json>(hub, 'POST', '/resolve', {
      scenario: 'all-on-hub',
      steps: [{ id: 'understand', need: 'capability://nlu.interpret', prefer: 'member:self' }],
    })
    assert.equal(badHint.status, 422)
    assert.equal(badHint.body.error.details.issues[0].path, '/steps/0/prefer')
    const wrongType = await callHub<Json>(hub, 'POST', '/resolve', { scenario: 'all-on-hub', steps: 'all' })
    assert.equal(wrongType.status, 422)
    assert.equal(wrongType.body.error.details.issues[0].path, '/steps')
    const deep = await callHub<Json>(hub, 'POST', '/resolve', {
      scenario: { scenario: 'x', version: 1, 'x-a': JSON.parse(`${'['.repeat(60)}${']'.repeat(60)}`) },
    })
    assert.equal(deep.status, 422)
  })

  test('scenario.run on the bus resolves the scenario: scenario.run.result, then scenario.completed', async (t) => {
    const { hub } = await openManifestHub(t, manifestWith(join(EXAMPLES, 'all-on-hub.yaml')))
    await announce(hub, 'agent://hub/main', [
      { id: 'nlu.interpret' },
      { id: 'tts', outputs: ['wav'] },
      { id: 'ui.render.audio', inputs: ['wav'] },
    ])
    const reply = await hub.bus.request('scenario.run', {
      scenario: 'all-on-hub',
      runId: 'r1',
      inputs: { text: 'hi' },
    })
    assert.equal(reply.type, 'scenario.run.result')
    assert.equal((reply.payload as Json).data.state, 'started')
    let completed: Json
    await waitForAsync(async () => {
      for await (const event of hub.bus.replay({ filter: 'scenario.completed' })) completed = event.payload
      return completed !== undefined
    }, 'scenario.completed')
    assert.equal(completed.outcome, 'ok')
    assert.equal(completed.runId, 'r1')
    assert.deepEqual(
      completed.outputs.bindings.map((binding: Json) => binding.agent),
      ['agent://hub/main', 'agent://hub/main', 'agent://hub/main'],
    )
    // resolve.request on the bus names the scenario; its routing applies to the steps sent.
    await announce(hub, 'agent://member/m9', [{ id: 'nlu.interpret', prio: 99 }])
    const viaBus = await hub.bus.request('resolve.request', {
      scenario: 'all-on-hub',
      steps: [{ id: 'understand', need: 'capability://nlu.interpret' }],
    })
    assert.equal(viaBus.type, 'resolve.request.result')
    assert.equal((viaBus.payload as Json).data.bindings[0].agent, 'agent://hub/main')
    const missing = await hub.bus.request('scenario.run', { scenario: 'nope', runId: 'r2' })
    assert.equal((missing.payload as Json).data.state, 'started')
    await waitForAsync(async () => {
      for await (const event of hub.bus.replay({ filter: 'scenario.completed' }))
        if ((event.payload as Json).runId === 'r2') completed = event.payload
      return completed.runId === 'r2'
    }, 'scenario.completed r2')
    assert.equal(completed.outcome, 'error')
    assert.equal(completed.error.code, 'E_VALIDATION')
  })

  test('a hub whose manifest names a bad scenario file refuses to start, with the file and line', async (t) => {
    const temp = makeTempDir('localhub-scenario-bad-')
    t.after(() => temp.remove())
    writeFileSync(
      join(temp.path, 'broken.yaml'),
      'scenario: broken\nversion: 1\nsteps:\n  - id: a\n    need: capability://a\n    dependsOn: [b]\n',
    )
    writeFileSync(join(temp.path, 'manifest.yaml'), manifestWith('broken.yaml'))
    // `localhub manifest validate` (checkHubManifest) refuses it the same way.
    await assert.rejects(checkHubManifest(join(temp.path, 'manifest.yaml')), (error: Json) => {
      assert.equal(error.details.issues[0].path, '/steps/0/dependsOn/0')
      return true
    })
    // A key of federation: that does nothing is refused by the manifest schema.
    const typo = checkManifestText(manifestWith('broken.yaml').replace('  scenarios:', '  scenario:'))
    assert.equal(typo.ok, false)
    if (!typo.ok)
      assert.match(typo.issues[0]?.message ?? '', /unknown key scenario .*did you mean scenarios\?/)
    const opening = openHub({
      dataDir: join(temp.path, 'data'),
      manifestPath: join(temp.path, 'manifest.yaml'),
      port: 0,
      transport: 'memory',
      logger: false,
    })
    await assert.rejects(opening, (error: Json) => {
      assert.equal(error.code, 'E_VALIDATION')
      assert.equal(error.details.file, join(temp.path, 'broken.yaml'))
      assert.deepEqual(
        { path: error.details.issues[0].path, line: error.details.issues[0].line },
        { path: '/steps/0/dependsOn/0', line: 6 },
      )
      return true
    })
  })
})
