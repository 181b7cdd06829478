import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { test } from 'node:test'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { waitFor } from '../../../test/kit/wait-for.ts'
import { systemClock } from '../../bus/index.ts'
import { ReplyOutbox } from './reply-outbox.ts'
import { parseWebhooks, WebhookPusher } from './reply-webhooks.ts'

const silent = { debug() {}, info() {}, warn() {}, error() {} }

function reply(responseId: string, platform: string) {
  return {
    id: `01a24400-0000-7000-8000-0000000000${responseId.padStart(2, '0')}`,
    type: 'agent.response.created',
    version: 1,
    ts: '2026-12-04T10:05:00Z',
    source: 'skill.channels.reply',
    severity: 'info',
    traceId: `trace-${responseId}`,
    sessionId: 'session-1',
    tenant: 'default',
    payload: { response_id: responseId, content: [{ type: 'text', text: `answer ${responseId}` }] },
    meta: { pinchy: { routing: { agent_id: 'main', target: { platform, channel_id: 'c' } } } },
  }
}

test('webhooks are validated as data with the setting named', () => {
  assert.deepEqual(parseWebhooks(undefined, {}), [])
  assert.throws(() => parseWebhooks([{ url: 'ftp://x' }], {}), /webhooks\[0\]\.url/)
  assert.throws(() => parseWebhooks([{ url: 'http://x', dialect: 'klingon' }], {}), /dialect/)
  assert.throws(() => parseWebhooks([{ url: 'http://x', secretEnv: 'NOPE' }], {}), /NOPE, which is not set/)
  assert.throws(() => parseWebhooks([{ url: 'http://x', retries: 3 }], {}), /no setting retries/)
  const [hook] = parseWebhooks([{ platform: 'discord', url: 'http://127.0.0.1:1/x', secretEnv: 'S' }], {
    S: 'k',
  })
  assert.deepEqual(hook, { platform: 'discord', url: 'http://127.0.0.1:1/x', dialect: 'pinchy', secret: 'k' })
})

test('replies go to their platform’s webhook (else the catch-all) in order; unmatched ones wait', async (t) => {
  const temp = makeTempDir()
  const seen: { path: string; id: string }[] = []
  let refuseFirst = true
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      const id = (JSON.parse(body) as { payload: { response_id: string } }).payload.response_id
      seen.push({ path: request.url!, id })
      if (refuseFirst) {
        refuseFirst = false
        return response.writeHead(500).end()
      }
      response.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const outbox = new ReplyOutbox(join(temp.path, 'outbox.sqlite'))
  const pusher = new WebhookPusher({
    outbox,
    webhooks: parseWebhooks([{ platform: 'discord', url: `${base}/discord` }, { url: `${base}/other` }], {}),
    clock: systemClock,
    logger: silent,
    retryMs: 20,
  })
  t.after(async () => {
    await pusher.close()
    outbox.close()
    server.close()
    temp.remove()
  })
  outbox.add('1', reply('1', 'discord'), 1)
  outbox.add('2', reply('2', 'slack'), 2)
  outbox.add('3', reply('3', 'discord'), 3)
  outbox.markPublished('1')
  outbox.markPublished('2')
  // 3 is written but not yet published: it waits.
  pusher.kick()
  await waitFor(() => outbox.pending().length === 1, 'two replies delivered')
  assert.deepEqual(seen, [
    { path: '/discord', id: '1' },
    { path: '/discord', id: '1' },
    { path: '/other', id: '2' },
  ])
  outbox.markPublished('3')
  pusher.kick()
  await waitFor(() => outbox.pending().length === 0, 'the third delivered')
  assert.deepEqual(seen.at(-1), { path: '/discord', id: '3' })
})
