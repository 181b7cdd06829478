// A loopback OTLP/HTTP receiver for tests: records every JSON export posted to /v1/traces.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ExportedSpan {
  name: string
  serviceName: string | undefined
  attributes: Record<string, unknown>
}

export interface OtlpReceiver {
  /** Base URL (for OTEL_EXPORTER_OTLP_ENDPOINT). */
  url: string
  requests: { path: string; contentType: string; headers: Record<string, unknown> }[]
  spans: ExportedSpan[]
  close(): Promise<void>
}

interface OtlpValue {
  stringValue?: string
  intValue?: string | number
  boolValue?: boolean
  doubleValue?: number
}

function plainValue(value: OtlpValue | undefined): unknown {
  return value?.stringValue ?? value?.intValue ?? value?.boolValue ?? value?.doubleValue
}

function attributesOf(list: { key: string; value: OtlpValue }[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((attribute) => [attribute.key, plainValue(attribute.value)]))
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: OtlpReceiver['requests'] = []
  const spans: ExportedSpan[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const contentType = String(request.headers['content-type'] ?? '')
      requests.push({ path: request.url ?? '', contentType, headers: { ...request.headers } })
      if (request.url === '/v1/traces' && contentType.startsWith('application/json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        for (const resourceSpans of body.resourceSpans ?? []) {
          const resource = attributesOf(resourceSpans.resource?.attributes)
          for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
            for (const span of scopeSpans.spans ?? []) {
              spans.push({
                name: span.name,
                serviceName: resource['service.name'] as string | undefined,
                attributes: attributesOf(span.attributes),
              })
            }
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
