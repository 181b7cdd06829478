import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { CloudEvent } from 'cloudevents'
import fc from 'fast-check'
import { createDialectConverter, type DialectName } from './index.ts'

// Property tests: arbitraries that generate valid foreign envelopes (matching each schema, keys
// in schema order) and assert identical round trips. numRuns stays modest to keep tests fast.
const RUNS = { numRuns: 200 }
const converter = createDialectConverter({ now: () => new Date('2026-03-01T00:00:00Z') })
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T
const RESERVED_META = ['pinchy', 'adaos', 'denis', 'cloudevents']

const key = fc.string({ maxLength: 8 }).filter((text) => text !== '__proto__')
const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
)
const json = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 3 }),
  ),
})).value
const object = fc.dictionary(key, json, { maxKeys: 4 })
const text = (maxLength = 20) => fc.string({ minLength: 1, maxLength })
const token = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/)
const catalogType = fc.array(token, { minLength: 2, maxLength: 4 }).map((parts) => parts.join('.'))
const timestamp = fc
  .tuple(
    fc.date({
      min: new Date('1970-01-01T00:00:00Z'),
      max: new Date('2199-12-31T00:00:00Z'),
      noInvalidDate: true,
    }),
    fc.boolean(),
  )
  .map(([date, trimmed]) => (trimmed ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : date.toISOString()))
const record = <T extends Record<string, fc.Arbitrary<unknown>>>(model: T, required: (keyof T)[]) =>
  fc.record(model, { requiredKeys: required as never[] })

function roundTrip(dialect: DialectName, foreign: Record<string, unknown>): void {
  const input = clone(foreign)
  const back = converter.fromCanonical(dialect, converter.toCanonical(dialect, input))
  assert.deepStrictEqual(back, foreign)
  assert.equal(JSON.stringify(back), JSON.stringify(foreign))
}

function canonicalRoundTrip(dialect: DialectName, envelope: Record<string, unknown>): void {
  const foreign = converter.fromCanonical(dialect, clone(envelope))
  assert.equal(JSON.stringify(converter.toCanonical(dialect, clone(foreign))), JSON.stringify(envelope))
}

const pinchyTypes = [
  'channel.message.received',
  'channel.message.edited',
  'channel.message.deleted',
  'cron.triggered',
  'heartbeat.tick',
  'agent.turn.started',
  'agent.turn.completed',
  'agent.turn.failed',
  'agent.response.created',
  'tool.call.requested',
  'tool.call.completed',
  'tool.call.failed',
  'pairing.started',
  'pairing.completed',
  'pairing.failed',
  'config.applied',
  'config.reverted',
]
// Pinchy strings are unconstrained: empty, long and UUID ids all occur.
const pinchyString = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ minLength: 190, maxLength: 520 }),
  fc.uuid(),
)
const pinchy = record(
  {
    version: fc.constant('v1'),
    event_id: pinchyString,
    trace_id: pinchyString,
    idempotency_key: pinchyString,
    occurred_at: timestamp,
    event_type: fc.constantFrom(...pinchyTypes),
    tenant_id: pinchyString,
    source: record(
      {
        component_type: fc.constantFrom('listener', 'gateway', 'subscriber', 'cron', 'tool_host', 'operator'),
        component_id: pinchyString,
        platform: fc.string(),
        channel_id: fc.string(),
        peer_id: fc.string(),
        transport: fc.constantFrom('unix_socket', 'http', 'ws', 'mtls_http', 'mtls_ws', 'internal'),
      },
      ['component_type', 'component_id'],
    ),
    routing: record(
      {
        agent_id: fc.string(),
        session_id: pinchyString,
        isolation_key: fc.string(),
        target: record({ platform: fc.string(), thread_id: fc.string(), address: fc.string() }, []),
        policy_tags: fc.array(fc.string(), { maxLength: 3 }),
      },
      ['agent_id', 'session_id'],
    ),
    payload: object,
    meta: fc.dictionary(
      key.filter((name) => name !== 'localhub'),
      json,
      { maxKeys: 3 },
    ),
  },
  [
    'version',
    'event_id',
    'trace_id',
    'occurred_at',
    'event_type',
    'tenant_id',
    'source',
    'routing',
    'payload',
  ],
)

