// The hub as an MCP client (decision 1720): a read tool's round trip through the hub against calling
// the MCP server directly, in one run, interleaved. The server is test/kit/mcp-tool-server.ts (SDK),
// over Streamable HTTP (its own process) and over stdio (a child). Through the hub means: an MCP client (the SDK's) calls the
// hub's /mcp, which calls the server with the hub's own MCP client (events, tool service); and
// POST /tools/<name>, the hub's own route, without the outer MCP layer.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { parse, stringify } from 'yaml'
import { DEFAULT_MANIFEST_PATH, openHub } from '../src/kernel/index.ts'
import { createMcpTools } from '../src/mcp-client/index.ts'
import { REPO_ROOT, spawnTsx } from '../test/kit/child-process.ts'
import { KIT_MCP_SERVER_SCRIPT, KIT_NOTES_FILE_ENV } from '../test/kit/mcp-tool-server.ts'
import { median, percentile, report } from './stats.ts'

const REQUESTS = process.env.BENCH_QUICK ? 50 : 300
const WARMUP = 30

function post(url: string, path: string, body: unknown, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, url),
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          res.statusCode === 200
            ? resolve()
            : reject(
                new Error(
                  `${path}: ${res.statusCode} ${Buffer.concat(chunks).toString('utf8').slice(0, 500)}`,
                ),
              ),
        )
      },
    )
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
}

async function firstLine(lines: AsyncIterable<string>): Promise<string> {
  for await (const line of lines) return line
  throw new Error('the kit MCP server printed no URL')
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint()
  await work()
  return Number(process.hrtime.bigint() - started) / 1e6
}

const root = mkdtempSync(join(tmpdir(), 'localhub-bench-mcp-client-'))
const notesFile = join(root, 'notes.json')
writeFileSync(notesFile, JSON.stringify({ milk: 'two litres' }))
// The HTTP server runs in its own process, as a person's MCP server would.
const upstreamProcess = spawnTsx(KIT_MCP_SERVER_SCRIPT, ['--http'], { [KIT_NOTES_FILE_ENV]: notesFile })
const upstream = { url: await firstLine(upstreamProcess.lines) }
const stdioServer = {
  command: process.execPath,
  args: ['--import', 'tsx', KIT_MCP_SERVER_SCRIPT],
  cwd: REPO_ROOT,
  env: { [KIT_NOTES_FILE_ENV]: notesFile },
}
// biome-ignore lint/suspicious/noExplicitAny: raw YAML
const manifest = parse(readFileSync(DEFAULT_MANIFEST_PATH, 'utf8')) as Record<string, any>
manifest.workspace.roots = [{ name: 'workspace', path: 'workspace', access: 'read_write' }]
for (const [id, config] of [
  ['skill.mcp.web', { url: upstream.url }],
  ['skill.mcp.local', stdioServer],
] as const)
  manifest.skills.push({
    id,
    version: '1',
    role: 'tools.mcp',
    transport: { type: 'inproc', module: 'mcp' },
    provides: [],
    consumes: [],
    latencyClass: 'realtime_text',
    capabilityTier: 'read_only',
    config,
  })
