import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HubError } from '../contracts/index.ts'
import { createDialectConverter } from './index.ts'

const converter = createDialectConverter()
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T

// Seed 004's envelope, filled in with its cron.triggered payload contract.
const cronTriggered = {
  version: 'v1',
  event_id: '0195f3a2-7c1e-7cc3-9d2e-1234567890ab',
  trace_id: 'trace-7f8b',
  idempotency_key: 'cron:nightly:2026-02-13',
  occurred_at: '2026-02-13T15:30:01Z',
  event_type: 'cron.triggered',
  tenant_id: 'tenant-a',
  source: { component_type: 'cron', component_id: 'cron-main', transport: 'internal' },
  routing: { agent_id: 'main', session_id: 'sess-42', isolation_key: 'user:7', policy_tags: ['nightly'] },
  payload: {
    job_id: 'nightly',
    job_name: 'Nightly digest',
    scheduled_for: '2026-02-13T15:30:00Z',
    triggered_at: '2026-02-13T15:30:01Z',
    input: {},
    reason: 'scheduled_task',
  },
}

// A remote event after pairing carries peer identity (seed 004's processing rules).
const remoteMessage = {
  version: 'v1',
  event_id: 'msg-000123',
  trace_id: '',
  occurred_at: '2026-02-13T15:31:00+01:00',
  event_type: 'channel.message.received',
  tenant_id: 'tenant-a',
  source: {
    component_type: 'listener',
    component_id: 'discord-1',
    platform: 'discord',
    channel_id: 'c-9',
    actor_id: 'u-1',
    message_id: 'm-5',
    peer_id: 'peer-7',
    mtls_cert_fingerprint: 'sha256:ab12',
    transport: 'mtls_ws',
  },
  routing: {
    agent_id: 'main',
    session_id: '',
    target: { platform: 'discord', channel_id: 'c-9', thread_id: 't-1' },
  },
  payload: { text: 'hi', attachments: [], raw: {} },
  meta: { received_by: 'gw-1' },
}

describe('Pinchy v1 <-> canonical', () => {
  test('maps the fields of DESIGN.md section 2 and keeps the rest in meta.pinchy', () => {
    const envelope = converter.toCanonical('pinchy', clone(cronTriggered))
    assert.equal(envelope.id, cronTriggered.event_id)
    assert.equal(envelope.type, 'cron.triggered')
    assert.equal(envelope.ts, cronTriggered.occurred_at)
    assert.equal(envelope.traceId, 'trace-7f8b')
    assert.equal(envelope.tenant, 'tenant-a')
    assert.equal(envelope.sessionId, 'sess-42')
    assert.equal(envelope.idempotencyKey, 'cron:nightly:2026-02-13')
    assert.equal(envelope.source, 'pinchy://cron/cron-main')
    assert.equal(envelope.version, 1)
    assert.equal(envelope.severity, 'info')
    assert.deepEqual(envelope.meta, {
      pinchy: {
        source: cronTriggered.source,
        routing: { agent_id: 'main', isolation_key: 'user:7', policy_tags: ['nightly'] },
        defaulted: ['source', 'version', 'severity'],
      },
    })
  })

  for (const [name, event] of [
    ['cron.triggered', cronTriggered],
    ['remote channel.message.received', remoteMessage],
  ] as const) {
    test(`${name}: Pinchy -> canonical -> Pinchy is byte-identical`, () => {
      const back = converter.fromCanonical('pinchy', converter.toCanonical('pinchy', clone(event)))
      assert.equal(JSON.stringify(back), JSON.stringify(event))
    })
  }

  test('a non-UUID event_id gets a stable derived id and is kept for the way back', () => {
    const first = converter.toCanonical('pinchy', clone(remoteMessage))
    const second = converter.toCanonical('pinchy', clone(remoteMessage))
    assert.match(first.id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    assert.equal(first.id, second.id)
    const pinchyMeta = first.meta?.pinchy as Record<string, unknown>
    assert.equal(pinchyMeta.event_id, 'msg-000123')
    // The empty trace_id cannot be a canonical traceId: the id stands in and the original is kept.
    assert.equal(first.traceId, first.id)
    assert.equal(pinchyMeta.trace_id, '')
    assert.equal(first.sessionId, undefined)
  })

  test('canonical -> Pinchy -> canonical is identical, carrying what Pinchy lacks in meta.localhub', () => {
    const envelope = {
      id: '0195f3a2-7c1e-7cc3-9d2e-aaaaaaaaaaaa',
      type: 'tool.call.failed',
      version: 2,
      ts: '2026-02-13T15:30:01.250Z',
      source: 'skill.tools-fs',
      severity: 'error' as const,
      traceId: 'trace-1',
      causationId: 'cause-1',
      tenant: 'default',
      seq: 17,
      sessionSeq: 3,
      payload: { call_id: 'c1', tool_name: 'fs.read', status: 'error', duration_ms: 12 },
      meta: { peer: { id: 'hub-2' } },
    }
    const pinchy = converter.fromCanonical('pinchy', clone(envelope))
    assert.equal(pinchy.event_type, 'tool.call.failed')
    assert.deepEqual(pinchy.routing, { agent_id: 'default', session_id: '' })
    assert.deepEqual((pinchy.meta as Record<string, unknown>).localhub, {
      version: 2,
      severity: 'error',
      causationId: 'cause-1',
      seq: 17,
      sessionSeq: 3,
      meta: { peer: { id: 'hub-2' } },
      defaulted: ['source', 'routing.agent_id'],
    })
    assert.deepEqual(converter.toCanonical('pinchy', pinchy), envelope)
  })

  test('a canonical type outside Pinchy enum of 17 is E_VALIDATION naming /type', () => {
    const envelope = converter.toCanonical('pinchy', clone(cronTriggered))
    assert.throws(
      () => converter.fromCanonical('pinchy', { ...envelope, type: 'chat.query' }),
      (error: unknown) =>
        error instanceof HubError &&
        error.code === 'E_VALIDATION' &&
        error.details?.issues?.[0]?.path === '/type',
    )
  })

  test('invalid Pinchy input is E_VALIDATION with one issue per problem', () => {
    const broken: Record<string, unknown> = clone(cronTriggered)
    delete broken.routing
    broken.event_type = 'made.up'
    broken.version = 'v2'
    assert.throws(
      () => converter.toCanonical('pinchy', broken),
      (error: unknown) => {
        assert.ok(error instanceof HubError)
        assert.equal(error.code, 'E_VALIDATION')
        const paths = (error.details?.issues ?? []).map((issue) => issue.path).sort()
        assert.deepEqual(paths, ['/event_type', '/routing', '/version'])
        return true
      },
    )
  })

  test('a forged carrier that contradicts the event is rejected', () => {
    const forged = { ...clone(cronTriggered), meta: { localhub: { defaulted: ['source'] } } }
    assert.throws(() => converter.toCanonical('pinchy', forged), { code: 'E_VALIDATION' })
    const wrongType = { ...clone(cronTriggered), meta: { localhub: { severity: 'loud' } } }
    assert.throws(() => converter.toCanonical('pinchy', wrongType), { code: 'E_VALIDATION' })
  })

  test('a changed canonical severity travels even when it was defaulted before', () => {
    const envelope = converter.toCanonical('pinchy', clone(cronTriggered))
    const pinchy = converter.fromCanonical('pinchy', { ...envelope, severity: 'warn' })
    assert.deepEqual(pinchy.meta, { localhub: { severity: 'warn' } })
    assert.equal(converter.toCanonical('pinchy', pinchy).severity, 'warn')
  })
})
