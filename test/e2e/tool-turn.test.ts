// A chat turn in which the model proposes a file write: the write waits for the person's approval,
// then runs, is ledgered, and the model is told the outcome — the seed 000 acceptance "ledger logs
// every write_local_confirm action", driven by the model as in real use.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { DEFAULT_MANIFEST_PATH, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { callHub } from '../kit/manifest-hub.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { type EventWatch, watchEvents } from '../kit/wait-for.ts'

interface SseEvent {
  event: string
  data: Record<string, unknown>
}

function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = []
  for (const block of text.split('\n\n')) {
    const event = /^event: (.+)$/m.exec(block)?.[1]
    const data = /^data: (.+)$/m.exec(block)?.[1]
    if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) })
  }
  return events
}

describe('a chat turn that proposes a write', { timeout: 90_000 }, () => {
  const temp = makeTempDir('localhub-tool-turn-')
  const workspace = join(temp.path, 'workspace')
  let ollama: FakeOllamaServer
  let hub: RunningHub

  async function call(method: string, path: string, body?: unknown) {
    return (await callHub<{ ok: boolean; data: Record<string, unknown> }>(hub, method, path, body)).body
  }

  /** Waits for the approval.requested event of the session, then reads the approval as the dashboard does. */
  async function pendingApproval(
    requested: EventWatch,
    sessionId: string,
  ): Promise<{ id: string; preview: { diff: string } }> {
    const event = await requested.next(
      (candidate) => candidate.sessionId === sessionId,
      `approval.requested in ${sessionId}`,
      20_000,
    )
    const { approvalId } = event.payload as { approvalId: string }
    const listed = await call('GET', '/approvals')
    const approvals = listed.data.approvals as { id: string; preview: { diff: string } }[]
    const approval = approvals.find((candidate) => candidate.id === approvalId)
    assert.ok(approval, `approval ${approvalId} is listed as pending`)
    return approval
  }

  function chat(text: string, sessionId: string): Promise<SseEvent[]> {
    return fetch(`${hub.url}/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text, sessionId }),
    }).then(async (response) => parseSse(await response.text()))
  }

  before(async () => {
    mkdirSync(join(workspace, 'docs'), { recursive: true })
    const manifest = readFileSync(DEFAULT_MANIFEST_PATH, 'utf8').replace(
      /path: "~\/projects"/,
      `path: ${JSON.stringify(workspace)}`,
    )
    writeFileSync(join(temp.path, 'manifest.yaml'), manifest)
    ollama = await startOllamaServer({
      models: ['tiny'],
      toolCalls: (request) => {
        const answered = request.messages.some((message) => message.role === 'tool')
        const wants = /shopping list/.test(request.messages.at(-1)?.content ?? '')
        return wants && !answered
          ? [{ name: 'write_file', arguments: { path: 'docs/shopping.md', content: 'milk\nbread\n' } }]
          : undefined
      },
      reply: (request) => {
        const tool = request.messages.find((message) => message.role === 'tool')
        if (tool === undefined) return 'Hello.'
        const status = (JSON.parse(tool.content) as { status: string }).status
        return status === 'done' ? 'I wrote your shopping list.' : `I could not write it (${status}).`
      },
    })
    hub = await openHub({
      dataDir: join(temp.path, 'data'),
      manifestPath: join(temp.path, 'manifest.yaml'),
      port: 0,
      logger: false,
      llmFlags: { baseUrl: ollama.url, model: 'tiny' },
    })
  })
  after(async () => {
    await hub?.close()
    await ollama?.close()
    temp.remove()
  })

  test('the model offers the file tools; the write waits for approval, runs, is ledgered, and the model is told', async (t) => {
    const requested = await watchEvents(hub.bus, 'approval.requested')
    t.after(() => requested.stop())
    const answer = chat('Please put milk and bread on my shopping list', 'session-tools-1')
    const approval = await pendingApproval(requested, 'session-tools-1')
    assert.match(approval.preview.diff, /\+milk/)
    assert.equal(
      existsSync(join(workspace, 'docs', 'shopping.md')),
      false,
      'nothing is written before approval',
    )
    const approved = await call('POST', `/approvals/${approval.id}/approve`, { reason: 'yes' })
    assert.equal(approved.ok, true)
    const events = await answer
    const text = events
      .filter((event) => event.event === 'stream.chunk')
      .map((event) => (event.data.data as { text: string }).text)
      .join('')
    assert.equal(text, 'I wrote your shopping list.')
    assert.deepEqual(
      events.filter((event) => event.event === 'tool.status').map((event) => event.data.status),
      ['requested', 'done'],
    )
    assert.equal(readFileSync(join(workspace, 'docs', 'shopping.md'), 'utf8'), 'milk\nbread\n')
    const first = ollama.requests.find((request) => request.path === '/api/chat')?.body as {
      tools?: { function: { name: string } }[]
    }
    assert.ok(
      first.tools?.some((tool) => tool.function.name === 'write_file'),
      'the model was offered the file tools',
    )
    const start = hub.bus.replay({ filter: 'turn.start' })
    let traceId = ''
    for await (const event of start) if (event.sessionId === 'session-tools-1') traceId = event.traceId
    const ledger = await call('GET', `/ledger?traceId=${traceId}`)
    const written = (ledger.data as unknown as { outcome?: string; afterHash?: string }[]).find(
      (entry) => entry.outcome === 'succeeded',
    )
    assert.equal(written?.afterHash, createHash('sha256').update('milk\nbread\n').digest('hex'))
    const states: string[] = []
    for await (const event of hub.bus.replay({ filter: 'session.state.changed' })) {
      if (event.traceId === traceId) states.push((event.payload as { to: string }).to)
    }
    assert.deepEqual(states, ['thinking', 'acting', 'thinking', 'idle'])
  })

  test('a denied write leaves nothing behind and the model hears it was refused', async (t) => {
    const requested = await watchEvents(hub.bus, 'approval.requested')
    t.after(() => requested.stop())
    const answer = chat('Please put milk and bread on my shopping list', 'session-tools-2')
    writeFileSync(join(workspace, 'docs', 'shopping.md'), 'eggs\n')
    const approval = await pendingApproval(requested, 'session-tools-2')
    assert.equal((await call('POST', `/approvals/${approval.id}/deny`, { reason: 'not now' })).ok, true)
    const events = await answer
    const text = events
      .filter((event) => event.event === 'stream.chunk')
      .map((event) => (event.data.data as { text: string }).text)
      .join('')
    assert.equal(text, 'I could not write it (refused).')
    assert.equal(readFileSync(join(workspace, 'docs', 'shopping.md'), 'utf8'), 'eggs\n')
  })
})
