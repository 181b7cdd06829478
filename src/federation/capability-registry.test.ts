import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ManualClock } from '../../test/kit/manual-clock.ts'
import type { HubError } from '../contracts/index.ts'
import { ExecTokenSigner } from './exec-token.ts'
import { FederationService } from './federation-service.ts'
import { manifestOf, recordingBus } from './federation-test-kit.ts'

const START = Date.parse('2026-01-01T00:00:00Z')
const signer = ExecTokenSigner.generate()

async function open(stored = recordingBus().stored, clock = new ManualClock(START)) {
  const bus = recordingBus(stored)
  const service = await FederationService.open({ bus, clock, signer, options: { maxAgents: 3 } })
  return { bus, clock, service }
}

async function refusal(promise: Promise<unknown>): Promise<HubError> {
  try {
    await promise
  } catch (error) {
    return error as HubError
  }
  assert.fail('expected a refusal')
}

describe('capability registry', () => {
  test('an announce is published and listed with its lease', async () => {
    const { bus, service } = await open()
    const view = await service.announce(
      manifestOf('agent://member/plex1', [{ id: 'media.search', prio: 85 }], { ttlMs: 10_000 }),
    )
    assert.equal(view.leased, true)
    assert.equal(view.leaseExpiresAt, new Date(START + 10_000).toISOString())
    assert.deepEqual(
      bus.published.map((event) => event.type),
      ['registry.capability.announced'],
    )
    assert.deepEqual(
      service.list().agents.map((agent) => agent.agent),
      ['agent://member/plex1'],
    )
  })

  test('a bad manifest is refused with pointer, expected and got, and changes nothing', async () => {
    const { bus, service } = await open()
    await service.announce(manifestOf('agent://hub/h', [{ id: 'tts' }]))
    const bad = manifestOf('agent://member/m', [{ id: 'tts' }])
    ;(bad.capabilities as Array<Record<string, unknown>>)[0] = { id: 'Not A Capability' }
    const error = await refusal(service.announce(bad))
    assert.equal(error.code, 'E_VALIDATION')
    const issue = error.details?.issues?.[0]
    assert.equal(issue?.path, '/capabilities/0/id')
    assert.match(String(issue?.expected), /capability:/)
    assert.match(String(issue?.got), /Not A Capability/)
    assert.equal(bus.published.length, 1)
    assert.equal(service.registry.size, 1)
  })

  test('unknown keys, a kind that contradicts the URI and twice-announced capabilities are refused', async () => {
    const { service } = await open()
    const extra = { ...manifestOf('agent://member/m', [{ id: 'tts' }]), colour: 'red' }
    assert.equal((await refusal(service.announce(extra))).details?.issues?.[0]?.path, '/colour')
    const kind = { ...manifestOf('agent://member/m', [{ id: 'tts' }]), kind: 'hub' }
    assert.equal((await refusal(service.announce(kind))).details?.issues?.[0]?.path, '/kind')
    const twice = manifestOf('agent://member/m', [{ id: 'tts' }, { id: 'tts' }])
    assert.equal((await refusal(service.announce(twice))).details?.issues?.[0]?.path, '/capabilities/1/id')
    for (const hostile of [null, 'text', [], 42, { __proto__: { agent: 'x' } }]) {
      assert.equal((await refusal(service.announce(hostile))).code, 'E_VALIDATION')
    }
    assert.equal(service.registry.size, 0)
  })

  test('the registry refuses agents beyond maxAgents but lets known ones announce again', async () => {
    const { service } = await open()
    for (const id of ['a', 'b', 'c'])
      await service.announce(manifestOf(`agent://member/${id}`, [{ id: 'tts' }]))
    assert.equal(
      (await refusal(service.announce(manifestOf('agent://member/d', [{ id: 'tts' }])))).code,
      'E_RESOURCE_LIMIT',
    )
    await service.announce(manifestOf('agent://member/a', [{ id: 'stt' }]))
    assert.deepEqual(service.registry.get('agent://member/a')?.capabilities.has('capability://stt'), true)
    assert.equal(service.registry.candidates('capability://tts', START).length, 2)
  })

  test('a heartbeat renews the lease; an unknown agent or probe is refused', async () => {
    const { clock, service } = await open()
    await service.announce(manifestOf('agent://member/m', [{ id: 'tts' }], { ttlMs: 5000 }))
    clock.advance(4000)
    const view = await service.heartbeat({
      agent: 'agent://member/m',
      status: 'up',
      ttlMs: 5000,
      telemetry: { load: 0.5 },
    })
    assert.equal(view.leaseExpiresAt, new Date(START + 9000).toISOString())
    assert.equal(view.load, 0.5)
    assert.equal(
      (await refusal(service.heartbeat({ agent: 'agent://member/x', status: 'up', ttlMs: 5000 }))).code,
      'E_BAD_REQUEST',
    )
    const probe = await refusal(
      service.heartbeat({
        agent: 'agent://member/m',
        status: 'up',
        ttlMs: 5000,
        probes: [{ capability: 'capability://stt', ok: true }],
      }),
    )
    assert.equal(probe.details?.issues?.[0]?.path, '/probes/0/capability')
  })

  test('a failed probe takes that capability out until a probe succeeds', async () => {
    const { service } = await open()
    await service.announce(
      manifestOf('agent://member/m', [{ id: 'tts', probe: 'GET /health' }, { id: 'stt' }]),
    )
    const beat = (ok: boolean) => ({
      agent: 'agent://member/m',
      status: 'up',
      ttlMs: 5000,
      probes: [{ capability: 'capability://tts', ok, latencyMs: 12 }],
    })
    await service.heartbeat(beat(false))
    assert.equal(service.registry.candidates('capability://tts', START).length, 0)
    const shown = service.list().agents[0]?.capabilities.find((item) => item.id === 'capability://tts')
    assert.deepEqual(shown, {
      id: 'capability://tts',
      probe: 'GET /health',
      probeOk: false,
      probeLatencyMs: 12,
    })
    assert.equal(service.registry.candidates('capability://stt', START).length, 1)
    await service.heartbeat(beat(true))
    assert.equal(service.registry.candidates('capability://tts', START).length, 1)
  })

  test('a lease without heartbeat expires on the injected clock, once, with an event', async () => {
    const { bus, clock, service } = await open()
    await service.announce(manifestOf('agent://member/m', [{ id: 'tts' }], { ttlMs: 2000 }))
    clock.advance(1999)
    await service.sweep()
    assert.equal(service.registry.candidates('capability://tts', clock.now()).length, 1)
    clock.advance(1)
    // The clock's timer started the sweep; wait for its publish.
    await service.sweep()
    const expired = bus.published.filter((event) => event.type === 'registry.lease.expired')
    assert.equal(expired.length, 1)
    assert.deepEqual(expired[0]?.payload, {
      agent: 'agent://member/m',
      expiredAt: new Date(START + 2000).toISOString(),
      lastSeenAt: new Date(START).toISOString(),
    })
    assert.equal(service.registry.candidates('capability://tts', clock.now()).length, 0)
    clock.advance(10_000)
    await service.sweep()
    assert.equal(bus.published.filter((event) => event.type === 'registry.lease.expired').length, 1)
    await service.heartbeat({ agent: 'agent://member/m', status: 'up', ttlMs: 2000 })
    assert.equal(service.registry.candidates('capability://tts', clock.now()).length, 1)
    await service.close()
  })

  test('a restarted registry replays manifests and expiries; heartbeats were not stored', async () => {
    const first = await open()
    await first.service.announce(manifestOf('agent://member/m', [{ id: 'tts', prio: 70 }], { ttlMs: 2000 }))
    await first.service.announce(manifestOf('agent://hub/h', [{ id: 'tts' }], { ttlMs: 600_000 }))
    first.clock.advance(1000)
    await first.service.heartbeat({ agent: 'agent://member/m', status: 'up', ttlMs: 2000 })
    first.clock.advance(2500)
    await first.service.sweep()
    await first.service.close()
    const clock = new ManualClock(first.clock.now())
    const again = await open(first.bus.stored, clock)
    assert.deepEqual(
      again.service.list().agents.map((agent) => [agent.agent, agent.leased]),
      [
        ['agent://hub/h', true],
        ['agent://member/m', false],
      ],
    )
    assert.equal(
      again.service.registry.get('agent://member/m')?.capabilities.get('capability://tts')?.prio,
      70,
    )
    // The expiry was replayed, so it is not published a second time.
    await again.service.sweep()
    assert.equal(again.bus.published.length, 0)
    await again.service.close()
  })

  test('a failed expiry publish is reported and tried again after sweepRetryMs, not in a loop', async () => {
    const clock = new ManualClock(START)
    const bus = recordingBus()
    const errors: unknown[] = []
    let failing = true
    const flaky = {
      ...bus,
      publish: async (draft: Parameters<typeof bus.publish>[0]) => {
        if (failing && draft.type === 'registry.lease.expired') throw new Error('bus away')
        return bus.publish(draft)
      },
    }
    const service = await FederationService.open({
      bus: flaky as typeof bus,
      clock,
      signer,
      options: { sweepRetryMs: 500 },
      onError: (error) => errors.push(error),
    })
    await service.announce(manifestOf('agent://member/m', [{ id: 'tts' }], { ttlMs: 1000 }))
    clock.advance(1000)
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(errors.length, 1)
    assert.equal(clock.pendingTimers, 1)
    clock.advance(499)
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(errors.length, 1)
    failing = false
    clock.advance(1)
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(bus.published.filter((event) => event.type === 'registry.lease.expired').length, 1)
    assert.equal(clock.pendingTimers, 0)
    await service.close()
  })
})