const adaos = record(
  {
    event_name: catalogType,
    version: fc.integer({ min: 1, max: 10_000 }),
    ts: timestamp,
    source: text(40),
    correlation_id: text(),
    causation_id: text(),
    tenant: text(),
    headers: fc.dictionary(
      key.filter((name) => name !== 'x-localhub'),
      fc.string({ maxLength: 10 }),
      { maxKeys: 3 },
    ),
    payload: object,
  },
  ['event_name', 'version', 'ts', 'source', 'correlation_id', 'payload'],
)

const denisType = fc.oneof(
  fc.constantFrom('error', 'error.reported', 'error.raised', 'chat.message', 'voice.asr.final'),
  catalogType,
)
const channel = fc.constantFrom(
  'text',
  'voice',
  'control_room',
  'ops',
  'tool',
  'rag',
  'scrape',
  'compiler',
  'neuro',
)
const denis = fc
  .record({
    stored: fc.boolean(),
    sequence: fc.integer({ min: 1, max: 2 ** 40 }),
    conversation_id: text(),
    type: denisType,
    channel,
    emitter: fc.oneof(fc.constant('denis_persona'), text()),
    ts: timestamp,
    correlation_id: text(),
    turn_id: fc.option(text(), { nil: undefined }),
    trace_id: fc.option(text(), { nil: undefined }),
    ui: fc.option(fc.record({ render: fc.string(), icon: fc.string() }), { nil: undefined }),
    schema_version: fc.option(fc.constant('1.0'), { nil: undefined }),
    payload: object,
  })
  .map(
    ({ stored, sequence, turn_id, ...rest }) =>
      JSON.parse(
        JSON.stringify({
          event_id: stored ? sequence : 0,
          conversation_id: rest.conversation_id,
          type: rest.type,
          channel: rest.channel,
          emitter: rest.emitter,
          stored,
          ts: rest.ts,
          correlation_id: rest.correlation_id,
          turn_id: turn_id ?? rest.correlation_id,
          trace_id: rest.trace_id,
          ui: rest.ui,
          schema_version: rest.schema_version,
          payload: rest.payload,
        }),
      ) as Record<string, unknown>,
  )

const ceAttributes = [
  'specversion',
  'id',
  'source',
  'type',
  'datacontenttype',
  'dataschema',
  'subject',
  'time',
  'data',
  'data_base64',
]
const hubExtensions = [
  'traceid',
  'causationid',
  'sessionid',
  'tenant',
  'idempotencykey',
  'severity',
  'eventversion',
  'seq',
  'sessionseq',
  'localhubsource',
  'localhubmeta',
]
const extensionName = fc
  .stringMatching(/^[a-z][a-z0-9]{0,11}$/)
  .filter((name) => !ceAttributes.includes(name) && !hubExtensions.includes(name))
const cloudEvent = fc
  .record({
    head: record(
      {
        specversion: fc.constant('1.0'),
        id: fc.oneof(fc.uuid(), text(30)),
        source: fc.oneof(
          fc.webUrl(),
          fc.constantFrom('/sensors/1', 'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66', 'skill.voice.stt'),
        ),
        type: catalogType,
        datacontenttype: fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'application/vnd.x+json',
        ),
        dataschema: fc.webUrl(),
        subject: text(),
        time: timestamp,
        traceid: text(),
        tenant: text(),
        severity: fc.constantFrom('debug', 'info', 'warn', 'error'),
        seq: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      },
      ['specversion', 'id', 'source', 'type'],
    ),
    extensions: fc.dictionary(
      extensionName,
      fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean()),
      { maxKeys: 3 },
    ),
    data: fc.option(object, { nil: undefined }),
  })
  .map(({ head, extensions, data }) => clone({ ...head, ...extensions, data }) as Record<string, unknown>)

