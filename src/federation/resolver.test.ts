import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import type { HubError, ResolveRequestPayload } from '../contracts/index.ts'
import { CapabilityRegistry } from './capability-registry.ts'
import { DEFAULT_SCORE_WEIGHTS, resolveFederationOptions } from './federation-options.ts'
import { manifestOf } from './federation-test-kit.ts'
import { resolvePlan } from './resolver.ts'

const NOW = Date.parse('2026-01-01T00:00:00Z')
const TS = new Date(NOW).toISOString()
const config = resolveFederationOptions()

function registryOf(...manifests: Record<string, unknown>[]): CapabilityRegistry {
  const registry = new CapabilityRegistry()
  for (const payload of manifests) registry.apply({ type: 'registry.capability.announced', ts: TS, payload })
  return registry
}

const plan = (
  steps: ResolveRequestPayload['steps'],
  extra: Partial<ResolveRequestPayload> = {},
): ResolveRequestPayload => ({ steps, ...extra })
const one = (need: string, extra: Partial<ResolveRequestPayload['steps'][number]> = {}) => [
  { id: 's', need: `capability://${need}`, ...extra },
]

function refused(run: () => unknown): HubError {
  try {
    run()
  } catch (error) {
    return error as HubError
  }
  assert.fail('expected a refusal')
}

const COSTS = { low: 0, medium: 1, high: 2 } as const

