import assert from 'node:assert/strict'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { describe, test } from 'node:test'
import { call, startTestServer, wsRefusalStatus } from '../../../test/kit/http-client.ts'
import { waitFor } from '../../../test/kit/wait-for.ts'
import { HubError } from '../../contracts/index.ts'
import { createServer } from './create-server.ts'

const PROTECTED: Array<[string, string]> = [
  ['GET', '/'],
  ['GET', '/sessions'],
  ['GET', '/metrics'],
  ['GET', '/events'],
  ['POST', '/events'],
  ['POST', '/chat'],
  ['GET', '/no-such-route'],
]

function jsonInit(method: string) {
  return method === 'POST'
    ? { method, headers: { 'content-type': 'application/json' }, body: '{"text":"hi"}' }
    : { method }
}

describe('authentication', () => {
  test('every route but /health needs the token; a wrong token is refused too', async (t) => {
    const server = await startTestServer(t)
    for (const [method, path] of PROTECTED) {
      for (const token of [null, 'wrong-token-wrong-token', `${server.token}x`]) {
        const response = await server.call(path, { ...jsonInit(method), token })
        assert.equal(response.status, 401, `${method} ${path} token=${token}`)
        const body = response.json<{ ok: boolean; error: { code: string } }>()
        assert.deepEqual([body.ok, body.error.code], [false, 'E_PERMISSION_REQUIRED'])
        assert.match(String(response.headers['www-authenticate']), /^Bearer/)
      }
      const allowed = await server.call(path, jsonInit(method))
      assert.notEqual(allowed.status, 401, `${method} ${path} with the token`)
    }
    assert.equal(server.hub.log.length, 0, 'nothing was ingested without the token')
  })

  test('/health without a token says only ok/degraded; with it, everything', async (t) => {
    const server = await startTestServer(t)
    server.hub.healthStatus = 'degraded'
    const anonymous = await server.call('/health', { token: null })
    assert.equal(anonymous.status, 200)
    assert.deepEqual(anonymous.json(), { ok: true, data: { status: 'degraded' } })
    const full = await server.call('/health')
    const data = full.json<{ data: Record<string, unknown> }>().data
    assert.equal(data.status, 'degraded')
    assert.ok(Array.isArray(data.skills))
    assert.equal(data.pid, process.pid)
  })

  test('the login URL sets an HttpOnly SameSite=Strict cookie and strips the token; the cookie then works', async (t) => {
    const server = await startTestServer(t)
    const login = await call(`${server.server.loginUrl}&view=x`)
    assert.equal(login.status, 303)
    assert.equal(login.headers.location, '/?view=x')
    const cookie = String(login.headers['set-cookie'])
    assert.match(cookie, new RegExp(`^localhub_token=${server.token};`))
    for (const attribute of ['HttpOnly', 'SameSite=Strict', 'Path=/'])
      assert.ok(cookie.includes(attribute), attribute)
    const withCookie = await server.call('/sessions', {
      token: null,
      headers: { cookie: `other=1; localhub_token=${server.token}` },
    })
    assert.equal(withCookie.status, 200)
    const wrongCookie = await server.call('/sessions', {
      token: null,
      headers: { cookie: 'localhub_token=nope' },
    })
    assert.equal(wrongCookie.status, 401)
    const wrongLogin = await call(`${server.url}/?token=wrong`)
    assert.equal(wrongLogin.status, 401)
    assert.equal(wrongLogin.headers['set-cookie'], undefined)
  })

  test('a ?token= on a non-GET request is no login and no credential', async (t) => {
    const server = await startTestServer(t)
    const response = await server.call(`/chat?token=${server.token}`, { ...jsonInit('POST'), token: null })
    assert.equal(response.status, 401)
  })
})

describe('Host and Origin', () => {
  test('a foreign Host (DNS rebinding) is refused on every route, /health included', async (t) => {
    const server = await startTestServer(t)
    for (const host of [
      'evil.example',
      `evil.example:${server.server.port}`,
      `127.0.0.1:${server.server.port + 1}`,
    ]) {
      for (const path of ['/health', '/sessions']) {
        const response = await server.call(path, { headers: { host } })
        assert.equal(response.status, 403, `${host} ${path}`)
        assert.equal(response.json<{ error: { code: string } }>().error.code, 'E_PERMISSION_REQUIRED')
      }
    }
    const ok = await server.call('/sessions', { headers: { host: `localhost:${server.server.port}` } })
    assert.equal(ok.status, 200)
  })

  test('configured host names are accepted', async (t) => {
    const server = await startTestServer(t, { server: { allowedHosts: ['hub.lan'] } })
    assert.equal((await server.call('/sessions', { headers: { host: 'hub.lan' } })).status, 200)
  })

  test('a foreign Origin is refused even with the token; our own origin passes', async (t) => {
    const server = await startTestServer(t, { server: { allowedOrigins: ['http://localhost:5173'] } })
    for (const origin of ['http://evil.example', 'null', 'https://127.0.0.1']) {
      const response = await server.call('/chat', {
        ...jsonInit('POST'),
        headers: { 'content-type': 'application/json', origin },
      })
      assert.equal(response.status, 403, origin)
    }
    assert.equal(server.hub.chatInputs.length, 0)
    for (const origin of [server.url, 'http://localhost:5173']) {
      const response = await server.call('/sessions', { headers: { origin } })
      assert.equal(response.status, 200, origin)
    }
  })

  test('WebSocket upgrades check Host, Origin and the token', async (t) => {
    const server = await startTestServer(t)
    const ws = `${server.url}/ws/events`
    assert.equal(await wsRefusalStatus(ws), 401)
    assert.equal(await wsRefusalStatus(ws, { token: 'wrong-token-wrong-token' }), 401)
    assert.equal(
      await wsRefusalStatus(ws, { token: server.token, headers: { origin: 'http://evil.example' } }),
      403,
    )
    assert.equal(await wsRefusalStatus(ws, { token: server.token, headers: { host: 'evil.example' } }), 403)
    assert.equal(await wsRefusalStatus(`${ws}?from=abc`, { token: server.token }), 400)
    assert.equal(await wsRefusalStatus(ws, { token: server.token, headers: { origin: server.url } }), 101)
    assert.equal(await wsRefusalStatus(`${ws}?token=${server.token}`), 101)
    assert.equal(await wsRefusalStatus(ws, { headers: { cookie: `localhub_token=${server.token}` } }), 101)
  })
})

