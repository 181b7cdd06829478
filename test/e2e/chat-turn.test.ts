// End to end: the real `localhub serve` process, a loopback server speaking Ollama's protocol,
// documents indexed with the real CLI, and a chat over HTTP — the seed 000 acceptance
// "pipeline.chat.text works (streaming)", plus memory, retrieval, events, metrics and privacy.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { type HubProcess, startHubProcess } from '../kit/hub-process.ts'
import { type FakeOllamaServer, startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

const run = promisify(execFile)
const BIN = new URL('../../bin/localhub.js', import.meta.url).pathname

// Answers from what the prompt holds, so the test can see whether memory and documents reached it.
function reply(request: { messages: { role: string; content: string }[] }): string {
  const system = request.messages.find((message) => message.role === 'system')?.content ?? ''
  const question = request.messages.at(-1)?.content ?? ''
  if (/launch code/i.test(question))
    return system.includes('4711') ? 'The launch code is 4711 [1].' : 'I do not know.'
  if (/my name/i.test(question))
    return system.includes('Ada') ? 'Your name is Ada.' : 'I do not know your name.'
  return 'Nice to meet you, Ada.'
}

interface SseEvent {
  event: string
  data: Record<string, unknown>
}

async function chat(hub: HubProcess, text: string, sessionId: string): Promise<SseEvent[]> {
  const response = await fetch(`${hub.url}/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text, sessionId }),
  })
  assert.equal(response.status, 200, await response.clone().text())
  assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/)
  const events: SseEvent[] = []
  for (const block of (await response.text()).split('\n\n')) {
    const event = /^event: (.+)$/m.exec(block)?.[1]
    const data = /^data: (.+)$/m.exec(block)?.[1]
    if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) })
  }
  return events
}

async function storedEvents(hub: HubProcess): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${hub.url}/events?limit=10000`, {
    headers: { authorization: `Bearer ${hub.token}`, accept: 'application/x-ndjson' },
  })
  assert.equal(response.status, 200)
  return (await response.text())
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line))
}

