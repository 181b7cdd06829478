// `localhub serve` with the standard OTEL_* variables exports the hub's spans: a chat turn over HTTP
// arrives at a loopback OTLP/HTTP receiver as a chat.turn span (JSON), flushed when the hub stops.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { type HubProcess, startHubProcess } from '../kit/hub-process.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { type OtlpReceiver, startOtlpReceiver } from '../kit/otlp-receiver.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

describe('OpenTelemetry export from localhub serve', { timeout: 90_000 }, () => {
  const data = makeTempDir('localhub-otel-')
  let ollama: FakeOllamaServer
  let receiver: OtlpReceiver
  let hub: HubProcess

  before(async () => {
    ollama = await startOllamaServer({ reply: () => 'Hello there.', models: ['tiny'] })
    receiver = await startOtlpReceiver()
    hub = await startHubProcess(join(data.path, 'hub'), ['--ollama-host', ollama.url, '--model', 'tiny'], {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'localhub-e2e',
    })
  })
  after(async () => {
    await hub?.stop()
    await receiver?.close()
    await ollama?.close()
    data.remove()
  })

  test('a chat turn is exported as a chat.turn span of the named service', async () => {
    assert.match(hub.output(), new RegExp(`Tracing: otlp → ${receiver.url}/v1/traces`))
    const response = await fetch(`${hub.url}/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hi', sessionId: 'otel-1', stream: false }),
    })
    assert.equal(response.status, 200, await response.clone().text())
    assert.equal(((await response.json()) as { data: { text: string } }).data.text, 'Hello there.')
    assert.equal(await hub.stop(), 0, hub.output())
    const turn = receiver.spans.find((span) => span.name === 'chat.turn')
    assert.ok(turn, `spans received: ${JSON.stringify(receiver.spans.map((span) => span.name))}`)
    assert.equal(turn.serviceName, 'localhub-e2e')
    assert.equal(turn.attributes['localhub.session_id'], 'otel-1')
    assert.ok(receiver.requests.every((request) => request.contentType.startsWith('application/json')))
  })
})
