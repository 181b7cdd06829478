// Per-tool tiers of an out-of-process skill (decision 1850): the TypeScript example host
// (examples/skills/frames-echo) under `capabilityTier: destructive_two_step` with `config.tools`
// giving echo read_only, publish write_local_confirm and crash off. A read runs at once, a write
// waits for the person and is ledgered as the skill, the off tool is offered nowhere (model, /tools,
// /mcp) and refused by name. A second skill whose config.tools names a tool its host does not serve
// is unavailable with that tool named once the host synced.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { parse, stringify } from 'yaml'
import type { RunningHub } from '../../src/kernel/index.ts'
import { callHub } from '../kit/manifest-hub.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { defaultManifestWith, type Json, openToolHub, tsExampleStdioTransport } from '../kit/tool-hub.ts'
import { waitForAsync } from '../kit/wait-for.ts'

function echoHost(id: string, tools: Record<string, string>): Json {
  return {
    id,
    version: '0.1',
    role: 'echo',
    transport: tsExampleStdioTransport(),
    capabilityTier: 'destructive_two_step',
    auditLedger: true,
    config: { tools },
    provides: ['nudge.proposal'],
    consumes: [],
    latencyClass: 'realtime_text',
  }
}

describe('per-tool tiers of a stdio skill (config.tools)', { timeout: 120_000 }, () => {
  const temp = makeTempDir('localhub-tool-tiers-')
  let hub: RunningHub
  let client: Client

  const call = (method: string, path: string, body?: unknown) => callHub<Json>(hub, method, path, body)

  before(async () => {
    const manifest = parse(
      defaultManifestWith([
        echoHost('skill.tiered', { echo: 'read_only', publish: 'write_local_confirm', crash: 'off' }),
        echoHost('skill.misnamed', { echo: 'read_only', no_such_tool: 'off' }),
      ]),
    ) as Json
    // A chat turn here is a pipeline call step naming the off tool.
    const chat = (manifest.pipelines as Json[]).find((pipeline) => pipeline.id === 'pipeline.chat.text')!
    chat.steps = [{ call: 'skill.tiered', mode: 'crash' }, { emit: 'turn.end' }]
    hub = await openToolHub(temp.path, stringify(manifest), {
      baseUrl: 'http://127.0.0.1:9',
      model: 'absent',
    })
    client = new Client({ name: 'tool-tiers-test', version: '1.0.0' })
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

  test('GET /tools and the hub’s MCP server list each tool under its own tier; the off tool is in neither', async () => {
    const listed = await call('GET', '/tools')
    const tiers = Object.fromEntries(
      (listed.body.data as Json[])
        .filter((tool) => tool.source === 'skill.tiered')
        .map((tool) => [tool.name, tool.tier]),
    )
    assert.equal(tiers.tiered__echo, 'read_only')
    assert.equal(tiers.tiered__publish, 'write_local_confirm')
    // Not named in config.tools: the skill's capabilityTier.
    assert.equal(tiers.tiered__slow_echo, 'destructive_two_step')
    assert.equal(tiers.tiered__crash, undefined)
    const mcp = await client.listTools()
    const names = mcp.tools.map((tool) => tool.name)
    assert.ok(names.includes('tiered__echo'), names.join(', '))
    assert.ok(!names.includes('tiered__crash'), names.join(', '))
    const echo = mcp.tools.find((tool) => tool.name === 'tiered__echo')!
    assert.equal((echo._meta as Json | undefined)?.['localhub/capabilityTier'], 'read_only')
  })

  test('the off tool is refused by name on POST /tools and /mcp; the host never ran it', async () => {
    const refused = await call('POST', '/tools/tiered__crash', { params: {} })
    assert.equal(refused.body.error?.code, 'E_PERMISSION_REQUIRED', JSON.stringify(refused.body))
    assert.match(refused.body.error.message, /turned off in the manifest \(config.tools/)
    const viaMcp = (await client.callTool({ name: 'tiered__crash', arguments: {} })) as Json
    assert.equal(viaMcp.isError, true, JSON.stringify(viaMcp))
    // `crash` exits the host: had it run, the next call would meet a restarting host.
    const health = await call('GET', '/health')
    const tiered = (health.body.data.skills as Json[]).find((skill) => skill.id === 'skill.tiered')
    assert.equal(tiered?.status, 'ready', JSON.stringify(tiered))
  })

  test('a pipeline call step naming the off tool is refused; the host never ran it', async () => {
    const turn = await call('POST', '/chat', { text: 'crash, please', stream: false })
    assert.equal(turn.body.error?.code, 'E_PERMISSION_REQUIRED', JSON.stringify(turn.body))
    assert.match(turn.body.error.message, /tool crash of skill skill.tiered is turned off/)
    const health = await call('GET', '/health')
    const tiered = (health.body.data.skills as Json[]).find((skill) => skill.id === 'skill.tiered')
    assert.equal(tiered?.status, 'ready', JSON.stringify(tiered))
  })

  test('a read_only tool of a destructive skill runs at once', async () => {
    const answer = await call('POST', '/tools/tiered__echo', { params: { text: 'at once' } })
    assert.equal(answer.body.data?.status, 'done', JSON.stringify(answer.body))
    assert.deepEqual(answer.body.data.data, { text: 'at once' })
  })

  test('a write_local_confirm tool waits for one approval, runs once approved, and is ledgered as the skill', async () => {
    const asked = await call('POST', '/tools/tiered__publish', {
      params: { type: 'nudge.proposal', payload: { nope: true } },
    })
    assert.equal(asked.body.data?.status, 'pending', JSON.stringify(asked.body))
    assert.equal(asked.body.data.confirmationsRequired, 1)
    const approvalId = asked.body.data.approvalId as string
    const listed = await call('GET', '/approvals')
    const approval = (listed.body.data.approvals as Json[]).find((candidate) => candidate.id === approvalId)!
    assert.deepEqual(approval.targets, ['/skills/skill.tiered/publish'])
    const approved = await call('POST', `/approvals/${approvalId}/approve`, {})
    assert.equal(approved.body.data?.status, 'approved', JSON.stringify(approved.body))
    const ledger = await call('GET', `/ledger?traceId=${approval.traceId}`)
    const entries = ledger.body.data as Json[]
    assert.ok(entries.length >= 2, JSON.stringify(ledger.body))
    for (const entry of entries) assert.equal(entry.actorSkill, 'skill.tiered')
    assert.ok(entries.some((entry) => entry.tier === 'write_local_confirm' && entry.decision === 'approved'))
  })

  test('config.tools naming a tool the host does not serve: the skill is unavailable, the tool named', async () => {
    let misnamed: Json | undefined
    await waitForAsync(
      async () => {
        const health = await call('GET', '/health')
        misnamed = (health.body.data.skills as Json[]).find((entry) => entry.id === 'skill.misnamed')
        return misnamed?.status === 'unavailable'
      },
      'skill.misnamed unavailable',
      20_000,
    )
    assert.match(String(misnamed?.reason), /config\.tools names no_such_tool, which this host does not serve/)
    const listed = await call('GET', '/tools')
    assert.ok(!(listed.body.data as Json[]).some((tool) => tool.source === 'skill.misnamed'))
  })
})