describe('chat turn through the real server', { timeout: 120_000 }, () => {
  const data = makeTempDir('localhub-e2e-')
  let ollama: FakeOllamaServer
  let hub: HubProcess

  before(async () => {
    const docs = join(data.path, 'docs')
    mkdirSync(docs)
    writeFileSync(join(docs, 'nebula.md'), '# Project Nebula\n\nThe launch code of project Nebula is 4711.\n')
    writeFileSync(join(docs, 'garden.md'), '# Garden\n\nTomatoes need sun and water every day.\n')
    await run(process.execPath, [BIN, 'rag', 'index', docs, '--data', join(data.path, 'hub')])
    ollama = await startOllamaServer({ reply, models: ['tiny'] })
    hub = await startHubProcess(join(data.path, 'hub'), ['--ollama-host', ollama.url, '--model', 'tiny'])
  })
  after(async () => {
    await hub?.stop()
    await ollama?.close()
    data.remove()
  })

  test('the answer streams as stream.start, chunks, stream.end, grounded in the indexed document', async () => {
    const events = await chat(hub, 'What is the launch code of project Nebula?', 'session-a')
    assert.equal(events[0]?.event, 'stream.start')
    assert.equal(events.at(-1)?.event, 'stream.end')
    const chunks = events.filter((event) => event.event === 'stream.chunk')
    assert.ok(chunks.length >= 3, 'the answer arrives in several chunks')
    const text = chunks.map((event) => (event.data.data as { text: string }).text).join('')
    assert.equal(text, 'The launch code is 4711 [1].')
    const citations = events.at(-1)?.data.citations as { title: string; location: { path: string } }[]
    assert.ok(citations.some((citation) => citation.location.path.endsWith('nebula.md')))
    const prompt = ollama.requests.find((request) => request.path === '/api/chat')?.body as {
      model: string
      stream: boolean
    }
    assert.equal(prompt.model, 'tiny')
    assert.equal(prompt.stream, true)
  })

  test('the log holds the turn as one trace, in the documented order, with content stored only as hashes', async () => {
    const events = await storedEvents(hub)
    const start = events.find((event) => event.type === 'turn.start')
    assert.ok(start)
    const turn = events.filter((event) => event.traceId === start.traceId)
    const types = turn.map((event) => event.type)
    for (const type of [
      'turn.start',
      'chat.query',
      'session.state.changed',
      'rag.query',
      'rag.context',
      'memory.context',
      'chat.prompt',
      'stream.start',
      'llm.complete',
      'stream.end',
      'chat.message',
      'memory.write.receipt',
      'turn.end',
    ]) {
      assert.ok(types.includes(type), `${type} is in the trace (${types.join(', ')})`)
    }
    assert.ok(types.indexOf('chat.query') < types.indexOf('rag.context'))
    assert.ok(types.indexOf('chat.prompt') < types.indexOf('llm.complete'))
    assert.ok(types.indexOf('memory.write.receipt') < types.indexOf('turn.end'))
    assert.ok(!types.includes('llm.token'), 'ephemeral tokens are never stored')
    const query = turn.find((event) => event.type === 'chat.query')!.payload as Record<string, unknown>
    assert.equal(query.text, undefined)
    assert.match(String(query.text_sha256), /^[0-9a-f]{64}$/)
    const message = turn.find((event) => event.type === 'chat.message')!.payload as Record<string, unknown>
    assert.equal(message.content, undefined)
    assert.equal(message.content_len, 'The launch code is 4711 [1].'.length)
    const seqs = turn.map((event) => event.seq as number)
    assert.deepEqual(
      [...seqs].sort((a, b) => a - b),
      seqs,
    )
    const states = turn
      .filter((event) => event.type === 'session.state.changed')
      .map((event) => (event.payload as { to: string }).to)
    assert.deepEqual(states, ['thinking', 'idle'])
  })

  test('memory is written at turn end and read back into a later prompt', async () => {
    await chat(hub, 'My name is Ada.', 'session-b')
    const events = await chat(hub, 'What is my name?', 'session-b')
    const text = events
      .filter((event) => event.event === 'stream.chunk')
      .map((event) => (event.data.data as { text: string }).text)
      .join('')
    assert.equal(text, 'Your name is Ada.')
    const { stdout } = await run(process.execPath, [
      BIN,
      'memory',
      'list',
      '--data',
      join(data.path, 'hub'),
      '--json',
    ])
    assert.match(stdout, /Ada/)
  })

  test('metrics count the turns and their step timings', async () => {
    const response = await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${hub.token}` } })
    const text = await response.text()
    const count = (name: string) =>
      Number(new RegExp(`^localhub_${name}_count(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(text)?.[1] ?? 0)
    assert.ok(count('ttft_ms') >= 3, text.slice(0, 500))
    assert.ok(count('rag_ms') >= 3)
    assert.ok(count('turn_ms') >= 3)
  })

  test('with the model server gone a turn fails fast with E_DEPENDENCY_UNAVAILABLE naming what to start', async () => {
    await ollama.close()
    const events = await chat(hub, 'What is the launch code of project Nebula?', 'session-c')
    const error = events.find((event) => event.event === 'error')
    assert.ok(error, 'an error event arrives')
    const failure = error.data.error as { code: string; message: string }
    assert.equal(failure.code, 'E_DEPENDENCY_UNAVAILABLE')
    assert.match(failure.message, /ollama serve/)
  })

  test('SIGTERM stops the hub cleanly and removes server.json', async () => {
    assert.equal(existsSync(join(data.path, 'hub', 'server.json')), true)
    assert.equal(await hub.stop('SIGTERM'), 0)
    assert.equal(existsSync(join(data.path, 'hub', 'server.json')), false)
  })
})
