import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import type { HubError } from '../contracts/index.ts'
import { CapabilityRegistry } from './capability-registry.ts'
import { resolveFederationOptions } from './federation-options.ts'
import { manifestOf } from './federation-test-kit.ts'
import { resolvePlan } from './resolver.ts'
import { compileScenario, type ScenarioRequest } from './scenario-compile.ts'
import { checkScenarioValue, loadScenarioFile } from './scenario-load.ts'
import type { Scenario } from './scenario-types.ts'

const NOW = Date.parse('2026-01-01T00:00:00Z')
const TS = new Date(NOW).toISOString()
const config = resolveFederationOptions()
const EXAMPLES = join(import.meta.dirname, '../../examples/scenarios')

type Manifest = Record<string, unknown>

function registryOf(manifests: Manifest[]): CapabilityRegistry {
  const registry = new CapabilityRegistry()
  for (const payload of manifests) registry.apply({ type: 'registry.capability.announced', ts: TS, payload })
  return registry
}

function placements(scenario: Scenario, manifests: Manifest[], request: ScenarioRequest = {}) {
  const { plan, routing } = compileScenario(scenario, request)
  const bindings = resolvePlan(plan, registryOf(manifests), config, NOW, { routing })
  return Object.fromEntries(bindings.map((binding) => [binding.stepId, binding.agent]))
}

function refusal(run: () => unknown): HubError {
  try {
    run()
  } catch (error) {
    return error as HubError
  }
  assert.fail('expected a refusal')
}

const inline = (value: Record<string, unknown>): Scenario => {
  const checked = checkScenarioValue({ scenario: 'inline', version: 1, ...value })
  assert.ok(checked.ok, checked.ok ? '' : JSON.stringify(checked.issues))
  return checked.scenario
}

// The agents of a home: a hub, a media-server member, a TV member on a metered link, a browser.
// Members score higher on prio than the hub, so each placement below comes from the rules.
const HUB = manifestOf('agent://hub/main', [
  { id: 'nlu.interpret', prio: 60 },
  { id: 'tts', prio: 50, outputs: ['wav'] },
  { id: 'ui.render.audio', prio: 50, inputs: ['wav'] },
  { id: 'media.search', prio: 95 },
  { id: 'media.playback', prio: 40, outputs: ['hls'] },
  { id: 'ui.render.video', prio: 40, inputs: ['hls'] },
])
const M1 = manifestOf('agent://member/m1', [
  { id: 'nlu.interpret', prio: 90 },
  { id: 'tts', prio: 90, outputs: ['wav'] },
  { id: 'ui.render.audio', prio: 90, inputs: ['wav'] },
  { id: 'media.search', prio: 70, tags: ['server'] },
  { id: 'media.playback', prio: 70, outputs: ['hls', 'dash'], tags: ['server'] },
  { id: 'ui.render.video', prio: 60, inputs: ['hls'] },
])
const TV = manifestOf('agent://member/tv', [
  { id: 'media.playback', prio: 99, outputs: ['hls'], tags: ['network:metered'] },
  { id: 'ui.render.video', prio: 80, inputs: ['hls'] },
])
const BROWSER = manifestOf('agent://browser/b1', [
  { id: 'ui.render.audio', prio: 99, inputs: ['wav'] },
  { id: 'ui.render.video', prio: 50, inputs: ['hls', 'mp4'] },
])

