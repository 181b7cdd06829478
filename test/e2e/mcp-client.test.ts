// The hub as an MCP client (docs/compatibility.md, decisions 1720-1723): MCP servers written with
// the SDK (test/kit/mcp-tool-server.ts) declared in the manifest, over stdio and Streamable HTTP.
// The loopback model calls their tools in a chat turn; a write waits for the person's approval
// (approved and denied, both ledgered); a server that needs the network is off and never
// reached; a server that dies mid-call gives a clear error and the hub goes on.
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { parse, stringify } from 'yaml'
import { checkHubManifest, DEFAULT_MANIFEST_PATH, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { REPO_ROOT, spawnTsx } from '../kit/child-process.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { callHub } from '../kit/manifest-hub.ts'
import {
  KIT_MCP_SERVER_SCRIPT,
  KIT_NOTES_FILE_ENV,
  type KitMcpHttpServer,
  readNotes,
  startKitMcpHttpServer,
} from '../kit/mcp-tool-server.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { chatTurn, defaultManifestWith, listedTools, openToolHub } from '../kit/tool-hub.ts'
import { type EventWatch, watchEvents } from '../kit/wait-for.ts'

// biome-ignore lint/suspicious/noExplicitAny: raw YAML, edited in place
type Json = Record<string, any>

function mcpSkill(id: string, tier: string, config: Json): Json {
  return {
    id,
    version: '1',
    role: 'tools.mcp',
    transport: { type: 'inproc', module: 'mcp' },
    provides: [],
    consumes: [],
    latencyClass: 'realtime_text',
    capabilityTier: tier,
    ...(tier === 'read_only' ? {} : { auditLedger: true }),
    config,
  }
}

describe('the hub as an MCP client', { timeout: 120_000 }, () => {
  const temp = makeTempDir('localhub-mcp-client-e2e-')
  const notesFile = join(temp.path, 'notes.json')
  const webNotes = join(temp.path, 'web-notes.json')
  const remoteNotes = join(temp.path, 'remote-notes.json')
  let web: KitMcpHttpServer
  let remote: KitMcpHttpServer
  let ollama: FakeOllamaServer
  let hub: RunningHub

  async function call(method: string, path: string, body?: unknown) {
    return callHub<Json>(hub, method, path, body)
  }

  const chat = (text: string, sessionId: string) => chatTurn(hub, text, sessionId)

  async function approvalOf(requested: EventWatch, sessionId: string): Promise<Json> {
    const event = await requested.next(
      (candidate) => candidate.sessionId === sessionId,
      `approval in ${sessionId}`,
      30_000,
    )
    const { approvalId } = event.payload as { approvalId: string }
    const listed = await call('GET', '/approvals')
    return (listed.body.data.approvals as Json[]).find((candidate) => candidate.id === approvalId)!
  }

  function manifestText(): string {
    return defaultManifestWith(
      [
        mcpSkill('skill.mcp.notes', 'destructive_two_step', {
          command: process.execPath,
          args: ['--import', 'tsx', KIT_MCP_SERVER_SCRIPT],
          cwd: REPO_ROOT,
          env: { [KIT_NOTES_FILE_ENV]: notesFile },
          tools: {
            lookup: 'read_only',
            crash: 'read_only',
            env: 'read_only',
            add_note: 'write_local_confirm',
            fail: 'off',
          },
          timeoutMs: 20_000,
        }),
        mcpSkill('skill.mcp.web', 'read_only', { url: web.url }),
        mcpSkill('skill.mcp.remote', 'read_only', { url: remote.url, network: true }),
      ],
      [{ name: 'workspace', path: 'workspace', access: 'read_write' }],
    )
  }

  before(async () => {
    writeFileSync(notesFile, JSON.stringify({ milk: 'two litres' }))
    writeFileSync(webNotes, JSON.stringify({ bread: 'rye' }))
    web = await startKitMcpHttpServer({ notesFile: webNotes })
    remote = await startKitMcpHttpServer({ notesFile: remoteNotes })
    ollama = await startOllamaServer({
      models: ['tiny'],
      toolCalls: (request) => {
        if (request.messages.some((message) => message.role === 'tool')) return undefined
        const last = request.messages.at(-1)?.content ?? ''
        if (/how much milk/.test(last)) return [{ name: 'notes__lookup', arguments: { key: 'milk' } }]
        const remember = /remember (\w+): (.+)$/.exec(last)
        if (remember !== null)
          return [{ name: 'notes__add_note', arguments: { key: remember[1]!, text: remember[2]! } }]
        return undefined
      },
      reply: (request) => {
        const tool = request.messages.find((message) => message.role === 'tool')
        if (tool === undefined) return 'Hello.'
        const answer = JSON.parse(tool.content) as { status: string; data?: Json }
        const text = answer.data?.content?.[0]?.text ?? answer.data?.result?.content?.[0]?.text
        return answer.status === 'done' ? `Tool said: ${text}` : `Tool ${answer.status}.`
      },
    })
    hub = await openToolHub(temp.path, manifestText(), { baseUrl: ollama.url, model: 'tiny' })
  })
  after(async () => {
    await hub?.close()
    await ollama?.close()
    await web?.close()
    await remote?.close()
    temp.remove()
  })

  test('the model is offered the servers’ tools with their tiers; off ones are not', async () => {
    const tools = await listedTools(hub)
    for (const expected of [
      'notes__lookup:read_only:skill.mcp.notes',
      'notes__add_note:write_local_confirm:skill.mcp.notes',
      'notes__slow:destructive_two_step:skill.mcp.notes',
      'notes__crash:read_only:skill.mcp.notes',
      'web__lookup:read_only:skill.mcp.web',
      'web__add_note:read_only:skill.mcp.web',
    ])
      assert.ok(tools.includes(expected), `${expected} in ${tools.join(', ')}`)
    assert.ok(!tools.some((tool) => tool.startsWith('notes__fail')), 'tools: { fail: off } is not offered')
    assert.ok(!tools.some((tool) => tool.startsWith('remote__')), 'the network server is off')
  })

  test('a chat turn in which the model calls the read tool: events, and the answer uses the result', async (t) => {
    const requests = await watchEvents(hub.bus, 'tool.>')
    t.after(() => requests.stop())
    const text = await chat('how much milk do we need?', 'session-mcp-read')
    assert.equal(text, 'Tool said: note milk: two litres')
    const request = await requests.next((event) => event.type === 'tool.request', 'tool.request')
    const { tool, action, capabilityTier, requiresConfirm } = request.payload as Json
    assert.deepEqual(
      { tool, action, capabilityTier, requiresConfirm },
      {
        tool: 'skill.mcp.notes',
        action: 'notes__lookup',
        capabilityTier: 'read_only',
        requiresConfirm: false,
      },
    )
    const result = await requests.next((event) => event.type === 'tool.result', 'tool.result')
    assert.equal((result.payload as Json).ok, true)
    assert.equal(result.traceId, request.traceId)
    const offered = ollama.requests.find((entry) => entry.path === '/api/chat')?.body as Json
    assert.ok((offered.tools as Json[]).some((tool) => tool.function.name === 'notes__lookup'))
  })

  test('a write waits for approval; approved, it runs and is ledgered as the MCP skill', async (t) => {
    const requested = await watchEvents(hub.bus, 'approval.requested')
    t.after(() => requested.stop())
    const answer = chat('remember eggs: a dozen', 'session-mcp-write')
    const approval = await approvalOf(requested, 'session-mcp-write')
    assert.equal(approval.tool, 'notes__add_note')
    assert.deepEqual(approval.targets, ['/mcp/skill.mcp.notes/add_note'])
    assert.match(approval.preview.diff, /call tool add_note with[\s\S]*"a dozen"/)
    assert.equal(readNotes(notesFile).eggs, undefined, 'nothing runs before approval')
    assert.equal((await call('POST', `/approvals/${approval.id}/approve`, { reason: 'yes' })).status, 200)
    assert.equal(await answer, 'Tool said: stored eggs')
    assert.equal(readNotes(notesFile).eggs, 'a dozen')
    const ledger = await call('GET', `/ledger?traceId=${approval.traceId}`)
    const entries = ledger.body.data as Json[]
    assert.ok(entries.length >= 2, JSON.stringify(ledger.body))
    for (const entry of entries) {
      assert.equal(entry.actorSkill, 'skill.mcp.notes')
      assert.equal(entry.action, 'notes__add_note')
    }
    assert.ok(entries.some((entry) => entry.outcome === 'succeeded' && entry.decision === 'approved'))
  })

  test('denied, the write never runs; the denial is ledgered and the model told', async (t) => {
    const requested = await watchEvents(hub.bus, 'approval.requested')
    t.after(() => requested.stop())
    const answer = chat('remember flour: none', 'session-mcp-deny')
    const approval = await approvalOf(requested, 'session-mcp-deny')
    assert.equal((await call('POST', `/approvals/${approval.id}/deny`, { reason: 'no' })).status, 200)
    assert.equal(await answer, 'Tool refused.')
    assert.equal(readNotes(notesFile).flour, undefined)
    const ledger = await call('GET', `/ledger?traceId=${approval.traceId}`)
    const entries = ledger.body.data as Json[]
    assert.ok(entries.some((entry) => entry.decision === 'denied' && entry.actorSkill === 'skill.mcp.notes'))
  })

  test('a destructive_two_step tool shows its target and needs the two-step confirmation', async () => {
    const asked = await call('POST', '/tools/notes__slow', { params: { ms: 0 } })
    assert.equal(asked.body.data.status, 'pending')
    assert.equal(asked.body.data.confirmationsRequired, 2)
    const approvalId = asked.body.data.approvalId as string
    const listed = await call('GET', '/approvals')
    const approval = (listed.body.data.approvals as Json[]).find((candidate) => candidate.id === approvalId)!
    assert.deepEqual(approval.preview, { kind: 'paths', paths: ['/mcp/skill.mcp.notes/slow'] })
    const first = await call('POST', `/approvals/${approvalId}/approve`, {})
    assert.equal(first.body.data.status, 'awaiting_confirmation')
    const confirmed = await call('POST', `/approvals/${approvalId}/approve`, {
      confirmationToken: first.body.data.confirmationToken,
    })
    assert.equal(confirmed.body.data.status, 'approved', JSON.stringify(confirmed.body))
    const ledger = await call('GET', `/ledger?traceId=${approval.traceId}`)
    assert.ok(
      (ledger.body.data as Json[]).some(
        (entry) => entry.outcome === 'succeeded' && entry.tier === 'destructive_two_step',
      ),
      JSON.stringify(ledger.body.data),
    )
  })

  test('a loopback Streamable HTTP server’s tool runs through POST /tools', async () => {
    const answer = await call('POST', '/tools/web__lookup', { params: { key: 'bread' } })
    assert.equal(answer.status, 200)
    assert.equal(answer.body.data.status, 'done')
    assert.deepEqual(answer.body.data.data.structuredContent, { key: 'bread', text: 'rye' })
  })

  test('the hub’s own MCP server offers them too, through the same tool service', async (t) => {
    const client = new Client({ name: 'e2e', version: '1.0.0' })
    await client.connect(
      new StreamableHTTPClientTransport(new URL('/mcp', hub.url), {
        requestInit: { headers: { authorization: `Bearer ${hub.token}` } },
      }),
    )
    t.after(() => client.close())
    const { tools } = await client.listTools()
    const lookup = tools.find((tool) => tool.name === 'notes__lookup')
    assert.equal(lookup?._meta?.['localhub/capabilityTier'], 'read_only')
    const events = await watchEvents(hub.bus, 'tool.request')
    t.after(() => events.stop())
    const answer = await client.callTool({ name: 'notes__lookup', arguments: { key: 'milk' } })
    assert.equal(answer.isError, false)
    assert.match(JSON.stringify(answer.structuredContent), /two litres/)
    await events.next((event) => (event.payload as Json).action === 'notes__lookup', 'tool.request')
  })

  test('names that are no tool of a server are refused, saying what it lists', async () => {
    for (const name of ['notes__..%2F..%2Fetc', 'notes__', 'notes__fail', 'nobody__lookup']) {
      const answer = await call('POST', `/tools/${name}`, { params: {} })
      assert.equal(answer.body.ok, false, name)
      assert.match(
        answer.body.error.message,
        name === 'notes__fail'
          ? /turned off in the manifest/
          : name === 'nobody__lookup'
            ? /unknown tool/
            : /lists no tool .*it lists lookup, add_note/,
        name,
      )
    }
  })

  test('network off: a server that needs the network is refused and never contacted', async () => {
    const answer = await call('POST', '/tools/remote__lookup', { params: { key: 'x' } })
    assert.equal(answer.body.ok, false)
    assert.equal(answer.body.error.code, 'E_PERMISSION_REQUIRED')
    assert.match(answer.body.error.message, /needs the network.*networkEnabled: true/)
    assert.equal(remote.requests, 0)
    const health = await call('GET', '/health')
    const skill = (health.body.data.skills as Json[]).find((entry) => entry.id === 'skill.mcp.remote')
    assert.match(JSON.stringify(skill), /needs the network/)
  })

  test('a server that dies mid-call: a clear error, the hub runs on, the next call restarts it', async () => {
    const crashed = await call('POST', '/tools/notes__crash', { params: {} })
    assert.equal(crashed.body.ok, false)
    assert.equal(crashed.body.error.code, 'E_DEPENDENCY_UNAVAILABLE')
    assert.match(
      crashed.body.error.message,
      /skill\.mcp\.notes stopped during the call to crash.*crashing on purpose/,
    )
    assert.equal((await call('GET', '/health')).status, 200)
    const again = await call('POST', '/tools/notes__lookup', { params: { key: 'eggs' } })
    assert.equal(again.body.data.status, 'done')
    assert.deepEqual(again.body.data.data.structuredContent, { key: 'eggs', text: 'a dozen' })
  })

  test('an unknown config key of an MCP skill is refused when the manifest loads', async () => {
    const manifest = parse(manifestText()) as Json
    manifest.skills.at(-1).config.retries = 3
    const path = join(temp.path, 'bad.yaml')
    writeFileSync(path, stringify(manifest))
    await assert.rejects(checkHubManifest(path), (error: Error & { details?: Json }) => {
      assert.match(JSON.stringify(error.details ?? error.message), /module mcp has no setting retries/)
      return true
    })
  })
})

describe('a server that needs the network, enabled in the manifest', { timeout: 60_000 }, () => {
  test('networkEnabled: true lets the hub reach it', async () => {
    const temp = makeTempDir('localhub-mcp-enabled-')
    const server = await startKitMcpHttpServer({ notesFile: join(temp.path, 'n.json') })
    const manifest = parse(readFileSync(DEFAULT_MANIFEST_PATH, 'utf8')) as Json
    manifest.workspace.roots = [{ name: 'workspace', path: 'workspace', access: 'read_write' }]
    manifest.skills.push(
      mcpSkill('skill.mcp.remote', 'read_only', { url: server.url, network: true, networkEnabled: true }),
    )
    writeFileSync(join(temp.path, 'manifest.yaml'), stringify(manifest))
    const hub = await openHub({
      dataDir: join(temp.path, 'data'),
      manifestPath: join(temp.path, 'manifest.yaml'),
      port: 0,
      logger: false,
      llmFlags: { baseUrl: 'http://127.0.0.1:9', model: 'tiny' },
    })
    try {
      const response = await fetch(`${hub.url}/tools/remote__lookup`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ params: { key: 'x' } }),
      })
      const body = (await response.json()) as Json
      assert.equal(body.data.status, 'done')
      assert.ok(server.requests > 0)
    } finally {
      await hub.close()
      await server.close()
      temp.remove()
    }
  })
})

