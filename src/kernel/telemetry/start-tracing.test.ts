import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { trace } from '@opentelemetry/api'
import { startOtlpReceiver } from '../../../test/kit/otlp-receiver.ts'
import { startTracing } from './start-tracing.ts'

describe('startTracing', () => {
  test('nothing is registered when the environment asks for no tracing', async () => {
    assert.equal(await startTracing({ env: {} }), undefined)
    assert.equal(trace.getTracer('probe').startSpan('x').isRecording(), false)
  })

  test('OTLP/HTTP JSON reaches the endpoint with the resource, headers and span attributes', async (t) => {
    const receiver = await startOtlpReceiver()
    t.after(() => receiver.close())
    const tracing = await startTracing({
      env: {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=k1',
        OTEL_SERVICE_NAME: 'hub-under-test',
      },
      serviceVersion: '9.9.9',
    })
    assert.ok(tracing !== undefined)
    t.after(() => tracing.shutdown())
    const span = trace
      .getTracer('localhub')
      .startSpan('chat.turn', { attributes: { 'localhub.trace_id': 't1' } })
    assert.equal(span.isRecording(), true)
    span.end()
    await tracing.shutdown()
    assert.deepEqual(
      receiver.spans.map((exported) => [
        exported.name,
        exported.serviceName,
        exported.attributes['localhub.trace_id'],
      ]),
      [['chat.turn', 'hub-under-test', 't1']],
    )
    assert.equal(receiver.requests[0]?.path, '/v1/traces')
    assert.match(receiver.requests[0]?.contentType ?? '', /^application\/json/)
    assert.equal(receiver.requests[0]?.headers['x-collector-key'], 'k1')
  })
})
