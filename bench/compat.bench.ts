// Added latency of the compatible APIs over the hub's own: POST /v1/chat/completions (stream) against
// POST /chat on the same hub and loopback model, paired and interleaved in one run, to the end of the
// answer; and an MCP tools/call (read_file over Streamable HTTP) against POST /tools/read_file.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { compatRoutes } from '../src/compat/index.ts'
import { DEFAULT_MANIFEST_PATH, openHub } from '../src/kernel/index.ts'
import { createServer, principalOf } from '../src/kernel/server/index.ts'
import { createFakeHub } from '../test/kit/fake-hub.ts'
import { startOllamaServer } from '../test/kit/llm-servers/index.ts'
import { median, percentile, report } from './stats.ts'

const REQUESTS = process.env.BENCH_QUICK ? 50 : 300
const WARMUP = 20

/** Milliseconds from sending the request to the end of the response body. */
function roundTrip(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const req = request(
      new URL(path, url),
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        res.resume()
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${path} answered ${res.statusCode}`))
          else resolve(Number(process.hrtime.bigint() - started) / 1e6)
        })
      },
    )
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
}

/**
 * The layer alone: one server in front of a fake hub whose turn answers at once (start, four chunks,
 * end), so the difference between the two routes is the compatible API's own work, not the turn's.
 */
async function layerOverhead(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'localhub-bench-compat-layer-'))
  const fake = createFakeHub()
  fake.chatScript = async function* () {
    yield { event: 'stream.start', data: { streamId: 's', traceId: 't', sessionId: 'bench' } }
    for (const [seq, text] of ['one ', 'two ', 'three ', 'four'].entries())
      yield { event: 'stream.chunk', data: { streamId: 's', seq, data: { text } }, text }
    yield { event: 'stream.end', data: { streamId: 's', reason: 'done', citations: [] } }
  }
  const server = await createServer(
    {
      dataDir,
      port: 0,
      logger: false,
      writeServerInfo: false,
      routes: [
        compatRoutes({
          chat: (input) => fake.chat(input),
          principalOf,
          modelName: () => 'tiny',
          embeddings: () => undefined,
          tools: { descriptors: () => [], call: async () => ({ status: 'done' }) },
          searches: () => ({}),
          version: 'bench',
        }),
      ],
    },
    fake,
  )
  try {
    const auth = { authorization: `Bearer ${server.token}` }
    const added: number[] = []
    const chat: number[] = []
    const openAi: number[] = []
    const rounds = process.env.BENCH_QUICK ? 500 : 3000
    for (let index = 0; index < rounds + 200; index++) {
      const chatMs = await roundTrip(server.url, '/chat', { text: 'hi' }, auth)
      const openAiMs = await roundTrip(
        server.url,
        '/v1/chat/completions',
        { model: 'localhub', stream: true, messages: [{ role: 'user', content: 'hi' }] },
        auth,
      )
      if (index < 200) continue
      chat.push(chatMs)
      openAi.push(openAiMs)
      added.push(openAiMs - chatMs)
    }
    report({
      bench: 'compat.openai.layer_added_latency',
      unit: 'ms',
      median: +median(added).toFixed(3),
      p90: +percentile(added, 0.9).toFixed(3),
      chatMedian: +median(chat).toFixed(3),
      openAiMedian: +median(openAi).toFixed(3),
      requests: rounds,
      target: '<= 0.5 ms p50',
    })
  } finally {
    await server.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

await layerOverhead()

const root = mkdtempSync(join(tmpdir(), 'localhub-bench-compat-'))
const workspace = join(root, 'workspace')
mkdirSync(workspace)
writeFileSync(join(workspace, 'notes.md'), 'The boat is blue.\n')
writeFileSync(
  join(root, 'manifest.yaml'),
  readFileSync(DEFAULT_MANIFEST_PATH, 'utf8').replace(
    /path: "~\/projects"/,
    `path: ${JSON.stringify(workspace)}`,
  ),
)
const ollama = await startOllamaServer({ models: ['tiny'], reply: () => 'one two three four' })
const hub = await openHub({
  dataDir: join(root, 'data'),
  manifestPath: join(root, 'manifest.yaml'),
  port: 0,
  logger: false,
  llmFlags: { baseUrl: ollama.url, model: 'tiny' },
})
const auth = { authorization: `Bearer ${hub.token}` }
const mcp = new Client({ name: 'bench', version: '1.0.0' })
try {
  const viaChat: number[] = []
  const viaOpenAi: number[] = []
  const added: number[] = []
  for (let index = 0; index < REQUESTS + WARMUP; index++) {
    const chatBody = { text: 'hi', sessionId: `bench-${index % 10}` }
    const openAiBody = {
      model: 'localhub',
      stream: true,
      user: `bench-${index % 10}`,
      messages: [{ role: 'user', content: 'hi' }],
    }
    // Alternate which goes first so neither always meets a warmer hub.
    const first = index % 2 === 0
    const a = first ? await roundTrip(hub.url, '/chat', chatBody, auth) : 0
    const b = await roundTrip(hub.url, '/v1/chat/completions', openAiBody, auth)
    const c = first ? a : await roundTrip(hub.url, '/chat', chatBody, auth)
    if (index < WARMUP) continue
    viaChat.push(c)
    viaOpenAi.push(b)
    added.push(b - c)
  }
  report({
    bench: 'compat.openai.added_latency',
    unit: 'ms',
    median: +median(added).toFixed(3),
    p90: +percentile(added, 0.9).toFixed(3),
    chatMedian: +median(viaChat).toFixed(3),
    openAiMedian: +median(viaOpenAi).toFixed(3),
    requests: REQUESTS,
    target: '<= 0.5 ms p50',
  })

  await mcp.connect(
    new StreamableHTTPClientTransport(new URL('/mcp', hub.url), { requestInit: { headers: auth } }),
  )
  const viaMcp: number[] = []
  const viaHttp: number[] = []
  for (let index = 0; index < REQUESTS + WARMUP; index++) {
    const started = process.hrtime.bigint()
    await mcp.callTool({ name: 'read_file', arguments: { path: 'notes.md' } })
    const mcpMs = Number(process.hrtime.bigint() - started) / 1e6
    const httpMs = await roundTrip(hub.url, '/tools/read_file', { params: { path: 'notes.md' } }, auth)
    if (index < WARMUP) continue
    viaMcp.push(mcpMs)
    viaHttp.push(httpMs)
  }
  report({
    bench: 'compat.mcp.read_file',
    unit: 'ms',
    median: +median(viaMcp).toFixed(3),
    p90: +percentile(viaMcp, 0.9).toFixed(3),
    toolsRouteMedian: +median(viaHttp).toFixed(3),
    requests: REQUESTS,
  })
} finally {
  await mcp.close()
  await hub.close()
  await ollama.close()
  rmSync(root, { recursive: true, force: true })
}