describe('resolver', () => {
  test('picks the best-scoring leased candidate, recomputed independently (property)', () => {
    const candidate = fc.record({
      prio: fc.integer({ min: 0, max: 100 }),
      prioBase: fc.integer({ min: 0, max: 100 }),
      load: fc.double({ min: 0, max: 4, noNaN: true }),
      cost: fc.constantFrom('low', 'medium', 'high'),
      ttlMs: fc.integer({ min: 1000, max: 600_000 }),
      ageMs: fc.integer({ min: 0, max: 700_000 }),
    })
    fc.assert(
      fc.property(fc.array(candidate, { minLength: 1, maxLength: 12 }), (agents) => {
        const registry = new CapabilityRegistry()
        agents.forEach((agent, index) => {
          registry.apply({
            type: 'registry.capability.announced',
            ts: new Date(NOW - agent.ageMs).toISOString(),
            payload: manifestOf(
              `agent://member/m${index}`,
              [{ id: 'x', prio: agent.prio, cost: agent.cost }],
              {
                prioBase: agent.prioBase,
                ttlMs: agent.ttlMs,
                load: agent.load,
              },
            ),
          })
        })
        const live = agents
          .map((agent, index) => ({ ...agent, name: `agent://member/m${index}` }))
          .filter((agent) => agent.ageMs < agent.ttlMs)
        const w = DEFAULT_SCORE_WEIGHTS
        const scores = live.map(
          (agent) =>
            w.prio * agent.prio + w.base * agent.prioBase - w.load * agent.load - w.cost * COSTS[agent.cost],
        )
        if (live.length === 0) {
          assert.equal(
            refused(() => resolvePlan(plan(one('x')), registry, config, NOW)).code,
            'E_DEPENDENCY_UNAVAILABLE',
          )
          return
        }
        const [binding] = resolvePlan(plan(one('x')), registry, config, NOW)
        const chosen = live.find((agent) => agent.name === binding?.agent)
        assert.ok(chosen !== undefined, 'an expired lease was chosen')
        assert.ok(Math.abs((binding?.score ?? 0) - Math.max(...scores)) < 1e-9)
      }),
      { numRuns: 300 },
    )
  })

  test('equal scores go to the first agent URI, whatever the announce order', () => {
    const registry = registryOf(
      manifestOf('agent://member/b', [{ id: 'x' }]),
      manifestOf('agent://member/a', [{ id: 'x' }]),
    )
    assert.equal(resolvePlan(plan(one('x')), registry, config, NOW)[0]?.agent, 'agent://member/a')
  })

  test('weights are configurable: a heavy load weight flips the choice', () => {
    const registry = registryOf(
      manifestOf('agent://member/busy', [{ id: 'x', prio: 90 }], { load: 0.9 }),
      manifestOf('agent://member/idle', [{ id: 'x', prio: 60 }], { load: 0 }),
    )
    assert.equal(resolvePlan(plan(one('x')), registry, config, NOW)[0]?.agent, 'agent://member/busy')
    const heavy = resolveFederationOptions({ weights: { load: 100 } })
    assert.equal(resolvePlan(plan(one('x')), registry, heavy, NOW)[0]?.agent, 'agent://member/idle')
    assert.throws(() => resolveFederationOptions({ weights: { load: -1 } }), /weights.load/)
    assert.throws(
      () => resolveFederationOptions({ weights: { speed: 1 } as never }),
      /unknown federation weight speed/,
    )
  })

  test('io formats: producer outputs ∩ consumer inputs must not be empty', () => {
    const registry = registryOf(
      manifestOf('agent://member/plex', [{ id: 'media.playback', prio: 90, outputs: ['hls', 'dash'] }]),
      manifestOf('agent://browser/old', [{ id: 'ui.render.video', prio: 99, inputs: ['mp4'] }]),
      manifestOf('agent://browser/new', [{ id: 'ui.render.video', prio: 60, inputs: ['hls', 'mp4'] }]),
    )
    const steps = [
      { id: 'stream', need: 'capability://media.playback' },
      { id: 'display', need: 'capability://ui.render.video', dependsOn: ['stream'] },
    ]
    const bindings = resolvePlan(plan(steps), registry, config, NOW)
    assert.equal(bindings[1]?.agent, 'agent://browser/new')
    assert.deepEqual(bindings[1]?.inputs, [{ from: 'stream', formats: ['hls'] }])
    const only = registryOf(
      manifestOf('agent://member/plex', [{ id: 'media.playback', outputs: ['hls'] }]),
      manifestOf('agent://browser/old', [{ id: 'ui.render.video', inputs: ['mp4'] }]),
    )
    const error = refused(() => resolvePlan(plan(steps), only, config, NOW))
    assert.equal(error.code, 'E_DEPENDENCY_UNAVAILABLE')
    assert.deepEqual(error.details?.refused, { excluded: 0, policy: 0, format: 1 })
  })

  test('steps are bound in dependency order whatever their declaration order', () => {
    const registry = registryOf(
      manifestOf('agent://hub/h', [
        { id: 'a', outputs: ['f'] },
        { id: 'b', inputs: ['f'] },
      ]),
    )
    const bindings = resolvePlan(
      plan([
        { id: 'second', need: 'capability://b', dependsOn: ['first'] },
        { id: 'first', need: 'capability://a' },
      ]),
      registry,
      config,
      NOW,
    )
    assert.deepEqual(
      bindings.map((binding) => binding.stepId),
      ['first', 'second'],
    )
  })

  test('policies: no-metered and local residency remove candidates; low-cost adds fit', () => {
    const registry = registryOf(
      manifestOf('agent://member/cell', [{ id: 'x', prio: 95, tags: ['network:metered'] }]),
      manifestOf('agent://member/cloud', [{ id: 'x', prio: 90, tags: ['residency:cloud'] }]),
      manifestOf('agent://member/home', [{ id: 'x', prio: 50 }]),
    )
    assert.equal(resolvePlan(plan(one('x')), registry, config, NOW)[0]?.agent, 'agent://member/cell')
    assert.equal(
      resolvePlan(plan(one('x'), { policies: ['no-metered'] }), registry, config, NOW)[0]?.agent,
      'agent://member/cloud',
    )
    assert.equal(
      resolvePlan(
        plan(one('x'), { policies: ['no-metered'], dataResidency: 'local' }),
        registry,
        config,
        NOW,
      )[0]?.agent,
      'agent://member/home',
    )
    const costs = registryOf(
      manifestOf('agent://member/dear', [{ id: 'x', prio: 55, cost: 'high' }]),
      manifestOf('agent://member/cheap', [{ id: 'x', prio: 50, cost: 'low' }]),
    )
    const cheapFit = resolveFederationOptions({ weights: { cost: 0, policy: 20 } })
    assert.equal(resolvePlan(plan(one('x')), costs, cheapFit, NOW)[0]?.agent, 'agent://member/dear')
    assert.equal(
      resolvePlan(plan(one('x'), { policies: ['low-cost'] }), costs, cheapFit, NOW)[0]?.agent,
      'agent://member/cheap',
    )
  })

  test('an addressed skill and prefer hints outweigh a prio gap smaller than their weight', () => {
    const registry = registryOf(
      manifestOf('agent://hub/h', [{ id: 'media.search', prio: 70 }]),
      manifestOf('agent://member/m1', [{ id: 'media.search', prio: 40, tags: ['server'] }]),
      manifestOf('agent://member/m2', [{ id: 'media.search', prio: 30 }]),
    )
    const base = resolvePlan(plan(one('media.search')), registry, config, NOW)
    assert.equal(base[0]?.agent, 'agent://hub/h')
    const addressed = plan(one('media.search'), { addressedSkill: 'skill://member/m1/media.search' })
    assert.equal(resolvePlan(addressed, registry, config, NOW)[0]?.agent, 'agent://member/m1')
    assert.equal(
      resolvePlan(plan(one('media.search', { prefer: 'member:any(tag:server)' })), registry, config, NOW)[0]
        ?.agent,
      'agent://member/m1',
    )
    assert.equal(
      resolvePlan(plan(one('media.search'), { preferAgent: 'member:m2' }), registry, config, NOW)[0]?.agent,
      'agent://member/m2',
    )
    // The step's own hint is used instead of the plan's.
    assert.equal(
      resolvePlan(
        plan(one('media.search', { prefer: 'hub' }), { preferAgent: 'member:m2' }),
        registry,
        config,
        NOW,
      )[0]?.agent,
      'agent://hub/h',
    )
    // A prefer hint is a weighted term, not a pin: a far stronger candidate still wins.
    const strong = registryOf(
      manifestOf('agent://hub/h', [{ id: 'media.search', prio: 100 }]),
      manifestOf('agent://member/m1', [{ id: 'media.search', prio: 0, tags: ['server'] }]),
    )
    assert.equal(
      resolvePlan(plan(one('media.search', { prefer: 'tag:server' })), strong, config, NOW)[0]?.agent,
      'agent://hub/h',
    )
    const addressedWeak = plan(one('media.search'), { addressedSkill: 'skill://member/m1/media.search' })
    assert.equal(resolvePlan(addressedWeak, strong, config, NOW)[0]?.agent, 'agent://member/m1')
  })

  test('a pinned step stays on its agent while it is valid', () => {
    const registry = registryOf(
      manifestOf('agent://member/best', [{ id: 'x', prio: 90 }]),
      manifestOf('agent://member/kept', [{ id: 'x', prio: 10 }]),
    )
    const pinned = new Map([['s', 'agent://member/kept']])
    assert.equal(
      resolvePlan(plan(one('x')), registry, config, NOW, { pinned })[0]?.agent,
      'agent://member/kept',
    )
    const exclude = new Map([['s', new Set(['agent://member/kept'])]])
    assert.equal(
      resolvePlan(plan(one('x')), registry, config, NOW, { pinned, exclude })[0]?.agent,
      'agent://member/best',
    )
  })

  test('bad plans are refused with pointers: duplicates, unknown or cyclic dependencies, hints, policies, scenarios', () => {
    const registry = registryOf(manifestOf('agent://hub/h', [{ id: 'x' }]))
    const cases: Array<[ResolveRequestPayload, string]> = [
      [
        plan([
          { id: 'a', need: 'capability://x' },
          { id: 'a', need: 'capability://x' },
        ]),
        '/steps/1/id',
      ],
      [plan([{ id: 'a', need: 'capability://x', dependsOn: ['zzz'] }]), '/steps/0/dependsOn/0'],
      [plan([{ id: 'a', need: 'capability://x', dependsOn: ['a'] }]), '/steps/0/dependsOn/0'],
      [
        plan([
          { id: 'a', need: 'capability://x', dependsOn: ['b'] },
          { id: 'b', need: 'capability://x', dependsOn: ['a'] },
        ]),
        '/steps',
      ],
      [plan(one('x', { prefer: 'member:self' })), '/steps/0/prefer'],
      [plan(one('x', { prefer: 'somewhere' })), '/steps/0/prefer'],
      [plan(one('x'), { policies: ['fast'] }), '/policies/0'],
      [plan(one('x'), { addressedSkill: 'member/m1' }), '/addressedSkill'],
      [plan(one('x'), { preferAgent: 'tag:' }), '/preferAgent'],
      [plan(one('x'), { scenario: 'media_server' }), '/scenario'],
    ]
    for (const [bad, path] of cases) {
      const error = refused(() => resolvePlan(bad, registry, config, NOW))
      assert.equal(error.code, 'E_VALIDATION', path)
      assert.equal(error.details?.issues?.[0]?.path, path)
    }
  })

  test('any acyclic plan binds every step after the steps it depends on (property)', () => {
    const registry = registryOf(
      manifestOf('agent://hub/h', [{ id: 'x' }]),
      manifestOf('agent://member/m', [{ id: 'x' }]),
    )
    const dag = fc.integer({ min: 1, max: 12 }).chain((size) =>
      fc.tuple(
        // Step i may depend only on steps declared before it, so the graph has no cycle …
        fc.tuple(
          ...Array.from({ length: size }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => j))),
        ),
        // … and is then declared in a shuffled order.
        fc.shuffledSubarray(
          Array.from({ length: size }, (_, i) => i),
          { minLength: size, maxLength: size },
        ),
      ),
    )
    fc.assert(
      fc.property(dag, ([dependencies, order]) => {
        const steps = order.map((i) => ({
          id: `s${i}`,
          need: 'capability://x',
          dependsOn: (dependencies[i] as number[]).map((j) => `s${j}`),
        }))
        const bindings = resolvePlan(plan(steps), registry, config, NOW)
        assert.equal(bindings.length, steps.length)
        const position = new Map(bindings.map((binding, index) => [binding.stepId, index]))
        for (const binding of bindings) {
          for (const dependency of binding.dependsOn)
            assert.ok((position.get(dependency) as number) < (position.get(binding.stepId) as number))
        }
      }),
      { numRuns: 200 },
    )
  })
})