writeFileSync(join(root, 'manifest.yaml'), stringify(manifest))
mkdirSync(join(root, 'data', 'workspace'), { recursive: true })
writeFileSync(join(root, 'data', 'workspace', 'notes.md'), 'The boat is blue.\n')
const hub = await openHub({
  dataDir: join(root, 'data'),
  manifestPath: join(root, 'manifest.yaml'),
  port: 0,
  logger: false,
  llmFlags: { baseUrl: 'http://127.0.0.1:9', model: 'tiny' },
})
const auth = { authorization: `Bearer ${hub.token}` }
const viaHub = new Client({ name: 'bench-via-hub', version: '1.0.0' })
const directHttp = new Client({ name: 'bench-direct-http', version: '1.0.0' })
const directStdio = new Client({ name: 'bench-direct-stdio', version: '1.0.0' })
try {
  await viaHub.connect(
    new StreamableHTTPClientTransport(new URL('/mcp', hub.url), { requestInit: { headers: auth } }),
  )
  await directHttp.connect(new StreamableHTTPClientTransport(new URL(upstream.url)))
  await directStdio.connect(new StdioClientTransport(stdioServer))
  const lookup = { key: 'milk' }
  for (const [label, name, direct] of [
    ['http', 'web__lookup', directHttp],
    ['stdio', 'local__lookup', directStdio],
  ] as const) {
    const direct_: number[] = []
    const hubMcp: number[] = []
    const hubRoute: number[] = []
    const fileRoute: number[] = []
    for (let index = 0; index < REQUESTS + WARMUP; index++) {
      // Rotate the order so no variant always meets a warmer process.
      const order = index % 4
      const samples: Record<string, number> = {}
      for (let step = 0; step < 4; step++) {
        const which = (order + step) % 4
        if (which === 0)
          samples.direct = await timed(() => direct.callTool({ name: 'lookup', arguments: lookup }))
        else if (which === 1) samples.mcp = await timed(() => viaHub.callTool({ name, arguments: lookup }))
        else if (which === 2)
          samples.route = await timed(() => post(hub.url, `/tools/${name}`, { params: lookup }, auth))
        // The hub's own read tool on the same route: what the tool service and its events cost.
        else
          samples.file = await timed(() =>
            post(hub.url, '/tools/read_file', { params: { path: 'notes.md' } }, auth),
          )
      }
      if (index < WARMUP) continue
      direct_.push(samples.direct!)
      hubMcp.push(samples.mcp!)
      hubRoute.push(samples.route!)
      fileRoute.push(samples.file!)
    }
    const directMedian = median(direct_)
    report({
      bench: `mcp_client.${label}.lookup_round_trip`,
      unit: 'ms',
      median: +median(hubMcp).toFixed(3),
      p90: +percentile(hubMcp, 0.9).toFixed(3),
      directMedian: +directMedian.toFixed(3),
      directP90: +percentile(direct_, 0.9).toFixed(3),
      toolsRouteMedian: +median(hubRoute).toFixed(3),
      readFileRouteMedian: +median(fileRoute).toFixed(3),
      ratioHubMcpToDirect: +(median(hubMcp) / directMedian).toFixed(2),
      ratioToolsRouteToDirect: +(median(hubRoute) / directMedian).toFixed(2),
      requests: REQUESTS,
    })
  }
  // The hub's MCP client code alone (src/mcp-client, no route, no events) against the bare SDK client.
  const alone = createMcpTools(
    [
      {
        skillId: 'skill.mcp.alone',
        prefix: 'alone',
        tier: 'read_only',
        toolTiers: {},
        connection: { kind: 'http', url: upstream.url, headers: {} },
        needsNetwork: false,
        networkEnabled: false,
        timeoutMs: 60_000,
      },
    ],
    { clientName: 'bench', clientVersion: '1.0.0' },
  )
  await alone.start()
  const wrapped: number[] = []
  const bare: number[] = []
  for (let index = 0; index < REQUESTS + WARMUP; index++) {
    const first = index % 2 === 0
    const a = first ? await timed(() => alone.run('alone__lookup', { key: 'milk' })) : 0
    const b = await timed(() => directHttp.callTool({ name: 'lookup', arguments: { key: 'milk' } }))
    const c = first ? a : await timed(() => alone.run('alone__lookup', { key: 'milk' }))
    if (index < WARMUP) continue
    wrapped.push(c)
    bare.push(b)
  }
  await alone.close()
  report({
    bench: 'mcp_client.http.client_alone',
    unit: 'ms',
    median: +median(wrapped).toFixed(3),
    sdkClientMedian: +median(bare).toFixed(3),
    ratio: +(median(wrapped) / median(bare)).toFixed(2),
    requests: REQUESTS,
  })
} finally {
  await viaHub.close()
  await directHttp.close()
  await directStdio.close()
  await hub.close()
  upstreamProcess.child.kill()
  rmSync(root, { recursive: true, force: true })
}
