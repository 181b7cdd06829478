import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HubError } from '../../contracts/index.ts'
import { tracingSettingsFromEnv } from './tracing-settings.ts'

const refused = (pattern: RegExp) => (error: unknown) =>
  error instanceof HubError && error.code === 'E_VALIDATION' && pattern.test(error.message)

describe('tracing settings from OTEL_* variables', () => {
  test('off unless an exporter or an OTLP endpoint is named; none and OTEL_SDK_DISABLED switch it off', () => {
    assert.equal(tracingSettingsFromEnv({}), undefined)
    assert.equal(tracingSettingsFromEnv({ OTEL_SERVICE_NAME: 'x' }), undefined)
    assert.equal(tracingSettingsFromEnv({ OTEL_TRACES_EXPORTER: 'none' }), undefined)
    assert.equal(
      tracingSettingsFromEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }),
      undefined,
    )
    assert.deepEqual(tracingSettingsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })?.exporters, [
      'otlp',
    ])
    assert.deepEqual(tracingSettingsFromEnv({ OTEL_TRACES_EXPORTER: 'console, otlp' })?.exporters, [
      'console',
      'otlp',
    ])
  })

  test('the endpoint: the per-signal URL as is, the general one plus /v1/traces, else localhost:4318', () => {
    assert.equal(
      tracingSettingsFromEnv({ OTEL_TRACES_EXPORTER: 'otlp' })?.otlpUrl,
      'http://localhost:4318/v1/traces',
    )
    assert.equal(
      tracingSettingsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example/otlp/' })?.otlpUrl,
      'https://collector.example/otlp/v1/traces',
    )
    assert.equal(
      tracingSettingsFromEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9999/custom',
      })?.otlpUrl,
      'http://127.0.0.1:9999/custom',
    )
  })

  test('headers, timeout and resource attributes; OTEL_SERVICE_NAME wins, localhub by default', () => {
    const settings = tracingSettingsFromEnv({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-a=1',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-a=2',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=home,service.name=from-attributes',
    })
    assert.deepEqual(settings?.otlpHeaders, { authorization: 'Bearer abc', 'x-a': '2' })
    assert.equal(settings?.otlpTimeoutMs, 2500)
    assert.deepEqual(settings?.resourceAttributes, {
      'service.name': 'from-attributes',
      'deployment.environment': 'home',
    })
    assert.equal(
      tracingSettingsFromEnv({ OTEL_TRACES_EXPORTER: 'console', OTEL_SERVICE_NAME: 'hub-a' })
        ?.resourceAttributes['service.name'],
      'hub-a',
    )
    assert.equal(
      tracingSettingsFromEnv({ OTEL_TRACES_EXPORTER: 'console' })?.resourceAttributes['service.name'],
      'localhub',
    )
  })

  test('what cannot be honoured is refused; http/protobuf works as JSON with a warning', () => {
    assert.throws(() => tracingSettingsFromEnv({ OTEL_TRACES_EXPORTER: 'zipkin' }), refused(/zipkin/))
    assert.throws(
      () => tracingSettingsFromEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
      refused(/gRPC/),
    )
    assert.throws(
      () => tracingSettingsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://collector' }),
      refused(/http/),
    )
    assert.throws(
      () => tracingSettingsFromEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TIMEOUT: 'soon' }),
      refused(/timeout/),
    )
    assert.throws(
      () => tracingSettingsFromEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_RESOURCE_ATTRIBUTES: 'novalue' }),
      refused(/key=value/),
    )
    const protobuf = tracingSettingsFromEnv({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    })
    assert.match(protobuf?.warnings.join() ?? '', /http\/json/)
    assert.deepEqual(
      tracingSettingsFromEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })
        ?.warnings,
      [],
    )
  })
})
