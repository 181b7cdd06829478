// The whole hub on NATS JetStream (issue 23, decision 1600): a real nats-server on random ports, a
// chat turn against the loopback Ollama server, a file write that waits for approval, the live
// tail on /ws/events and the replay on GET /events, /health naming the bus — and a second hub with
// another hub id on the same server that never sees the first one's events.
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import WebSocket from 'ws'
import type { Envelope } from '../../src/contracts/index.ts'
import { DEFAULT_MANIFEST_PATH, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { callHub } from '../kit/manifest-hub.ts'
import { type NatsServerHandle, startNatsServer } from '../kit/nats-server.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitFor, watchEvents } from '../kit/wait-for.ts'

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

async function call(hub: RunningHub, method: string, path: string, body?: unknown) {
  return (await callHub<{ ok: boolean; data: unknown }>(hub, method, path, body)).body
}

function chat(hub: RunningHub, text: string, sessionId: string): Promise<SseEvent[]> {
  return fetch(`${hub.url}/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text, sessionId }),
  }).then(async (response) => parseSse(await response.text()))
}

function answerText(events: SseEvent[]): string {
  return events
    .filter((event) => event.event === 'stream.chunk')
    .map((event) => (event.data.data as { text: string }).text)
    .join('')
}

/** GET /events for one type, as the dashboard's replay asks for it. */
async function replayed(hub: RunningHub, filter: string): Promise<Envelope[]> {
  const reply = await call(hub, 'GET', `/events?filter=${encodeURIComponent(filter)}&limit=1000`)
  assert.equal(reply.ok, true)
  return reply.data as Envelope[]
}

describe('a hub on NATS JetStream', { timeout: 120_000 }, () => {
  const temp = makeTempDir('localhub-nats-hub-')
  const workspace = join(temp.path, 'workspace')
  let nats: NatsServerHandle
  let ollama: FakeOllamaServer
  let desk: RunningHub
  let laptop: RunningHub

  before(async () => {
    nats = await startNatsServer({ name: 'nats-hub' })
    mkdirSync(join(workspace, 'docs'), { recursive: true })
    const base = readFileSync(DEFAULT_MANIFEST_PATH, 'utf8').replace(
      /path: "~\/projects"/,
      `path: ${JSON.stringify(workspace)}`,
    )
    // One hub chooses NATS in its manifest; the other by the serve flags, on the same server.
    const limited = base.replace('events: { maxAgeDays: 30 }', 'events: { maxAgeDays: 30, maxCount: 5000 }')
    assert.notEqual(limited, base, 'the default manifest keeps events 30 days')
    const onNats = `${limited.trimEnd()}\nbus:\n  transport: nats\n  servers: [${nats.url}]\n  hubId: desk\n`
    writeFileSync(join(temp.path, 'desk.yaml'), onNats)
    writeFileSync(join(temp.path, 'laptop.yaml'), base)
    ollama = await startOllamaServer({
      models: ['tiny'],
      toolCalls: (request) => {
        const answered = request.messages.some((message) => message.role === 'tool')
        const wants = /shopping list/.test(request.messages.at(-1)?.content ?? '')
        return wants && !answered
          ? [{ name: 'write_file', arguments: { path: 'docs/shopping.md', content: 'milk\n' } }]
          : undefined
      },
      reply: (request) => {
        const tool = request.messages.find((message) => message.role === 'tool')
        if (tool === undefined) return 'Hello from NATS.'
        const status = (JSON.parse(tool.content) as { status: string }).status
        return status === 'done' ? 'Written.' : `Not written (${status}).`
      },
    })
    const common = {
      port: 0,
      logger: false as const,
      env: {},
      llmFlags: { baseUrl: ollama.url, model: 'tiny' },
    }
    desk = await openHub({
      ...common,
      dataDir: join(temp.path, 'desk'),
      manifestPath: join(temp.path, 'desk.yaml'),
    })
    laptop = await openHub({
      ...common,
      dataDir: join(temp.path, 'laptop'),
      manifestPath: join(temp.path, 'laptop.yaml'),
      bus: { bus: nats.url, hubId: 'laptop' },
    })
  })
  after(async () => {
    await desk?.close()
    await laptop?.close()
    await ollama?.close()
    await nats?.dispose()
    temp.remove()
  })

  test('/health names the NATS bus, and each hub has its own stream with retention as limits', async () => {
    const health = (await call(desk, 'GET', '/health')).data as {
      bus: { transport: string; lag: string; lastSeq: number; consumers: { name: string; pending: number }[] }
    }
    assert.equal(health.bus.transport, 'nats')
    // The lag is the server's own consumer state on LH_desk (decision 1603).
    assert.match(
      health.bus.lag,
      /^\d+ pending, \d+ awaiting ack; \d+ of \d+ consumers behind \(log at seq \d+\)$/,
    )
    assert.ok(health.bus.lastSeq > 0, 'the boot events are in the stream')
    assert.ok(health.bus.consumers.length > 0, 'the hub has consumers on its stream')
    assert.ok(health.bus.consumers.every((consumer) => consumer.pending >= 0))
    assert.equal(desk.bus.subjectPrefix, 'hub.desk')
    assert.equal(laptop.bus.subjectPrefix, 'hub.laptop')
    const connection = await connect({ servers: nats.url })
    try {
      const manager = await jetstreamManager(connection)
      const names: string[] = []
      for await (const stream of manager.streams.list()) names.push(stream.config.name)
      assert.ok(names.includes('LH_desk') && names.includes('LH_laptop'), names.join(', '))
      // retention.events: 30 days and 5000 per type become the stream's max_age and per-subject limit.
      const info = await manager.streams.info('LH_desk')
      assert.equal(info.config.max_age, 30 * 86_400 * 1e9)
      assert.equal(info.config.max_msgs_per_subject, 5000)
    } finally {
      await connection.close()
    }
  })

  test('a chat turn runs on NATS: the live tail sees it, the replay returns it', async (t) => {
    const tailed: Envelope[] = []
    const socket = new WebSocket(`${desk.url.replace(/^http/, 'ws')}/ws/events?filter=turn.*`, {
      headers: { authorization: `Bearer ${desk.token}` },
    })
    t.after(() => socket.close())
    socket.on('message', (data) => tailed.push(JSON.parse(String(data)) as Envelope))
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
    })
    const ended = await watchEvents(desk.bus, 'turn.end')
    t.after(() => ended.stop())
    const events = await chat(desk, 'Hello there', 'nats-chat-1')
    assert.equal(answerText(events), 'Hello from NATS.')
    await ended.next((event) => event.sessionId === 'nats-chat-1', 'turn.end of nats-chat-1', 20_000)
    // The tail runs through its own JetStream consumer: wait for the end of the turn to reach it.
    await waitFor(
      () => tailed.some((event) => event.type === 'turn.end' && event.sessionId === 'nats-chat-1'),
      'turn.end of nats-chat-1 on /ws/events',
      10_000,
    )
    assert.ok(tailed.some((event) => event.type === 'turn.start' && event.sessionId === 'nats-chat-1'))
    const starts = await replayed(desk, 'turn.start')
    assert.equal(starts.filter((event) => event.sessionId === 'nats-chat-1').length, 1)
    assert.ok(starts.every((event) => typeof event.seq === 'number'))
  })

  test('a file write waits for approval and runs once approved, on the hub chosen by flags', async (t) => {
    const requested = await watchEvents(laptop.bus, 'approval.requested')
    t.after(() => requested.stop())
    const answer = chat(laptop, 'Put milk on my shopping list', 'nats-tools-1')
    const event = await requested.next(
      (candidate) => candidate.sessionId === 'nats-tools-1',
      'approval.requested of nats-tools-1',
      20_000,
    )
    const { approvalId } = event.payload as { approvalId: string }
    const approved = await call(laptop, 'POST', `/approvals/${approvalId}/approve`, { reason: 'yes' })
    assert.equal(approved.ok, true)
    const events = await answer
    assert.equal(answerText(events), 'Written.')
    assert.equal(readFileSync(join(workspace, 'docs', 'shopping.md'), 'utf8'), 'milk\n')
  })

  test('two hub ids on one server keep their events apart', async () => {
    // Each hub saw its own turns (the tests above), and only those.
    const deskTurns = await replayed(desk, 'turn.start')
    const laptopTurns = await replayed(laptop, 'turn.start')
    const sessionsOf = (events: Envelope[]) => new Set(events.map((event) => event.sessionId))
    assert.ok(sessionsOf(deskTurns).has('nats-chat-1'))
    assert.ok(sessionsOf(laptopTurns).has('nats-tools-1'))
    assert.equal(sessionsOf(deskTurns).has('nats-tools-1'), false)
    assert.equal(sessionsOf(laptopTurns).has('nats-chat-1'), false)
    const deskApprovals = await replayed(desk, 'approval.*')
    assert.deepEqual(deskApprovals, [], 'the desk hub saw no approval of the laptop hub')
  })
})