describe('data directory', () => {
  test('server.json records the server while it runs and is removed on close; auth-token is 0600', async (t) => {
    const server = await startTestServer(t)
    const path = join(server.dataDir, 'server.json')
    const info = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
    assert.equal(info.url, server.url)
    assert.equal(info.pid, process.pid)
    assert.ok(!Number.isNaN(Date.parse(String(info.startedAt))))
    assert.equal(typeof info.version, 'string')
    assert.equal(statSync(path).mode & 0o777, 0o600)
    assert.equal(statSync(join(server.dataDir, 'auth-token')).mode & 0o777, 0o600)
    assert.ok(!readFileSync(path, 'utf8').includes(server.token), 'server.json does not hold the token')
    await server.server.close()
    assert.equal(existsSync(path), false)
  })

  test('a second server on the same data dir is refused while the first answers', async (t) => {
    const first = await startTestServer(t)
    await assert.rejects(
      createServer({ dataDir: first.dataDir, port: 0, logger: false, env: {} }, first.hub),
      (error: unknown) =>
        error instanceof HubError && error.code === 'E_IO' && error.message.includes(first.url),
    )
  })
})

describe('logging', () => {
  test('request lines carry a traceId (from x-trace-id when valid) and never the token', async (t) => {
    const lines: string[] = []
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean))
        done()
      },
    })
    const server = await startTestServer(t, { server: { logger: { level: 'info', stream } } })
    const traced = await server.call('/sessions', {
      headers: { 'x-trace-id': 'trace-abc.1', cookie: `localhub_token=${server.token}` },
    })
    assert.equal(traced.headers['x-trace-id'], 'trace-abc.1')
    await call(server.server.loginUrl)
    await server.call(`/ws/events?token=${server.token}`)
    const hostile = await server.call('/sessions', {
      headers: { 'x-trace-id': `bad id {${'x'.repeat(300)}}` },
    })
    const hostileTraceId = String(hostile.headers['x-trace-id'])
    assert.match(hostileTraceId, /^[0-9a-f-]{36}$/)
    // The response line is logged after the response is sent: wait for the last request's one.
    const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    await waitFor(
      () => parsed().some((line) => 'res' in line && line.traceId === hostileTraceId),
      'the log line of the last response',
    )
    const requestLines = parsed().filter((line) => 'req' in line || 'res' in line)
    assert.ok(requestLines.length >= 6)
    assert.ok(requestLines.every((line) => typeof line.traceId === 'string'))
    assert.ok(requestLines.some((line) => line.traceId === 'trace-abc.1'))
    assert.ok(
      lines.every((line) => !line.includes(server.token)),
      'no token in any log line',
    )
  })
})

/** The status line's code of one raw HTTP/1.1 request (headers exactly as written). */
function rawStatus(url: string, head: string): Promise<number> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(head))
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      text += chunk
    })
    socket.on('error', reject)
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)))
  })
}

describe('the guard on every request (decision 2064)', () => {
  test('each single-valued header twice, in any case, answers 400; other repeated headers do not', async (t) => {
    const server = await startTestServer(t)
    const host = new URL(server.url).host
    const request = (headers: string) =>
      rawStatus(
        server.url,
        `GET /sessions HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${server.token}\r\n${headers}Connection: close\r\n\r\n`,
      )
    assert.equal(await request(''), 200)
    assert.equal(
      await request('Accept: a\r\nACCEPT: b\r\nX-Long-Name-Twelve: 1\r\nx-long-name-twelve: 2\r\n'),
      200,
    )
    const origin = `http://${host}`
    assert.equal(await request(`Origin: ${origin}\r\n`), 200)
    assert.equal(await request(`Origin: ${origin}\r\nORIGIN: ${origin}\r\n`), 400)
    assert.equal(await request('Content-Type: application/json\r\ncontent-TYPE: text/plain\r\n'), 400)
    assert.equal(await request(`AUTHORIZATION: Bearer ${server.token}\r\n`), 400)
    assert.equal(await request(`HOST: ${host}\r\n`), 400)
  })

  test('an escaped ?%74oken= is a login too; a query without the parameter is none', async (t) => {
    const server = await startTestServer(t)
    const login = await call(`${server.url}/?%74oken=${encodeURIComponent(server.token)}&view=x`)
    assert.equal(login.status, 303)
    assert.match(String(login.headers['set-cookie']), new RegExp(`^localhub_token=${server.token};`))
    const wrong = await call(`${server.url}/?%74oken=wrong`)
    assert.equal(wrong.status, 401)
    assert.equal(wrong.headers['set-cookie'], undefined)
    const other = await server.call('/sessions?view=x')
    assert.equal(other.status, 200)
  })
})