describe('the three playbooks, compiled and resolved', () => {
  test('all-on-hub: every step on the hub; the hub gone, a member; neither, never a browser', async () => {
    const scenario = await loadScenarioFile(join(EXAMPLES, 'all-on-hub.yaml'))
    assert.deepEqual(placements(scenario, [HUB, M1, BROWSER]), {
      interpret: 'agent://hub/main',
      execute: 'agent://hub/main',
      render: 'agent://hub/main',
    })
    assert.deepEqual(placements(scenario, [M1, BROWSER]), {
      interpret: 'agent://member/m1',
      execute: 'agent://member/m1',
      render: 'agent://member/m1',
    })
    const noMember = manifestOf('agent://member/m1', [
      { id: 'nlu.interpret' },
      { id: 'tts', outputs: ['wav'] },
    ])
    const error = refusal(() => placements(scenario, [noMember, BROWSER]))
    assert.equal(error.code, 'E_DEPENDENCY_UNAVAILABLE')
    assert.equal(error.details?.stepId, 'render')
    assert.deepEqual(error.details?.refused, { excluded: 0, policy: 0, format: 0, fallback: 1 })
    assert.match(error.message, /the scenario's rules refused 1 \(fallback 1\)/)
  })

  test('all-on-member: m1 (the addressed skill) runs everything; m1 gone, the hub', async () => {
    const scenario = await loadScenarioFile(join(EXAMPLES, 'all-on-member.yaml'))
    assert.deepEqual(placements(scenario, [HUB, M1, TV, BROWSER]), {
      find: 'agent://member/m1',
      stream: 'agent://member/m1',
      display: 'agent://member/m1',
    })
    assert.deepEqual(placements(scenario, [HUB, TV, BROWSER]), {
      find: 'agent://hub/main',
      stream: 'agent://hub/main',
      display: 'agent://hub/main',
    })
  })

  test('hub input, member execution, browser display; no browser: a member screen; no server: forbid says why', async () => {
    const scenario = await loadScenarioFile(join(EXAMPLES, 'hub-input-member-exec-browser-display.yaml'))
    assert.deepEqual(placements(scenario, [HUB, M1, TV, BROWSER]), {
      interpret: 'agent://hub/main',
      find: 'agent://member/m1',
      stream: 'agent://member/m1',
      display: 'agent://browser/b1',
    })
    // The browser went away: display falls back to a member (the TV scores above m1), never the hub.
    assert.deepEqual(placements(scenario, [HUB, M1, TV]).display, 'agent://member/tv')
    // The media server went away: the hub can find, but only the metered TV could stream.
    const hubWithoutPlayback = manifestOf('agent://hub/main', [
      { id: 'nlu.interpret' },
      { id: 'media.search' },
    ])
    const error = refusal(() => placements(scenario, [hubWithoutPlayback, TV, BROWSER]))
    assert.equal(error.code, 'E_DEPENDENCY_UNAVAILABLE')
    assert.equal(error.details?.stepId, 'stream')
    assert.deepEqual(error.details?.refused, { excluded: 0, policy: 0, format: 0, forbid: 1 })
  })
})

describe('scenario rules', () => {
  const steps = [{ id: 'show', need: 'capability://ui.render.video' }]

  test('forbid by agent, kind and tag; per step; a forbid that empties everything is E_DEPENDENCY_UNAVAILABLE', () => {
    const all = [HUB, M1, TV, BROWSER]
    assert.equal(
      placements(inline({ steps, routing: { forbid: { agents: ['agent://member/tv'] } } }), all).show,
      'agent://member/m1',
    )
    assert.equal(
      placements(inline({ steps, routing: { forbid: { kinds: ['member'] } } }), all).show,
      'agent://browser/b1',
    )
    const everything = inline({
      steps,
      routing: { forbid: { steps: { 'ui.render.video': { kinds: ['hub', 'member', 'browser'] } } } },
    })
    const error = refusal(() => placements(everything, all))
    assert.equal(error.code, 'E_DEPENDENCY_UNAVAILABLE')
    assert.equal(error.details?.refused && (error.details.refused as Record<string, number>).forbid, 4)
  })

  test('overrides: pin holds the step to its agent or fails; pin_if_available falls back to scoring', () => {
    const pin = inline({ steps, overrides: [{ step: 'show', agent: 'agent://hub/main' }] })
    assert.equal(placements(pin, [HUB, M1, TV]).show, 'agent://hub/main')
    const error = refusal(() => placements(pin, [M1, TV]))
    assert.deepEqual(error.details?.refused, { excluded: 0, policy: 0, format: 0, override: 2 })
    const soft = inline({
      steps,
      overrides: [{ step: 'ui.render.video', agent: 'agent://hub/main', mode: 'pin_if_available' }],
    })
    assert.equal(placements(soft, [HUB, M1, TV]).show, 'agent://hub/main')
    assert.equal(placements(soft, [M1, TV]).show, 'agent://member/tv')
  })

  test('resolved again: a step stays on its agent unless a better-ranked one is back', () => {
    const soft = inline({
      steps,
      overrides: [{ step: 'show', agent: 'agent://hub/main', mode: 'pin_if_available' }],
    })
    const { plan, routing } = compileScenario(soft)
    const pinned = new Map([['show', 'agent://member/m1']])
    // m1 is still valid and TV scores higher, but the plan keeps m1 (no score noise)...
    const stays = resolvePlan(plan, registryOf([M1, TV]), config, NOW, { routing, pinned })
    assert.equal(stays[0]?.agent, 'agent://member/m1')
    // ...until the pinned agent of the scenario is back: it ranks first, so the step moves to it.
    const moves = resolvePlan(plan, registryOf([HUB, M1, TV]), config, NOW, { routing, pinned })
    assert.equal(moves[0]?.agent, 'agent://hub/main')
  })

  test('an addressedSkill override pins the steps needing that capability to the addressed agent', () => {
    const find = [{ id: 'find', need: 'capability://media.search' }]
    const pinned = inline({ steps: find, overrides: [{ addressedSkill: true }] })
    const request = { addressedSkill: 'skill://member/m1/media.search' }
    assert.equal(placements(pinned, [HUB, M1], request).find, 'agent://member/m1')
    const error = refusal(() => placements(pinned, [HUB], request))
    assert.deepEqual(error.details?.refused, { excluded: 0, policy: 0, format: 0, override: 1 })
    // Without an addressed skill in the request or the scenario, the override pins nothing.
    assert.equal(placements(pinned, [HUB, M1]).find, 'agent://hub/main')
  })

  test('a forbid wins over a pin', () => {
    const both = inline({
      steps,
      routing: { forbid: { kinds: ['hub'] } },
      overrides: [{ step: 'show', agent: 'agent://hub/main', mode: 'pin_if_available' }],
    })
    assert.equal(placements(both, [HUB, M1, TV]).show, 'agent://member/tv')
  })

  test('step formats: an agent that cannot take the step inputs is refused', () => {
    const mp4 = inline({ steps: [{ ...steps[0], inputs: ['mp4'] }] })
    assert.equal(placements(mp4, [HUB, M1, TV, BROWSER]).show, 'agent://browser/b1')
    const error = refusal(() => placements(mp4, [HUB, M1, TV]))
    assert.deepEqual(error.details?.refused, { excluded: 0, policy: 0, format: 0, step_format: 3 })
  })

  test("a request's steps and hints win; the scenario's policies, residency and forbid still apply", () => {
    const routingOnly = inline({
      defaults: { policies: ['no-metered'], dataResidency: 'local' },
      routing: { prefer: { 'ui.render.video': 'hub' }, forbid: { agents: ['agent://member/m1'] } },
    })
    const compiled = compileScenario(routingOnly, {
      steps,
      policies: ['low-cost'],
      dataResidency: 'cloud-ok',
    })
    assert.deepEqual(compiled.plan.policies, ['low-cost', 'no-metered'])
    assert.equal(compiled.plan.dataResidency, 'local')
    assert.equal(compiled.plan.steps[0]?.prefer, 'hub')
    assert.equal(compiled.plan.scenario, 'inline')
    assert.equal(placements(routingOnly, [HUB, M1, TV], { steps }).show, 'agent://hub/main')
    // The request's own hint beats the scenario's.
    assert.equal(
      placements(routingOnly, [HUB, M1, TV, BROWSER], {
        steps: [{ ...steps[0], prefer: 'browser' }],
      } as ScenarioRequest).show,
      'agent://browser/b1',
    )
    const error = refusal(() => compileScenario(routingOnly, {}))
    assert.equal(error.code, 'E_VALIDATION')
  })

  test('a plan naming a scenario without its compiled rules is refused', () => {
    const error = refusal(() => resolvePlan({ steps, scenario: 'x' }, registryOf([HUB]), config, NOW))
    assert.equal(error.code, 'E_VALIDATION')
  })
})
