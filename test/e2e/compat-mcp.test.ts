// The MCP SDK's own client against the hub's MCP server (Streamable HTTP at /mcp, and stdio through
// `localhub mcp`): the hub's file tools with their tiers, approvals and ledger; memory and RAG search.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { DEFAULT_MANIFEST_PATH, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { type EventWatch, watchEvents } from '../kit/wait-for.ts'

const run = promisify(execFile)
const BIN = new URL('../../bin/localhub.js', import.meta.url).pathname

interface ToolText {
  content: { type: string; text?: string }[]
  isError?: boolean
  structuredContent?: Record<string, unknown>
}

describe('MCP server of the hub with the SDK client', { timeout: 120_000 }, () => {
  const temp = makeTempDir('localhub-compat-mcp-')
  const workspace = join(temp.path, 'workspace')
  let hub: RunningHub
  let client: Client

  async function decide(watch: EventWatch, verb: 'approve' | 'deny', before?: () => void): Promise<void> {
    const event = await watch.next(() => true, 'approval.requested', 20_000)
    before?.()
    const { approvalId } = event.payload as { approvalId: string }
    const answer = await fetch(`${hub.url}/approvals/${approvalId}/${verb}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'test' }),
    })
    assert.equal(answer.status, 200)
  }

  before(async () => {
    mkdirSync(join(workspace, 'docs'), { recursive: true })
    writeFileSync(join(workspace, 'docs', 'notes.md'), 'The boat is blue.\n')
    const docs = join(temp.path, 'docs')
    mkdirSync(docs)
    writeFileSync(join(docs, 'nebula.md'), '# Project Nebula\n\nThe launch code of project Nebula is 4711.\n')
    const dataDir = join(temp.path, 'data')
    await run(process.execPath, [BIN, 'rag', 'index', docs, '--data', dataDir])
    const manifest = readFileSync(DEFAULT_MANIFEST_PATH, 'utf8').replace(
      /path: "~\/projects"/,
      `path: ${JSON.stringify(workspace)}`,
    )
    writeFileSync(join(temp.path, 'manifest.yaml'), manifest)
    // No model is needed: MCP reaches the tools directly, not through a turn.
    hub = await openHub({
      dataDir,
      manifestPath: join(temp.path, 'manifest.yaml'),
      port: 0,
      logger: false,
      llmFlags: { baseUrl: 'http://127.0.0.1:9', model: 'absent' },
    })
    client = new Client({ name: 'compat-mcp-test', version: '1.0.0' })
    await client.connect(
      new StreamableHTTPClientTransport(new URL('/mcp', hub.url), {
        requestInit: { headers: { authorization: `Bearer ${hub.token}` } },
      }),
    )
  })
  after(async () => {
    await client?.close()
    await hub?.close()
    temp.remove()
  })

  test('tools/list offers the file tools with their tiers, and the memory and RAG searches', async () => {
    const { tools } = await client.listTools()
    const byName = new Map(tools.map((tool) => [tool.name, tool]))
    for (const name of ['read_file', 'list_dir', 'write_file', 'memory_search', 'rag_search'])
      assert.ok(byName.has(name), `${name} is listed (${[...byName.keys()].join(', ')})`)
    assert.equal(byName.get('read_file')?.annotations?.readOnlyHint, true)
    assert.equal(byName.get('read_file')?._meta?.['localhub/capabilityTier'], 'read_only')
    assert.equal(byName.get('write_file')?.annotations?.readOnlyHint, false)
    assert.equal(byName.get('write_file')?._meta?.['localhub/capabilityTier'], 'write_local_confirm')
    assert.equal(byName.get('write_file')?.inputSchema.type, 'object')
  })

  test('a read tool runs at once and is an event pair', async (t) => {
    const results = await watchEvents(hub.bus, 'tool.result')
    t.after(() => results.stop())
    const answer = (await client.callTool({
      name: 'read_file',
      arguments: { path: 'docs/notes.md' },
    })) as ToolText
    assert.equal(answer.isError, false)
    assert.match(answer.content[0]?.text ?? '', /The boat is blue/)
    const event = await results.next(() => true, 'tool.result')
    assert.equal((event.payload as { tool: string }).tool, 'read_file')
  })

  test('a write waits for the approval, then runs and is ledgered', async (t) => {
    const requested = await watchEvents(hub.bus, 'approval.requested')
    t.after(() => requested.stop())
    const call = client.callTool({
      name: 'write_file',
      arguments: { path: 'docs/todo.md', content: 'water the plants\n' },
    }) as Promise<ToolText>
    await decide(requested, 'approve', () =>
      assert.equal(
        existsSync(join(workspace, 'docs', 'todo.md')),
        false,
        'nothing is written before approval',
      ),
    )
    const answer = await call
    assert.equal(answer.isError, false, JSON.stringify(answer))
    assert.equal(answer.structuredContent?.status, 'done')
    assert.equal(readFileSync(join(workspace, 'docs', 'todo.md'), 'utf8'), 'water the plants\n')
    const ledger = (await (
      await fetch(`${hub.url}/ledger`, { headers: { authorization: `Bearer ${hub.token}` } })
    ).json()) as { data: { outcome?: string; action?: string }[] }
    assert.ok(ledger.data.some((entry) => entry.outcome === 'succeeded'))
  })

  test('a denied write changes nothing and the client is told it was refused', async (t) => {
    const requested = await watchEvents(hub.bus, 'approval.requested')
    t.after(() => requested.stop())
    const call = client.callTool({
      name: 'write_file',
      arguments: { path: 'docs/notes.md', content: 'The boat is red.\n' },
    }) as Promise<ToolText>
    await decide(requested, 'deny')
    const answer = await call
    assert.equal(answer.isError, true)
    assert.equal(answer.structuredContent?.status, 'refused')
    assert.equal(readFileSync(join(workspace, 'docs', 'notes.md'), 'utf8'), 'The boat is blue.\n')
  })

  test('rag_search finds indexed documents; a bad argument is a tool error', async () => {
    const answer = (await client.callTool({
      name: 'rag_search',
      arguments: { query: 'launch code Nebula' },
    })) as ToolText
    assert.equal(answer.isError, false)
    const hits =
      (answer.structuredContent?.data as { hits: { location: { path: string } }[] } | undefined)?.hits ?? []
    assert.ok(hits.some((hit) => hit.location.path.endsWith('nebula.md')))
    const memory = (await client.callTool({
      name: 'memory_search',
      arguments: { query: 'boat' },
    })) as ToolText
    assert.equal(memory.isError, false)
    const bad = (await client.callTool({ name: 'rag_search', arguments: { query: '' } })) as ToolText
    assert.equal(bad.isError, true)
  })

  test('GET and DELETE on /mcp answer 405: the server is stateless', async () => {
    for (const method of ['GET', 'DELETE']) {
      const answer = await fetch(`${hub.url}/mcp`, {
        method,
        headers: { authorization: `Bearer ${hub.token}`, accept: 'text/event-stream' },
      })
      assert.equal(answer.status, 405)
      assert.equal(answer.headers.get('allow'), 'POST')
    }
  })

  test('a body that is not JSON is a JSON-RPC parse error (-32700), as the transport answers', async () => {
    const headers = {
      authorization: `Bearer ${hub.token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    }
    for (const body of ['{"jsonrpc":"2.0","method":', '']) {
      const answer = await fetch(`${hub.url}/mcp`, { method: 'POST', headers, body })
      assert.equal(answer.status, 400)
      const reply = (await answer.json()) as { jsonrpc: string; id: unknown; error: { code: number } }
      assert.equal(reply.jsonrpc, '2.0')
      assert.equal(reply.id, null)
      assert.equal(reply.error.code, -32700)
    }
    // The hub goes on answering MCP.
    assert.ok((await client.listTools()).tools.length > 0)
  })

  test('a wrong token is refused before MCP starts', async () => {
    const stranger = new Client({ name: 'stranger', version: '1.0.0' })
    await assert.rejects(
      stranger.connect(
        new StreamableHTTPClientTransport(new URL('/mcp', hub.url), {
          requestInit: { headers: { authorization: 'Bearer wrong' } },
        }),
      ),
      /401|token/,
    )
  })

  test('localhub mcp relays stdio to the running hub', async () => {
    const stdio = new Client({ name: 'compat-mcp-stdio', version: '1.0.0' })
    await stdio.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BIN, 'mcp', '--url', hub.url],
        env: { ...(process.env as Record<string, string>), LOCALHUB_TOKEN: hub.token },
        stderr: 'pipe',
      }),
    )
    try {
      const { tools } = await stdio.listTools()
      assert.ok(tools.some((tool) => tool.name === 'write_file'))
      const answer = (await stdio.callTool({ name: 'list_dir', arguments: { path: 'docs' } })) as ToolText
      assert.equal(answer.isError, false)
      assert.match(answer.content[0]?.text ?? '', /notes\.md/)
    } finally {
      await stdio.close()
    }
  })
})
