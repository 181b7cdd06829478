// Issue 14, pushed channel replies: with `webhooks` on skill.channels.reply, the answer to a
// channel message is POSTed (Pinchy v1) to the channel's webhook, retried until a 2xx, and
// delivered again after the hub is SIGKILLed while the POST was in flight (at-least-once).
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { test } from 'node:test'
import { DEFAULT_MANIFEST_PATH } from '../../src/kernel/index.ts'
import { type HubProcess, startHubProcess } from '../kit/hub-process.ts'
import { startOllamaServer } from '../kit/llm-servers/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitFor, waitForAsync } from '../kit/wait-for.ts'

interface Received {
  body: string
  headers: IncomingMessage['headers']
  respond(status: number): void
}

/** A loopback webhook receiver: each POST waits until the test answers it. */
async function startReceiver() {
  const received: Received[] = []
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () =>
      received.push({
        body,
        headers: request.headers,
        respond: (status) => response.writeHead(status).end(),
      }),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/pinchy/replies`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function channelMessage(text: string) {
  return {
    version: 'v1',
    event_id: '01a24400-0000-7000-8000-0000000000a1',
    trace_id: 'trace-webhook-1',
    occurred_at: '2026-12-04T10:00:00Z',
    event_type: 'channel.message.received',
    tenant_id: 'default',
    source: { component_type: 'listener', component_id: 'tg-1', platform: 'telegram', channel_id: 'chat-9' },
    routing: { agent_id: 'main', session_id: 'webhook-session-1' },
    payload: { text, attachments: [] },
  }
}

test('a channel reply is pushed to its webhook, retried, and pushed again after a SIGKILL', async (t) => {
  const temp = makeTempDir('localhub-webhook-')
  const ollama = await startOllamaServer({ reply: () => 'Lima.', models: ['tiny'] })
  const receiver = await startReceiver()
  let hub: HubProcess | undefined
  t.after(async () => {
    await hub?.stop('SIGKILL')
    await receiver.close()
    await ollama.close()
    temp.remove()
  })
  const manifest = readFileSync(DEFAULT_MANIFEST_PATH, 'utf8')
  const config = `    config:\n      outbox: true\n      webhooks:\n        - { platform: telegram, url: "${receiver.url}", secretEnv: TG_WEBHOOK_SECRET }\n        - { platform: matrix, url: "http://127.0.0.1:9/never" }\n`
  const withWebhook = manifest.replace(
    '    consumes: [turn.end, error.raised]\n',
    `    consumes: [turn.end, error.raised]\n${config}`,
  )
  assert.notEqual(withWebhook, manifest, 'the default manifest has skill.channels.reply')
  const manifestPath = join(temp.path, 'webhook.yaml')
  writeFileSync(manifestPath, withWebhook)
  const dataDir = join(temp.path, 'data')
  const start = () =>
    startHubProcess(dataDir, ['--manifest', manifestPath, '--ollama-host', ollama.url, '--model', 'tiny'], {
      TG_WEBHOOK_SECRET: 'shh',
    })
  hub = await start()
  const response = await fetch(`${hub.url}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(channelMessage('What is the capital of Peru?')),
  })
  assert.equal(response.status, 200, await response.text())

  // The first POST is refused: the reply is tried again, with the same idempotency key.
  await waitFor(() => receiver.received.length >= 1, 'the first push', 20_000)
  const first = receiver.received[0]!
  const event = JSON.parse(first.body) as {
    event_type: string
    routing: { target?: Record<string, string> }
    payload: { response_id: string; content: { text: string }[] }
  }
  assert.equal(event.event_type, 'agent.response.created')
  assert.deepEqual(event.payload.content, [{ type: 'text', text: 'Lima.' }])
  assert.deepEqual(event.routing.target, { platform: 'telegram', channel_id: 'chat-9' })
  assert.equal(first.headers['idempotency-key'], event.payload.response_id)
  const signature = createHmac('sha256', 'shh').update(first.body).digest('hex')
  assert.equal(first.headers['x-localhub-signature'], `sha256=${signature}`)
  first.respond(503)
  await waitFor(() => receiver.received.length >= 2, 'the retry', 10_000)
  assert.equal(receiver.received[1]!.body, first.body)

  // The hub dies while the retry waits for its answer: the reply is still in the outbox.
  await hub.stop('SIGKILL')
  hub = await start()
  await waitFor(() => receiver.received.length >= 3, 'the push after the restart', 20_000)
  const third = receiver.received[2]!
  assert.equal(third.headers['idempotency-key'], event.payload.response_id)
  third.respond(200)
  const outbox = async () => {
    const listed = await fetch(`${hub!.url}/channels/outbox`, {
      headers: { authorization: `Bearer ${hub!.token}` },
    })
    return ((await listed.json()) as { data: unknown[] }).data
  }
  await waitForAsync(async () => (await outbox()).length === 0, 'a delivered reply leaving the outbox')
  assert.equal(receiver.received.length, 3, 'a delivered reply is not pushed again')
})
