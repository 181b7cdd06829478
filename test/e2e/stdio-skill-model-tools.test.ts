// Out-of-process skills' tools offered to the model (decision 1832): the TypeScript example
// (examples/skills/frames-echo, capabilityTier read_only) and the Python example
// (manifests/examples/python-skill, capabilityTier write_local_confirm) run as stdio hosts; the
// loopback model calls their tools in chat turns. The read runs at once; the write waits for the
// person's approval and is ledgered as the skill; every call is a tool.request / tool.result pair.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { RunningHub } from '../../src/kernel/index.ts'
import { REPO_ROOT } from '../kit/child-process.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { callHub } from '../kit/manifest-hub.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import {
  chatTurn,
  defaultManifestWith,
  type Json,
  listedTools,
  openToolHub,
  tsExampleStdioTransport,
} from '../kit/tool-hub.ts'
import { watchEvents } from '../kit/wait-for.ts'

describe('stdio skills’ tools offered to the model', { timeout: 120_000 }, () => {
  const temp = makeTempDir('localhub-stdio-model-tools-')
  let ollama: FakeOllamaServer
  let hub: RunningHub

  const call = (method: string, path: string, body?: unknown) => callHub<Json>(hub, method, path, body)
  const chat = (text: string, sessionId: string) => chatTurn(hub, text, sessionId)

  before(async () => {
    ollama = await startOllamaServer({
      models: ['tiny'],
      toolCalls: (request) => {
        if (request.messages.some((message) => message.role === 'tool')) return undefined
        const last = request.messages.at(-1)?.content ?? ''
        // "use ts_echo__echo on: hello" → a call of that tool with {text: "hello"}.
        const use = /use (\w+) on: (.+)$/.exec(last)
        return use === null ? undefined : [{ name: use[1]!, arguments: { text: use[2]! } }]
      },
      reply: (request) => {
        const tool = request.messages.find((message) => message.role === 'tool')
        if (tool === undefined) return 'Hello.'
        const answer = JSON.parse(tool.content) as { status: string; data?: Json; error?: Json }
        const text = answer.data?.text ?? answer.data?.result?.result?.text
        return answer.status === 'done' ? `Tool said: ${text}` : `Tool ${answer.status}.`
      },
    })
    const manifest = defaultManifestWith([
      {
        id: 'skill.ts_echo',
        version: '0.1',
        role: 'echo',
        transport: tsExampleStdioTransport(),
        capabilityTier: 'read_only',
        provides: ['nudge.proposal'],
        consumes: [],
        latencyClass: 'realtime_text',
      },
      {
        id: 'skill.py_echo',
        version: '0.1',
        role: 'echo',
        transport: {
          type: 'stdio',
          command: 'python3',
          args: ['manifests/examples/python-skill/echo_skill.py'],
          cwd: REPO_ROOT,
          env: { PYTHONPATH: 'python' },
          timeoutMs: 30_000,
        },
        capabilityTier: 'write_local_confirm',
        auditLedger: true,
        provides: ['nudge.proposal'],
        consumes: [],
        latencyClass: 'realtime_text',
      },
      {
        // No capabilityTier: its tools stay pipeline steps only.
        id: 'skill.steps_only',
        version: '0.1',
        role: 'echo',
        transport: {
          type: 'stdio',
          command: 'python3',
          args: ['manifests/examples/python-skill/echo_skill.py'],
          cwd: REPO_ROOT,
          env: { PYTHONPATH: 'python' },
          timeoutMs: 30_000,
        },
        provides: [],
        consumes: [],
        latencyClass: 'realtime_text',
      },
    ])
    hub = await openToolHub(temp.path, manifest, { baseUrl: ollama.url, model: 'tiny' })
  })
  after(async () => {
    await hub?.close()
    await ollama?.close()
    temp.remove()
  })

  test('GET /tools lists each host’s tools under its skill’s tier; a skill without capabilityTier offers none', async () => {
    const listed = await call('GET', '/tools')
    const tools = await listedTools(hub)
    for (const expected of [
      'ts_echo__echo:read_only:skill.ts_echo',
      'ts_echo__slow_echo:read_only:skill.ts_echo',
      'py_echo__echo:write_local_confirm:skill.py_echo',
      'py_echo__publish:write_local_confirm:skill.py_echo',
    ])
      assert.ok(tools.includes(expected), `${expected} in ${tools.join(', ')}`)
    assert.ok(!tools.some((tool) => tool.startsWith('steps_only__')), tools.join(', '))
    const echo = (listed.body.data as Json[]).find((tool) => tool.name === 'ts_echo__echo')!
    assert.deepEqual(echo.parameters.required, ['text'], 'the input schema the host declared')
  })

  test('TypeScript host, read_only: the model calls the tool in a chat turn; it runs at once, with events', async (t) => {
    const events = await watchEvents(hub.bus, 'tool.>')
    t.after(() => events.stop())
    const text = await chat('use ts_echo__echo on: hello from typescript', 'session-ts-read')
    assert.equal(text, 'Tool said: hello from typescript')
    const request = await events.next((event) => event.type === 'tool.request', 'tool.request')
    const { tool, action, capabilityTier, requiresConfirm } = request.payload as Json
    assert.deepEqual(
      { tool, action, capabilityTier, requiresConfirm },
      {
        tool: 'skill.ts_echo',
        action: 'ts_echo__echo',
        capabilityTier: 'read_only',
        requiresConfirm: false,
      },
    )
    const result = await events.next((event) => event.type === 'tool.result', 'tool.result')
    assert.equal((result.payload as Json).ok, true)
    assert.equal(result.traceId, request.traceId)
    const offered = ollama.requests.find((entry) => entry.path === '/api/chat')?.body as Json
    assert.ok((offered.tools as Json[]).some((entry) => entry.function.name === 'ts_echo__echo'))
  })

  test('Python host, write_local_confirm: the call waits for approval, runs once approved, is ledgered as the skill', async (t) => {
    const requested = await watchEvents(hub.bus, 'approval.requested')
    const events = await watchEvents(hub.bus, 'tool.>')
    t.after(async () => {
      await requested.stop()
      await events.stop()
    })
    const answer = chat('use py_echo__echo on: hello from python', 'session-py-write')
    const event = await requested.next(
      (candidate) => candidate.sessionId === 'session-py-write',
      'the approval',
      30_000,
    )
    const { approvalId } = event.payload as { approvalId: string }
    const listed = await call('GET', '/approvals')
    const approval = (listed.body.data.approvals as Json[]).find((candidate) => candidate.id === approvalId)!
    assert.equal(approval.tool, 'py_echo__echo')
    assert.deepEqual(approval.targets, ['/skills/skill.py_echo/echo'])
    assert.match(approval.preview.diff, /call tool echo with[\s\S]*"hello from python"/)
    const request = await events.next((candidate) => candidate.type === 'tool.request', 'tool.request')
    assert.equal((request.payload as Json).requiresConfirm, true)
    assert.equal((await call('POST', `/approvals/${approvalId}/approve`, { reason: 'yes' })).status, 200)
    assert.equal(await answer, 'Tool said: hello from python')
    const result = await events.next((candidate) => candidate.type === 'tool.result', 'tool.result')
    assert.equal((result.payload as Json).ok, true)
    const ledger = await call('GET', `/ledger?traceId=${approval.traceId}`)
    const entries = ledger.body.data as Json[]
    assert.ok(entries.length >= 2, JSON.stringify(ledger.body))
    for (const entry of entries) {
      assert.equal(entry.actorSkill, 'skill.py_echo')
      assert.equal(entry.action, 'py_echo__echo')
    }
    assert.ok(entries.some((entry) => entry.outcome === 'succeeded' && entry.decision === 'approved'))
  })

  test('denied, the Python tool never runs and the model is told', async (t) => {
    const requested = await watchEvents(hub.bus, 'approval.requested')
    t.after(() => requested.stop())
    const answer = chat('use py_echo__echo on: nothing', 'session-py-deny')
    const event = await requested.next(
      (candidate) => candidate.sessionId === 'session-py-deny',
      'approval',
      30_000,
    )
    const { approvalId } = event.payload as { approvalId: string }
    assert.equal((await call('POST', `/approvals/${approvalId}/deny`, { reason: 'no' })).status, 200)
    assert.equal(await answer, 'Tool refused.')
  })

  test('arguments that do not fit the host’s schema are refused before any approval or call', async (t) => {
    const requested = await watchEvents(hub.bus, 'approval.requested')
    t.after(() => requested.stop())
    const refused = await call('POST', '/tools/py_echo__publish', { params: { text: 'no type, no payload' } })
    assert.equal(refused.status, 422, JSON.stringify(refused.body))
    assert.equal(refused.body.error.code, 'E_VALIDATION')
    assert.match(refused.body.error.message, /publish/)
    const wrongType = await call('POST', '/tools/ts_echo__echo', { params: { text: 42 } })
    assert.equal(wrongType.body.error.code, 'E_VALIDATION')
    assert.equal(wrongType.body.error.details.issues[0].path, '/text')
    assert.equal(requested.events.length, 0, 'no approval was opened')
  })
})