const canonical = (types: fc.Arbitrary<string>, sessionRequired = false) =>
  record(
    {
      id: fc.uuid(),
      type: types,
      version: fc.integer({ min: 1, max: 1000 }),
      ts: timestamp,
      source: fc.oneof(text(40), fc.constantFrom('kernel', 'hub://h1/kernel', 'skill voice stt')),
      severity: fc.constantFrom('debug', 'info', 'warn', 'error'),
      traceId: text(),
      causationId: text(),
      sessionId: text(),
      tenant: text(),
      idempotencyKey: text(),
      seq: fc.integer({ min: 1, max: 2 ** 40 }),
      sessionSeq: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      payload: object,
      meta: fc.dictionary(
        key.filter((name) => !RESERVED_META.includes(name)),
        json,
        { maxKeys: 3 },
      ),
    },
    [
      'id',
      'type',
      'version',
      'ts',
      'source',
      'severity',
      'traceId',
      'tenant',
      'payload',
      ...(sessionRequired ? ['sessionId' as const] : []),
    ],
  ).map((value) => clone(value) as Record<string, unknown>)

describe('round trips (fast-check)', () => {
  test('Pinchy -> canonical -> Pinchy is identical', () => {
    fc.assert(
      fc.property(pinchy, (event) => roundTrip('pinchy', clone(event))),
      RUNS,
    )
  })
  test('AdaOS -> canonical -> AdaOS is identical', () => {
    fc.assert(
      fc.property(adaos, (event) => roundTrip('adaos', clone(event))),
      RUNS,
    )
  })
  test('Denis -> canonical -> Denis is identical', () => {
    fc.assert(
      fc.property(denis, (event) => roundTrip('denis', event)),
      RUNS,
    )
  })
  test('CloudEvents -> canonical -> CloudEvents is identical, and strict mode accepts both ends', () => {
    fc.assert(
      fc.property(cloudEvent, (event) => {
        roundTrip('cloudevents', event)
        new CloudEvent(clone(event), true)
      }),
      RUNS,
    )
  })
  test('canonical -> Pinchy -> canonical is identical for the 17 Pinchy types', () => {
    fc.assert(
      fc.property(canonical(fc.constantFrom(...pinchyTypes)), (envelope) =>
        canonicalRoundTrip('pinchy', envelope),
      ),
      RUNS,
    )
  })
  test('canonical -> AdaOS -> canonical is identical', () => {
    fc.assert(
      fc.property(canonical(catalogType), (envelope) => canonicalRoundTrip('adaos', envelope)),
      RUNS,
    )
  })
  test('canonical -> CloudEvents (structured and binary) -> canonical is identical', () => {
    fc.assert(
      fc.property(canonical(catalogType), (envelope) => {
        canonicalRoundTrip('cloudevents', envelope)
        new CloudEvent(converter.fromCanonical('cloudevents', clone(envelope)), true)
        const message = converter.toHttpBinary(clone(envelope))
        const back = converter.fromHttpRequest({ headers: message.headers, body: message.body }).envelope
        assert.equal(JSON.stringify(back), JSON.stringify(envelope))
      }),
      RUNS,
    )
  })
  test('canonical -> Denis keeps type, ts, source, traceId, session and payload', () => {
    fc.assert(
      fc.property(canonical(catalogType, true), (envelope) => {
        const back = converter.toCanonical('denis', converter.fromCanonical('denis', clone(envelope)))
        for (const field of ['type', 'ts', 'source', 'traceId', 'sessionId', 'sessionSeq', 'payload']) {
          assert.deepStrictEqual(back[field as keyof typeof back], envelope[field], field)
        }
      }),
      RUNS,
    )
  })
})
