// Issue 14, inbound channels: a Pinchy channel.message.received posted to the hub starts a chat
// turn whose prompt carries the message's words, although the log keeps only their hash.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { DEFAULT_MANIFEST_PATH, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { watchEvents } from '../kit/wait-for.ts'

const temp = makeTempDir('localhub-inbound-')
let hub: RunningHub
let ollama: FakeOllamaServer

before(async () => {
  ollama = await startOllamaServer({ reply: () => 'Lima.', models: ['tiny'] })
  hub = await openHub({
    dataDir: join(temp.path, 'data'),
    manifestPath: DEFAULT_MANIFEST_PATH,
    port: 0,
    logger: false,
    env: { OLLAMA_HOST: ollama.url },
    llmFlags: { model: 'tiny' },
  })
})
after(async () => {
  await hub?.close()
  await ollama?.close()
  temp.remove()
})

test('a channel message becomes a turn with the words in the prompt and only their hash in the log', async () => {
  const words = 'What is the capital of Peru?'
  const ends = await watchEvents(hub.bus, 'turn.end')
  const errors = await watchEvents(hub.bus, 'error.raised')
  const message = {
    version: 'v1',
    event_id: '01a24400-0000-7000-8000-000000000001',
    trace_id: 'trace-inbound-1',
    occurred_at: '2026-12-04T10:00:00Z',
    event_type: 'channel.message.received',
    tenant_id: 'default',
    source: { component_type: 'listener', component_id: 'matrix-1', platform: 'matrix', channel_id: 'c-1' },
    routing: { agent_id: 'main', session_id: 'chan-session-1' },
    payload: { text: words, attachments: [] },
  }
  const response = await fetch(`${hub.url}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(message),
  })
  assert.equal(response.status, 200, await response.clone().text())
  const end = await ends.next(
    (event) => event.traceId === 'trace-inbound-1',
    'the channel turn ending',
    20_000,
  )
  assert.equal(
    (end.payload as { outcome: string }).outcome,
    'ok',
    JSON.stringify(errors.events.map((e) => e.payload)),
  )
  assert.equal(end.sessionId, 'chan-session-1')
  const prompt = ollama.requests.find((request) => request.path === '/api/chat')?.body as {
    messages: { role: string; content: string }[]
  }
  assert.equal(prompt.messages.at(-1)?.content, words)
  const stored: string[] = []
  for await (const event of hub.bus.replay({ filter: 'channel.message.received' }))
    stored.push(JSON.stringify(event))
  assert.equal(stored.length, 1)
  assert.ok(!stored[0]!.includes('capital of Peru'), 'the log keeps the hash, not the words')
  assert.match(stored[0]!, /text_sha256/)
})
