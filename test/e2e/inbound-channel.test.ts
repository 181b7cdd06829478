// Issue 14, inbound channels: a Pinchy channel.message.received posted to the hub starts a chat
// turn whose prompt carries the message's words, although the log keeps only their hash; the
// answer goes back as agent.response.created routed to the message's channel (skill.channels).
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Envelope } from '../../src/contracts/index.ts'
import { createDialectConverter } from '../../src/dialects/index.ts'
import { DEFAULT_MANIFEST_PATH, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { DEFAULT_OUTBOX_DATABASE, ReplyOutbox } from '../../src/skills/channels/index.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { type EventWatch, waitForAsync, watchEvents } from '../kit/wait-for.ts'

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

function channelMessage(n: number, text: string, routing: Record<string, unknown> = {}) {
  return {
    version: 'v1',
    event_id: `01a24400-0000-7000-8000-00000000000${n}`,
    trace_id: `trace-inbound-${n}`,
    occurred_at: '2026-12-04T10:00:00Z',
    event_type: 'channel.message.received',
    tenant_id: 'default',
    source: { component_type: 'listener', component_id: 'matrix-1', platform: 'matrix', channel_id: 'c-1' },
    routing: { agent_id: 'main', session_id: 'chan-session-1', ...routing },
    payload: { text, attachments: [] },
  }
}

async function post(target: RunningHub, message: unknown): Promise<void> {
  const response = await fetch(`${target.url}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(message),
  })
  assert.equal(response.status, 200, await response.clone().text())
}

/**
 * What an in-process Pinchy consumer gets: the agent.* events as published (a trusted live
 * subscription; decision 0603), converted back to Pinchy v1.
 */
interface PinchyEvent {
  event_type: string
  trace_id: string
  routing: { agent_id: string; session_id: string; target?: Record<string, string> }
  payload: {
    turn_id?: string
    response_id?: string
    trigger_event_type?: string
    content?: { type: string; text: string }[]
  }
}

async function pinchyConsumer(target: RunningHub): Promise<{ events: PinchyEvent[]; stop(): Promise<void> }> {
  const converter = createDialectConverter()
  const events: PinchyEvent[] = []
  const subscription = await target.bus.subscribe(
    'agent.>',
    (event: Envelope) => {
      events.push(converter.fromCanonical('pinchy', event) as unknown as PinchyEvent)
    },
    { trusted: true },
  )
  return { events, stop: () => subscription.unsubscribe() }
}

async function turnEnd(ends: EventWatch, traceId: string): Promise<Envelope> {
  return ends.next((event) => event.traceId === traceId, `the turn of ${traceId} ending`, 20_000)
}

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

test("the answer goes back as agent.response.created to the session's last active channel, between started and completed", async (t) => {
  const consumer = await pinchyConsumer(hub)
  t.after(() => consumer.stop())
  const ends = await watchEvents(hub.bus, 'turn.end')
  // The first message says where it came from; the second, from an operator tool, does not.
  await post(hub, channelMessage(2, 'Where is Lima?', { session_id: 'chan-session-2' }))
  await turnEnd(ends, 'trace-inbound-2')
  const second = channelMessage(3, 'And Cusco?', { session_id: 'chan-session-2' })
  second.source = { component_type: 'operator', component_id: 'console' } as typeof second.source
  await post(hub, second)
  const end = await turnEnd(ends, 'trace-inbound-3')
  assert.equal((end.payload as { outcome: string }).outcome, 'ok')

  const ofTurn = consumer.events.filter((event) => event.trace_id === 'trace-inbound-3')
  assert.deepEqual(
    ofTurn.map((event) => event.event_type),
    ['agent.turn.started', 'agent.response.created', 'agent.turn.completed'],
  )
  const [started, response, completed] = ofTurn as [PinchyEvent, PinchyEvent, PinchyEvent]
  assert.equal(started.payload.trigger_event_type, 'channel.message.received')
  assert.deepEqual(response.payload.content, [{ type: 'text', text: 'Lima.' }])
  assert.deepEqual(response.routing, {
    agent_id: 'main',
    session_id: 'chan-session-2',
    target: { platform: 'matrix', channel_id: 'c-1' },
  })
  assert.equal(completed.payload.turn_id, started.payload.turn_id)
  assert.equal(completed.payload.response_id, response.payload.response_id)

  // The log keeps the answer's hash, and the routing, so a replaying gateway still knows where.
  const stored: Envelope[] = []
  for await (const event of hub.bus.replay({ filter: 'agent.response.created' }))
    if (event.traceId === 'trace-inbound-3') stored.push(event)
  assert.equal(stored.length, 1)
  assert.ok(!JSON.stringify(stored[0]!.payload).includes('Lima.'), 'the log keeps the hash, not the answer')
  assert.deepEqual((stored[0]!.meta as { pinchy: { routing: { target: unknown } } }).pinchy.routing.target, {
    platform: 'matrix',
    channel_id: 'c-1',
  })
})

test("a message's routing.target wins over the channel it came from", async (t) => {
  const consumer = await pinchyConsumer(hub)
  t.after(() => consumer.stop())
  const ends = await watchEvents(hub.bus, 'turn.end')
  const target = { platform: 'matrix', channel_id: 'c-9', thread_id: 'thread-7' }
  await post(hub, channelMessage(4, 'Reply in the thread', { session_id: 'chan-session-4', target }))
  await turnEnd(ends, 'trace-inbound-4')
  const response = consumer.events.find(
    (event) => event.trace_id === 'trace-inbound-4' && event.event_type === 'agent.response.created',
  )
  assert.deepEqual(response?.routing.target, target)
})

test('a channel turn that fails ends with agent.turn.failed carrying the error, and no response', async (t) => {
  const broken = await startOllamaServer({
    models: ['tiny'],
    failWith: { status: 500, body: { error: 'the model crashed' } },
  })
  const failing = await openHub({
    dataDir: join(temp.path, 'data-failing'),
    manifestPath: DEFAULT_MANIFEST_PATH,
    port: 0,
    logger: false,
    env: { OLLAMA_HOST: broken.url },
    llmFlags: { model: 'tiny' },
  })
  t.after(async () => {
    await failing.close()
    await broken.close()
  })
  const consumer = await pinchyConsumer(failing)
  const failures = await watchEvents(failing.bus, 'agent.turn.failed')
  await post(failing, channelMessage(5, 'Anyone there?', { session_id: 'chan-session-5' }))
  const failed = await failures.next(
    (event) => event.traceId === 'trace-inbound-5',
    'the failed channel turn',
    20_000,
  )
  const payload = failed.payload as { error: { code: string; retryable: boolean }; duration_ms: number }
  assert.notEqual(payload.error.code, 'E_UNKNOWN', JSON.stringify(payload))
  assert.equal(typeof payload.error.retryable, 'boolean')
  const types = consumer.events
    .filter((event) => event.trace_id === 'trace-inbound-5')
    .map((e) => e.event_type)
  assert.deepEqual(types, ['agent.turn.started', 'agent.turn.failed'])
  assert.equal(
    consumer.events.find((event) => event.event_type === 'agent.turn.failed')?.routing.target?.channel_id,
    'c-1',
  )
  await consumer.stop()
})

test('with the outbox on, a reply waits with its words until the gateway acknowledges it, across restarts', async (t) => {
  const dataDir = join(temp.path, 'data-outbox')
  const manifestPath = join(temp.path, 'outbox.yaml')
  const manifest = readFileSync(DEFAULT_MANIFEST_PATH, 'utf8')
  const withOutbox = manifest.replace(
    '    consumes: [turn.end, error.raised]\n',
    '    consumes: [turn.end, error.raised]\n    config: { outbox: true }\n',
  )
  assert.notEqual(withOutbox, manifest, 'the default manifest has skill.channels.reply')
  writeFileSync(manifestPath, withOutbox)
  const open = () =>
    openHub({
      dataDir,
      manifestPath,
      port: 0,
      logger: false,
      env: { OLLAMA_HOST: ollama.url },
      llmFlags: { model: 'tiny' },
    })
  let current = await open()
  t.after(() => current.close())
  const call = async (method: string, path: string) => {
    const response = await fetch(`${current.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${current.token}` },
    })
    return { status: response.status, body: (await response.json()) as { data: unknown } }
  }

  const ends = await watchEvents(current.bus, 'turn.end')
  await post(current, channelMessage(6, 'Still there?', { session_id: 'chan-session-6' }))
  await turnEnd(ends, 'trace-inbound-6')
  const waiting = await call('GET', '/channels/outbox?dialect=pinchy')
  assert.equal(waiting.status, 200)
  const [entry, ...others] = waiting.body.data as {
    responseId: string
    published: boolean
    event: PinchyEvent
  }[]
  assert.equal(others.length, 0)
  assert.equal(entry!.published, true)
  assert.equal(entry!.event.event_type, 'agent.response.created')
  assert.deepEqual(entry!.event.payload.content, [{ type: 'text', text: 'Lima.' }])
  assert.deepEqual(entry!.event.routing.target, { platform: 'matrix', channel_id: 'c-1' })

  // A reply written to the outbox but never published (the hub died in between) goes out on start.
  await current.close()
  const outbox = new ReplyOutbox(join(dataDir, DEFAULT_OUTBOX_DATABASE))
  const lostEnvelope = {
    id: '01a24400-0000-7000-8000-0000000000f1',
    type: 'agent.response.created',
    version: 1,
    ts: '2026-12-04T10:05:00Z',
    source: 'skill.channels.reply',
    severity: 'info',
    traceId: 'trace-lost',
    sessionId: 'chan-session-6',
    tenant: 'default',
    idempotencyKey: 'channel-reply:lost-1',
    payload: { response_id: 'lost-1', content: [{ type: 'text', text: 'Sorry, I was away.' }] },
    meta: { pinchy: { routing: { agent_id: 'main', target: entry!.event.routing.target } } },
  }
  outbox.add('lost-1', lostEnvelope, Date.now())
  outbox.close()
  current = await open()
  // The hub publishes it while it opens (before a watch could start): the outbox says when.
  await waitForAsync(async () => {
    const listed = (await call('GET', '/channels/outbox')).body.data as {
      responseId: string
      published: boolean
    }[]
    return listed.some((item) => item.responseId === 'lost-1' && item.published)
  }, 'the lost reply published on start')
  const inLog: Envelope[] = []
  for await (const event of current.bus.replay({ filter: 'agent.response.created' }))
    if (event.traceId === 'trace-lost') inLog.push(event)
  assert.equal(inLog.length, 1)

  const afterRestart = await call('GET', '/channels/outbox')
  assert.deepEqual(
    (afterRestart.body.data as { responseId: string; published: boolean }[]).map((item) => [
      item.responseId,
      item.published,
    ]),
    [
      [entry!.responseId, true],
      ['lost-1', true],
    ],
  )
  assert.equal((await call('POST', `/channels/outbox/${entry!.responseId}/ack`)).status, 200)
  const again = await call('POST', `/channels/outbox/${entry!.responseId}/ack`)
  assert.equal(again.status, 400)
  assert.match(JSON.stringify(again.body), /no reply .* waiting in the outbox/)
  assert.equal((await call('POST', '/channels/outbox/lost-1/ack')).status, 200)
  assert.deepEqual((await call('GET', '/channels/outbox')).body.data, [])
})
