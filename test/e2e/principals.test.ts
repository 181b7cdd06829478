// Issue 16, principals end to end on a real hub process: member tokens publish and read only what
// their grants allow (POST /events line by line, GET /events, WS /ws/events), owner-only routes
// refuse them, revocation ends their WebSockets with 1008, and `localhub tokens` / `localhub pair`
// work against the running hub as child processes.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import type { Envelope } from '../../src/contracts/index.ts'
import { DEFAULT_MEMBER_SUBSCRIBE, principalAccess } from '../../src/principals/index.ts'
import { exited, runToEnd } from '../kit/child-process.ts'
import { type HubProcess, startHubProcess } from '../kit/hub-process.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitForAsync } from '../kit/wait-for.ts'

// biome-ignore lint/suspicious/noExplicitAny: answers are arbitrary JSON read field by field
type Json = any

const BIN = fileURLToPath(new URL('../../bin/localhub.js', import.meta.url))
const example = (path: string): Json =>
  JSON.parse(
    readFileSync(
      fileURLToPath(new URL(`../../catalog/events/${path}/v1/examples/basic.json`, import.meta.url)),
      'utf8',
    ),
  )

describe('principals on a real hub', () => {
  const root = makeTempDir('localhub-principals-e2e-')
  const dataDir = join(root.path, 'data')
  let hub: HubProcess

  async function call(
    method: string,
    path: string,
    body?: unknown,
    token = hub.token,
    type = 'application/json',
  ) {
    const response = await fetch(`${hub.url}${path}`, {
      method,
      headers: {
        ...(token === '' ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': type }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    const text = await response.text()
    return {
      status: response.status,
      text,
      body: (text.startsWith('{') && !text.includes('}\n{') ? JSON.parse(text) : undefined) as Json,
    }
  }

  async function createToken(body: Json): Promise<{ token: string; id: string }> {
    const answer = await call('POST', '/principals', body)
    assert.equal(answer.status, 200, answer.text)
    return { token: answer.body.data.token, id: answer.body.data.principal.id }
  }

  function openTail(
    token: string,
    query: string,
  ): Promise<{ socket: WebSocket; events: Envelope[]; closed: Promise<number> }> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(
        `${hub.url.replace('http', 'ws')}/ws/events?${query}&token=${encodeURIComponent(token)}`,
      )
      const events: Envelope[] = []
      const closed = new Promise<number>((done) => socket.once('close', (code) => done(code)))
      socket.on('message', (data) => events.push(JSON.parse(String(data)) as Envelope))
      socket.once('open', () => resolve({ socket, events, closed }))
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`refused ${response.statusCode}`)),
      )
      socket.once('error', reject)
    })
  }

  before(async () => {
    hub = await startHubProcess(dataDir, [], { OLLAMA_HOST: 'http://127.0.0.1:9' })
  })
  after(async () => {
    await hub?.stop()
    root.remove()
  })

  test('a member batch: the refused line says which type and line, the others are stored', async () => {
    const member = await createToken({ role: 'member', name: 'phone' })
    const lines = [
      { type: 'ui.notify', payload: example('ui/notify') },
      { type: 'calendar.event', payload: example('calendar/event') },
      {
        type: 'chat.query',
        payload: { text: 'hello from the phone' },
        meta: { peer: { id: 'someone-else' } },
      },
    ]
    const answer = await call(
      'POST',
      '/events',
      lines.map((line) => JSON.stringify(line)).join('\n'),
      member.token,
      'application/x-ndjson',
    )
    assert.equal(answer.status, 200)
    const results = answer.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    assert.equal(results[0].ok, true)
    assert.equal(results[1].ok, false)
    assert.equal(results[1].error.code, 'E_PERMISSION_REQUIRED')
    assert.equal(results[1].error.details.type, 'calendar.event')
    assert.equal(results[1].error.details.line, 2)
    assert.equal(results[2].ok, true)
    const stored = await call('GET', `/events?from=${results[0].data.seq}&to=${results[2].data.seq}`)
    const types = stored.body.data.map((event: Envelope) => event.type)
    assert.deepEqual(types, ['ui.notify', 'chat.query'])
    // The hub says who published; a claimed peer identity is dropped (this token is not a paired peer).
    const chat = stored.body.data[1] as Envelope
    assert.equal(chat.meta?.principal, member.id)
    assert.equal(chat.meta?.peer, undefined)
    // One refused event on its own: the envelope with 403.
    const single = await call('POST', '/events', lines[1], member.token)
    assert.equal(single.status, 403)
    assert.equal(single.body.error.code, 'E_PERMISSION_REQUIRED')
    assert.equal(single.body.error.details.type, 'calendar.event')
  })

  test('GET /events: a member sees only its granted types, and a filter it may not read is 403', async () => {
    const member = await createToken({ role: 'member' })
    const published = await call('POST', '/events', {
      type: 'calendar.event',
      payload: example('calendar/event'),
    })
    assert.equal(published.status, 200)
    const owner = await call('GET', '/events?limit=1000')
    assert.ok(owner.body.data.some((event: Envelope) => event.type === 'calendar.event'))
    const seen = await call('GET', '/events?limit=1000', undefined, member.token)
    assert.equal(seen.status, 200)
    const access = principalAccess(member.id, { publish: [], subscribe: DEFAULT_MEMBER_SUBSCRIBE })
    assert.ok(seen.body.data.length > 0)
    for (const event of seen.body.data as Envelope[]) assert.ok(access.mayRead(event.type), event.type)
    // The limit counts delivered events: from the hidden one, the next visible one comes.
    const visible = await call('POST', '/events', { type: 'ui.notify', payload: example('ui/notify') })
    const limited = await call(
      'GET',
      `/events?from=${published.body.data.seq}&limit=1`,
      undefined,
      member.token,
    )
    assert.deepEqual(
      limited.body.data.map((event: Envelope) => event.seq),
      [visible.body.data.seq],
    )
    const ndjson = await fetch(`${hub.url}/events?limit=1000`, {
      headers: { authorization: `Bearer ${member.token}`, accept: 'application/x-ndjson' },
    })
    const ndjsonTypes = (await ndjson.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).type as string)
    assert.ok(!ndjsonTypes.includes('calendar.event'))
    const refused = await call('GET', '/events?filter=ledger.>', undefined, member.token)
    assert.equal(refused.status, 403)
    assert.equal(refused.body.error.details.pattern, 'ledger.>')
    const federation = await call('GET', '/events?scope=federation', undefined, member.token)
    assert.equal(federation.status, 403)
  })

  test('owner-only routes refuse a member; /chat needs a chat grant', async () => {
    const member = await createToken({ role: 'member' })
    const custom = await createToken({ role: 'custom', publish: ['timer.tick'], subscribe: ['timer.>'] })
    for (const [method, path] of [
      ['GET', '/approvals'],
      ['GET', '/principals'],
      ['GET', '/ledger/verify'],
      ['GET', '/pairing'],
      ['GET', '/sessions'],
      ['POST', '/v1/chat/completions'],
    ] as const) {
      const answer = await call(method, path, method === 'POST' ? {} : undefined, member.token)
      assert.equal(answer.status, 403, `${method} ${path}: ${answer.text}`)
      assert.equal(answer.body.error.code, 'E_PERMISSION_REQUIRED')
    }
    const created = await call('POST', '/principals', { role: 'owner' }, member.token)
    assert.equal(created.status, 403)
    // The login URL takes the owner's token only.
    const login = await fetch(`${hub.url}/?token=${encodeURIComponent(member.token)}`, { redirect: 'manual' })
    assert.equal(login.status, 401)
    const chatRefused = await call('POST', '/chat', { text: 'hi', stream: false }, custom.token)
    assert.equal(chatRefused.status, 403)
    assert.equal(chatRefused.body.error.details.type, 'chat.query')
    const chatMember = await call('POST', '/chat', { text: 'hi', stream: false }, member.token)
    assert.notEqual(chatMember.status, 403, chatMember.text)
    assert.notEqual(chatMember.status, 401, chatMember.text)
  })

  test('WS /ws/events: a member gets its types only; revoking closes it with 1008; the owner stays', async () => {
    const member = await createToken({ role: 'member' })
    await assert.rejects(openTail(member.token, 'filter=ledger.%3E'), /refused 403/)
    const memberTail = await openTail(member.token, 'filter=%3E')
    const ownerTail = await openTail(hub.token, 'filter=%3E')
    await call('POST', '/events', { type: 'calendar.event', payload: example('calendar/event') })
    await call('POST', '/events', { type: 'ui.notify', payload: example('ui/notify') })
    await waitForAsync(
      async () => ownerTail.events.some((event) => event.type === 'ui.notify'),
      'owner tail',
      10_000,
    )
    await waitForAsync(
      async () => memberTail.events.some((event) => event.type === 'ui.notify'),
      'member tail',
      10_000,
    )
    assert.ok(ownerTail.events.some((event) => event.type === 'calendar.event'))
    assert.ok(!memberTail.events.some((event) => event.type === 'calendar.event'))
    const revoked = await call('DELETE', `/principals/${member.id}`)
    assert.equal(revoked.status, 200)
    assert.ok(revoked.body.data.principal.revokedAt)
    assert.equal(await memberTail.closed, 1008)
    const refused = await call('GET', '/events?filter=chat.>', undefined, member.token)
    assert.equal(refused.status, 401)
    assert.equal(ownerTail.socket.readyState, WebSocket.OPEN)
    const stillOwner = await call('GET', '/principals')
    assert.equal(stillOwner.status, 200)
    ownerTail.socket.close()
    await ownerTail.closed
    assert.equal((await call('DELETE', '/principals/pr_nobody')).status, 404)
  })

  test('localhub tokens create, list and revoke against the running hub', async () => {
    const cli = (args: string[]) =>
      runToEnd(process.execPath, [BIN, 'tokens', ...args, '--data', dataDir], { timeoutMs: 60_000 })
    const created = await cli([
      'create',
      '--role',
      'custom',
      '--publish',
      'timer.tick',
      '--subscribe',
      'timer.>',
      '--name',
      'kiosk',
    ])
    assert.equal(created.code, 0, created.stderr)
    const token = created.stdout.trim()
    assert.match(token, /^lh_/)
    const listed = await cli(['list', '--json'])
    assert.equal(listed.code, 0, listed.stderr)
    const kiosk = JSON.parse(listed.stdout).principals.find((principal: Json) => principal.name === 'kiosk')
    assert.deepEqual(kiosk.publish, ['timer.tick'])
    assert.equal(JSON.stringify(JSON.parse(listed.stdout)).includes(token), false)
    assert.equal((await call('GET', '/events?filter=timer.>', undefined, token)).status, 200)
    const revoked = await cli(['revoke', kiosk.id])
    assert.equal(revoked.code, 0, revoked.stderr)
    assert.equal((await call('GET', '/events?filter=timer.>', undefined, token)).status, 401)
    const bad = await cli(['create'])
    assert.equal(bad.code, 2)
  })

  test('localhub pair: a second machine pairs as a child process; the owner lists, approves and revokes with the CLI', async () => {
    const device = makeTempDir('localhub-device-')
    try {
      const child = spawn(
        process.execPath,
        [BIN, 'pair', '--hub', hub.url, '--peer-id', 'laptop-7', '--name', 'Laptop', '--data', device.path],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      let output = ''
      child.stdout.on('data', (chunk) => (output += chunk))
      child.stderr.on('data', (chunk) => (output += chunk))
      let pending: Json
      await waitForAsync(
        async () => {
          const list = await call('GET', '/pairing')
          pending = list.body.data.pairings.find((pairing: Json) => pairing.peerId === 'laptop-7')
          return pending !== undefined
        },
        'the device to start pairing',
        60_000,
        200,
      )
      await waitForAsync(
        async () => output.includes(pending.fingerprint),
        'the device to print its fingerprint',
        30_000,
      )
      const owner = (args: string[]) =>
        runToEnd(process.execPath, [BIN, 'pair', ...args, '--data', dataDir], { timeoutMs: 60_000 })
      const listed = await owner(['list', '--json'])
      assert.equal(listed.code, 0, listed.stderr)
      const shown = JSON.parse(listed.stdout).pairings.find((pairing: Json) => pairing.peerId === 'laptop-7')
      assert.equal(shown.fingerprint, pending.fingerprint)
      const approved = await owner(['approve', pending.pairingId])
      assert.equal(approved.code, 0, approved.stderr)
      assert.equal(await exited(child), 0, output)
      const saved = JSON.parse(readFileSync(join(device.path, 'paired-hubs.json'), 'utf8'))[hub.url]
      assert.equal(saved.peerId, 'laptop-7')
      assert.equal(saved.fingerprint, pending.fingerprint)
      const posted = await call(
        'POST',
        '/events',
        { type: 'ui.notify', payload: example('ui/notify') },
        saved.token,
      )
      assert.equal(posted.status, 200, posted.text)
      const stored = await call('GET', `/events?from=${posted.body.data.seq}&limit=1`)
      assert.deepEqual(stored.body.data[0].meta.peer, { id: 'laptop-7', fingerprint: pending.fingerprint })
      assert.ok(
        readFileSync(join(device.path, 'keys', 'pairing-ed25519.pem'), 'utf8').includes('PRIVATE KEY'),
      )
      const revoked = await owner(['revoke', 'laptop-7'])
      assert.equal(revoked.code, 0, revoked.stderr)
      assert.equal((await call('GET', '/events?filter=ui.>&limit=1', undefined, saved.token)).status, 401)
    } finally {
      device.remove()
    }
  })
})
