// Time to first token from the loopback Ollama server: raw fetch reading up to the first NDJSON
// line (baseline), raw node:http with a keep-alive agent (second baseline, same stack as the
// provider), and the Ollama provider's first token part. Rounds are interleaved so machine noise
// hits all three alike; every response is read to the end so connections are reused.
import http from 'node:http'
import { createOllamaProvider, resolveLlmConfig } from '../src/skills/llm/index.ts'
import { startOllamaServer } from '../test/kit/llm-servers/index.ts'
import { median, percentile, report } from './stats.ts'

const REQUESTS = 200
const WARMUP = 20
const BODY = { model: 'tiny', messages: [{ role: 'user', content: 'how fast is the first token' }] }

const server = await startOllamaServer()
const url = `${server.url}/api/chat`
const provider = createOllamaProvider(resolveLlmConfig({ manifest: { model: 'tiny', baseUrl: server.url } }))
const agent = new http.Agent({ keepAlive: true })

async function rawFetch(): Promise<number> {
  const start = performance.now()
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(BODY) })
  let first = Number.NaN
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (Number.isNaN(first) && chunk.includes(0x0a)) first = performance.now() - start
  }
  return first
}

function rawHttp(): Promise<number> {
  const start = performance.now()
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent }, (response) => {
      let first = Number.NaN
      response.on('data', (chunk: Buffer) => {
        if (Number.isNaN(first) && chunk.includes(0x0a)) first = performance.now() - start
      })
      response.on('end', () => resolve(first))
      response.on('error', reject)
    })
    request.on('error', reject)
    request.end(JSON.stringify(BODY))
  })
}

async function throughProvider(): Promise<number> {
  const start = performance.now()
  let first = Number.NaN
  for await (const part of provider.chat({
    messages: BODY.messages as [{ role: 'user'; content: string }],
  })) {
    if (Number.isNaN(first) && part.type === 'token') first = performance.now() - start
  }
  return first
}

const samples = { fetch: [] as number[], http: [] as number[], provider: [] as number[] }
try {
  for (let round = 0; round < WARMUP + REQUESTS; round++) {
    const fetchMs = await rawFetch()
    const httpMs = await rawHttp()
    const providerMs = await throughProvider()
    if (round < WARMUP) continue
    samples.fetch.push(fetchMs)
    samples.http.push(httpMs)
    samples.provider.push(providerMs)
  }
  const summary = (values: number[]) => ({ median: median(values), p99: percentile(values, 0.99) })
  const raw = summary(samples.fetch)
  const node = summary(samples.http)
  const ours = summary(samples.provider)
  report({ bench: 'llm.ttft.raw-fetch', unit: 'ms', ...raw, requests: REQUESTS })
  report({ bench: 'llm.ttft.raw-node-http', unit: 'ms', ...node, requests: REQUESTS })
  report({
    bench: 'llm.ttft.ollama-provider',
    unit: 'ms',
    ...ours,
    requests: REQUESTS,
    baseline: 'llm.ttft.raw-fetch',
    ratio: ours.median / raw.median,
    ratioP99: ours.p99 / raw.p99,
    ratioToNodeHttp: ours.median / node.median,
    overheadP99Ms: ours.p99 - raw.p99,
  })
} finally {
  agent.destroy()
  await provider.close()
  await server.close()
}