describe('an HTTP MCP server in its own process', { timeout: 60_000 }, () => {
  test('answers call after call through the hub on one connection', async (t) => {
    const temp = makeTempDir('localhub-mcp-separate-')
    t.after(() => temp.remove())
    const child = spawnTsx(KIT_MCP_SERVER_SCRIPT, ['--http'], {
      [KIT_NOTES_FILE_ENV]: join(temp.path, 'n.json'),
    })
    t.after(() => child.child.kill())
    let url = ''
    for await (const line of child.lines) {
      url = line
      break
    }
    const manifest = parse(readFileSync(DEFAULT_MANIFEST_PATH, 'utf8')) as Json
    manifest.workspace.roots = [{ name: 'workspace', path: 'workspace', access: 'read_write' }]
    manifest.skills.push(mcpSkill('skill.mcp.separate', 'read_only', { url }))
    writeFileSync(join(temp.path, 'manifest.yaml'), stringify(manifest))
    const hub = await openHub({
      dataDir: join(temp.path, 'data'),
      manifestPath: join(temp.path, 'manifest.yaml'),
      port: 0,
      logger: false,
      llmFlags: { baseUrl: 'http://127.0.0.1:9', model: 'tiny' },
    })
    t.after(() => hub.close())
    // A finished answer was once taken for a broken connection here (and every call failed).
    for (let index = 0; index < 10; index++) {
      const response = await fetch(`${hub.url}/tools/separate__lookup`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ params: { key: 'k' } }),
      })
      const body = (await response.json()) as Json
      assert.equal(body.data?.status, 'done', JSON.stringify(body))
    }
  })
})
