// Query strings and path parameters an attacker (or a broken client) would send, against a real hub
// over loopback. Before decisions 2071 and 2072 a bad escape was read as its literal text
// (`?traceId=%ZZ` answered an empty list), unknown names were ignored, a NUL reached the stores, and
// Fastify or Node answered bad paths and oversized request lines in their own shapes.
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { WebSocket } from 'ws'
import { openMemoryStore } from '../../src/skills/memory/index.ts'
import { type HubWithWorkspace, type Json, openHubWithWorkspace } from './hub-with-workspace.ts'

/** Escapes that do not decode to UTF-8: not hex, cut short, a cut 3-byte sequence, a surrogate, a lone byte. */
const BAD_ESCAPES = ['%ZZ', '%', '%E0%A4', 'ab%C3', '%ED%A0%80', '%FF', '%C0%AF']

describe('hostile query strings and path parameters', { timeout: 60_000 }, () => {
  let fixture: HubWithWorkspace

  before(async () => {
    fixture = await openHubWithWorkspace('localhub-hostile-query-', (dataDir) => {
      const memory = openMemoryStore({ path: join(dataDir, 'memory.sqlite') })
      for (const sessionId of ['a b', 'a+b'])
        memory.recordTurn({ sessionId, userText: `hello from ${sessionId}`, assistantText: 'hi' })
      memory.close()
    })
  })
  after(() => fixture?.close())

  /** A refusal: the status, E_BAD_REQUEST (unless told), and the parameter named where it was. */
  const refused = async (
    path: string,
    parameter: string,
    within: 'querystring' | 'params' = 'querystring',
    method = 'GET',
  ): Promise<Json> => {
    const answer = await fixture.call(method, path)
    assert.equal(answer.status, 400, `${method} ${path}: ${JSON.stringify(answer.body)}`)
    assert.equal(answer.body.ok, false, path)
    assert.equal(answer.body.error.code, 'E_BAD_REQUEST', path)
    assert.equal(answer.body.error.details.parameter, parameter, `${path}: ${JSON.stringify(answer.body)}`)
    assert.equal(answer.body.error.details.in, within, path)
    return answer.body
  }

  test('GET /events?traceId=%ZZ and every escape that does not decode are refused, naming the parameter', async () => {
    for (const badEscape of BAD_ESCAPES) {
      const body = await refused(`/events?traceId=${badEscape}`, 'traceId')
      assert.match(body.error.message, /traceId.*percent-escape/)
      assert.equal(body.error.details.issues[0].path, '/traceId')
    }
    // The name itself may be the broken part; one good parameter before it changes nothing.
    await refused('/events?limit=5&%ZZtraceId=x', '%ZZtraceId')
    // A good escape of the same characters is read as text, as before.
    const fine = await fixture.call('GET', '/events?traceId=%25ZZ')
    assert.equal(fine.status, 200, JSON.stringify(fine.body))
  })

  test('the same escapes are refused on every route, those that read the query by hand included', async () => {
    for (const [path, parameter] of [
      ['/dlq?consumer=', 'consumer'],
      ['/ledger?traceId=', 'traceId'],
      ['/memory?sessionId=', 'sessionId'],
      ['/approvals?status=', 'status'],
      ['/grants?sessionId=', 'sessionId'],
      ['/sessions?anything=', 'anything'],
      ['/health?x=', 'x'],
    ] as const) {
      for (const badEscape of ['%ZZ', '%E0%A4']) await refused(`${path}${badEscape}`, parameter)
    }
    // /v1 answers in OpenAI's shape, /api in Ollama's; both refuse.
    const openai = await fixture.call('GET', '/v1/models?x=%E0%A4')
    assert.equal(openai.status, 400, JSON.stringify(openai.body))
    assert.match(openai.body.error.message, /"x".*percent-escape/)
    const ollama = await fixture.call('GET', '/api/tags?x=%ZZ')
    assert.equal(ollama.status, 400, JSON.stringify(ollama.body))
  })

  /** GET with the path sent byte for byte (fetch would drop a `#` and what follows it). */
  const rawGet = (path: string): Promise<{ status: number; body: Json }> =>
    new Promise((resolve, reject) => {
      const url = new URL(fixture.hub.url)
      const outgoing = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path,
          headers: { authorization: `Bearer ${fixture.hub.token}` },
        },
        (response) => {
          let text = ''
          response.setEncoding('utf8')
          response.on('data', (chunk) => {
            text += chunk
          })
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }))
        },
      )
      outgoing.on('error', reject)
      outgoing.end()
    })

  test('a raw # in a query value or name is refused naming the parameter; %23 is text (decision 2084)', async () => {
    for (const [path, parameter] of [
      ['/events?traceId=a#b', 'traceId'],
      ['/events?limit=5&traceId=x#frag', 'traceId'],
      ['/ledger?traceId=t1#', 'traceId'],
      ['/sessions?x#y=1', 'x#y'],
    ] as const) {
      const answer = await rawGet(path)
      assert.equal(answer.status, 400, `${path}: ${JSON.stringify(answer.body)}`)
      assert.equal(answer.body.error.code, 'E_BAD_REQUEST', path)
      assert.equal(answer.body.error.details.in, 'querystring', path)
      assert.equal(answer.body.error.details.parameter, parameter, path)
      assert.match(answer.body.error.message, /raw #.*%23/, path)
    }
    const escaped = await rawGet('/events?traceId=a%23b')
    assert.equal(escaped.status, 200, JSON.stringify(escaped.body))
    // Before the query the router would read what follows `#` as a query string.
    for (const path of ['/events#limit=1', '/health#x', '/memory/a#b?limit=1']) {
      const answer = await rawGet(path)
      assert.equal(answer.status, 400, `${path}: ${JSON.stringify(answer.body)}`)
      assert.equal(answer.body.error.code, 'E_BAD_REQUEST', path)
      assert.equal(answer.body.error.details.in, 'path', path)
      assert.match(answer.body.error.message, /path holds a raw #.*%23/, path)
    }
  })

  test('GET /approvals refuses a bad status or limit naming the parameter (decision 2084)', async () => {
    for (const [path, parameter] of [
      ['/approvals?status=bogus', 'status'],
      ['/approvals?limit=0', 'limit'],
      ['/approvals?limit=100000', 'limit'],
    ] as const) {
      const body = await refused(path, parameter)
      assert.match(body.error.message, new RegExp(`"${parameter}"`), path)
      assert.equal(body.error.details.issues[0].path, `/${parameter}`, path)
    }
    const fine = await fixture.call('GET', '/approvals?status=all&limit=10')
    assert.equal(fine.status, 200, JSON.stringify(fine.body))
  })

  test('an escaped NUL is refused in query values, names and path parameters', async () => {
    const body = await refused('/events?traceId=a%00b', 'traceId')
    assert.match(body.error.message, /NUL/)
    await refused('/memory?sessionId=a%00', 'sessionId')
    await refused('/ledger?trace%00Id=1', 'trace\0Id')
    await refused('/memory/a%00b', 'id', 'params', 'DELETE')
    const openai = await fixture.call('GET', '/v1/models/m%00')
    assert.equal(openai.status, 400, JSON.stringify(openai.body))
    assert.equal(openai.body.error.param, 'model')
  })

  test('a single-valued parameter given twice is refused with its name, wherever the route parses', async () => {
    const body = await refused('/events?limit=1&limit=2', 'limit')
    assert.match(body.error.message, /"limit" may be given once/)
    await refused('/dlq?consumer=a&consumer=b', 'consumer')
    await refused('/ledger?from=1&from=1', 'from')
    await refused('/grants?all=true&all=false', 'all')
    await refused('/approvals?limit=5&limit=6', 'limit')
    await refused('/events?scope=hub&scope=hub', 'scope')
  })

  test('empty values of parameters that name something are refused as 400 with the name, not 422', async () => {
    await refused('/memory?sessionId=', 'sessionId')
    await refused('/memory?before', 'before')
    await refused('/dlq?consumer=', 'consumer')
    await refused('/ledger?traceId=', 'traceId')
    await refused('/grants?all=', 'all')
    await refused('/grants?all=yes', 'all')
  })

  test('unknown names, brackets, __proto__ and constructor are refused on routes that declare a query', async () => {
    const typo = await refused('/ledger?limt=5', 'limt')
    assert.match(typo.error.message, /unknown query parameter "limt"; known: traceId, from, limit/)
    await refused('/dlq?limit[]=1', 'limit[]')
    await refused('/memory?__proto__=1', '__proto__')
    await refused('/grants?__proto__[admin]=1', '__proto__[admin]')
    await refused('/approvals?constructor=1', 'constructor')
    await refused('/events?constructor[prototype][x]=1', 'constructor[prototype][x]')
    const ingest = await fixture.call(
      'POST',
      '/events?recepits=summary',
      '{"type":"ui.command","payload":{"command":"x"}}',
    )
    assert.equal(ingest.status, 400, JSON.stringify(ingest.body))
    assert.equal(ingest.body.error.details.parameter, 'recepits')
    // Routes that declare no query string ignore one (browsers add cache-busters), safely.
    const ignored = await fixture.call(
      'GET',
      '/sessions?_=1&_=2&__proto__=x&constructor[prototype][polluted]=1',
    )
    assert.equal(ignored.status, 200, JSON.stringify(ignored.body))
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    assert.equal(Object.hasOwn(Object.prototype, 'x'), false)
  })

  test('a WebSocket upgrade with a bad escape is refused before the upgrade, with the envelope', async () => {
    const url = `${fixture.hub.url.replace('http', 'ws')}/ws/events?traceId=%E0%A4`
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const socket = new WebSocket(url, { headers: { authorization: `Bearer ${fixture.hub.token}` } })
      socket.on('open', () => {
        socket.close()
        reject(new Error('the upgrade was accepted'))
      })
      socket.on('unexpected-response', (_request, response) => {
        let body = ''
        response.on('data', (chunk: Buffer) => {
          body += chunk.toString('utf8')
        })
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
      })
      socket.on('error', () => undefined)
    })
    assert.equal(answer.status, 400, answer.body)
    const parsed = JSON.parse(answer.body)
    assert.equal(parsed.error.code, 'E_BAD_REQUEST')
    assert.equal(parsed.error.details.parameter, 'traceId')
  })

  test('+ and %20 are both a space; %2B is a plus', async () => {
    const sessions = async (query: string) => {
      const answer = await fixture.call('GET', `/memory?sessionId=${query}`)
      assert.equal(answer.status, 200, JSON.stringify(answer.body))
      return [...new Set(answer.body.data.map((entry: Json) => entry.sessionId))]
    }
    assert.deepEqual(await sessions('a+b'), ['a b'])
    assert.deepEqual(await sessions('a%20b'), ['a b'])
    assert.deepEqual(await sessions('a%2Bb'), ['a+b'])
  })

  test('a path that does not decode, or a path parameter over 100 characters, answers the envelope', async () => {
    for (const [method, path, segment] of [
      ['DELETE', '/memory/%ZZ', '%ZZ'],
      ['GET', '/timers/%E0%A4/run', '%E0%A4'],
      ['GET', '/approvals/%C3', '%C3'],
      ['GET', '/no-such-route/%', '%'],
    ] as const) {
      const answer = await fixture.call(method, path)
      assert.equal(answer.status, 400, `${path}: ${JSON.stringify(answer.body)}`)
      assert.equal(
        answer.body.ok,
        false,
        `${path}: Fastify's own shape was sent: ${JSON.stringify(answer.body)}`,
      )
      assert.equal(answer.body.error.code, 'E_BAD_REQUEST')
      assert.deepEqual(answer.body.error.details, { in: 'path', segment })
    }
    const long = await fixture.call('DELETE', `/memory/${'m'.repeat(101)}`)
    assert.equal(long.status, 414, JSON.stringify(long.body))
    assert.equal(long.body.error.code, 'E_RESOURCE_LIMIT')
    assert.equal(long.body.error.details.limit, 100)
  })

  test('a 1 MB query string answers 431 E_RESOURCE_LIMIT; a raw byte outside ASCII answers 400, both enveloped', async () => {
    const huge = await rawRequest(
      fixture,
      Buffer.from(`GET /events?traceId=${'a'.repeat(1_000_000)} HTTP/1.1`),
    )
    assert.equal(huge.status, 431, huge.text.slice(0, 300))
    assert.equal(JSON.parse(huge.body).error.code, 'E_RESOURCE_LIMIT')
    const nonAscii = await rawRequest(fixture, Buffer.from('GET /events?traceId=é HTTP/1.1', 'utf8'))
    assert.equal(nonAscii.status, 400, nonAscii.text.slice(0, 300))
    assert.equal(JSON.parse(nonAscii.body).error.code, 'E_BAD_REQUEST')
    // The hub still answers.
    assert.equal((await fixture.call('GET', '/sessions')).status, 200)
  })

  test('a refused request publishes nothing and loses nothing accepted before it', async () => {
    const count = async (): Promise<number> => {
      const answer = await fixture.call('GET', '/events?filter=ui.command&limit=10000')
      assert.equal(answer.status, 200, JSON.stringify(answer.body))
      return answer.body.data.length
    }
    const good = await fixture.call('POST', '/events', '{"type":"ui.command","payload":{"command":"kept"}}')
    assert.equal(good.status, 200, JSON.stringify(good.body))
    const before = await count()
    const event = '{"type":"ui.command","payload":{"command":"refused"}}'
    for (const query of [
      'receipts=%ZZ',
      'dialect=%E0%A4',
      'receipts=lines&receipts=summary',
      'x%00=1',
      'nope=1',
    ]) {
      const answer = await fixture.call('POST', `/events?${query}`, `${event}\n${event}\n`, {
        'content-type': 'application/x-ndjson',
      })
      assert.equal(answer.status, 400, `${query}: ${JSON.stringify(answer.body)}`)
      assert.equal(answer.body.error.code, 'E_BAD_REQUEST')
    }
    assert.equal(await count(), before, 'no refused body was published')
    const replay = await fixture.call('GET', `/events?from=${good.body.data.seq}&limit=1`)
    assert.equal(replay.body.data[0].payload.command, 'kept', 'the event accepted before is still there')
    // A good dialect hint is still accepted now that the query string is checked.
    const hinted = await fixture.call('POST', '/events?dialect=canonical&receipts=lines', event)
    assert.equal(hinted.status, 200, JSON.stringify(hinted.body))
  })
})

/** Writes one request (request line as given, then Host and the token) and reads the whole answer. */
function rawRequest(
  fixture: HubWithWorkspace,
  requestLine: Buffer,
): Promise<{ status: number; text: string; body: string }> {
  const url = new URL(fixture.hub.url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname)
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk) => {
      text += chunk
    })
    const finish = () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)
      if (status === null) reject(new Error(`no status line in ${JSON.stringify(text.slice(0, 200))}`))
      else resolve({ status: Number(status[1]), text, body: text.slice(text.indexOf('\r\n\r\n') + 4) })
    }
    // The hub may close while a huge request line is still being written: the answer came first.
    socket.on('error', () => undefined)
    socket.on('close', finish)
    socket.write(
      Buffer.concat([
        requestLine,
        Buffer.from(
          `\r\nHost: ${url.host}\r\nAuthorization: Bearer ${fixture.hub.token}\r\nConnection: close\r\n\r\n`,
        ),
      ]),
    )
  })
}
