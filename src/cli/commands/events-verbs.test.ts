import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { describe, test } from 'node:test'
import { runToEnd } from '../../../test/kit/child-process.ts'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { testRegistry } from '../../../test/kit/test-registry.ts'
import { watchEvents } from '../../../test/kit/wait-for.ts'
import { openBus } from '../../bus-factory/index.ts'
import type { CommandIo } from '../io.ts'
import { run as events } from './events.ts'

function memoryIo(cwd: string, env: NodeJS.ProcessEnv, input = '') {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk) => {
    out += chunk
  })
  stderr.on('data', (chunk) => {
    err += chunk
  })
  const io: CommandIo = { stdin: Readable.from([input]), stdout, stderr, env, cwd }
  return { io, out: () => out, err: () => err }
}

function setup(t: { after(fn: () => void): void }) {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const registryPath = join(dir.path, 'registry.json')
  writeFileSync(registryPath, JSON.stringify(testRegistry()))
  // Without --data the verbs use $LOCALHUB_DATA: here, never the real home's data directory.
  const env = { ...process.env, LOCALHUB_REGISTRY: registryPath, LOCALHUB_DATA: join(dir.path, 'data') }
  const call = async (args: string[], input = '') => {
    const { io, out, err } = memoryIo(dir.path, env, input)
    const code = await events(args, io)
    return { code, out: out(), err: err() }
  }
  return { dir: join(dir.path, 'data'), env, call }
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '')

describe('localhub events (data directory)', { timeout: 60_000 }, () => {
  test('publish prints a receipt per committed line, reports bad lines and keeps the rest', async (t) => {
    const { call } = setup(t)
    const input = [
      JSON.stringify({ type: 'note.added', payload: { n: 1 } }),
      '{not json',
      JSON.stringify({ type: 'note.added', payload: { n: 'two' } }),
      '',
      JSON.stringify({ type: 'chat.message', payload: { n: 3 }, sessionId: 's' }),
    ].join('\n')
    const result = await call(['publish', '-'], input)
    assert.equal(result.code, 1)
    const receipts = lines(result.out).map((line) => JSON.parse(line))
    assert.deepEqual(
      receipts.map((receipt) => receipt.seq),
      [1, 2],
    )
    const errors = lines(result.err).map((line) => JSON.parse(line))
    assert.deepEqual(
      errors.map((error) => error.line),
      [2, 3],
    )
    assert.equal(errors[1].error.code, 'E_VALIDATION')
    const replay = await call(['replay', '--json'])
    assert.deepEqual(
      lines(replay.out).map((line) => JSON.parse(line).payload.n),
      [1, 3],
    )
    const filtered = await call(['replay', '--filter', 'chat.*', '--from', '1'])
    assert.match(filtered.out, /chat\.message/)
    assert.doesNotMatch(filtered.out, /note\.added/)
    const usage = await call(['replay', '--from', 'last tuesday'])
    assert.equal(usage.code, 2)
  })

  test('publish refuses a line with an unpaired surrogate as POST /events does, and keeps the rest', async (t) => {
    const { call } = setup(t)
    // Escaped by hand and by JSON.stringify (which writes a lone surrogate as its \u escape).
    const escaped = '{"type":"note.added","payload":{"n":1,"title":"a\\ud800b"}}'
    const raw = JSON.stringify({ type: 'note.added', payload: { n: 2, title: 'c\udc00d' } })
    const fine = JSON.stringify({ type: 'note.added', payload: { n: 3, title: 'é \\u0041 😀' } })
    const result = await call(['publish', '-'], [escaped, raw, fine].join('\n'))
    assert.equal(result.code, 1)
    const errors = lines(result.err).map((line) => JSON.parse(line))
    assert.deepEqual(
      errors.map((error) => [error.line, error.error.code, error.error.details?.issues?.[0]?.path]),
      [
        [1, 'E_VALIDATION', '/payload/title'],
        [2, 'E_VALIDATION', '/payload/title'],
      ],
    )
    const replay = await call(['replay', '--json'])
    assert.deepEqual(
      lines(replay.out).map((line) => JSON.parse(line).payload.title),
      ['é \\u0041 😀'],
    )
  })

  test('publish accepts a foreign dialect line (AdaOS) next to canonical ones', async (t) => {
    const { call } = setup(t)
    const adaos = {
      event_name: 'note.added',
      version: 1,
      ts: new Date().toISOString(),
      source: 'ada',
      correlation_id: 'c-1',
      payload: { n: 5 },
    }
    const result = await call(['publish', '-'], `${JSON.stringify(adaos)}\n`)
    assert.equal(result.err, '')
    assert.equal(result.code, 0)
    assert.equal(JSON.parse(lines(result.out)[0]!).seq, 1)
  })

  test('tail follows new events; topics counts them; subscribe --exec acks on exit 0 and resumes', async (t) => {
    const { call, dir } = setup(t)
    await call(['publish', '-'], `${JSON.stringify({ type: 'note.added', payload: { n: 0 } })}\n`)
    // From seq 2 rather than "new": whether the tail starts before or after the publish below, it
    // reads the same two events, so there is nothing to wait for.
    const tail = call(['tail', 'note.*', '--json', '--count', '2', '--from', '2'])
    const bus = await openBus({ transport: 'sqlite', dataDir: dir, registry: testRegistry() })
    t.after(() => bus.close())
    await bus.publishManyUntyped([1, 2, 3].map((n) => ({ type: 'note.added', payload: { n } })))
    const tailed = await tail
    assert.equal(tailed.code, 0)
    assert.deepEqual(
      lines(tailed.out).map((line) => JSON.parse(line).payload.n),
      [1, 2],
    )
    const topics = await call(['topics', '--json'])
    assert.deepEqual(JSON.parse(lines(topics.out)[0]!).count, 4)
    const marker = join(dir, '..', 'seen.txt')
    const first = await call([
      'subscribe',
      'note.added',
      '--durable',
      'cli',
      '--from',
      'first',
      '--count',
      '2',
      '--exec',
      `cat >> ${marker}; echo ok`,
    ])
    assert.equal(first.code, 0, first.err)
    assert.equal(lines(first.out).length, 2)
    const second = await call(['subscribe', 'note.added', '--durable', 'cli', '--count', '2'])
    assert.deepEqual(
      lines(second.out).map((line) => JSON.parse(line).payload.n),
      [2, 3],
      'the durable position survived the first run',
    )
    const missing = await call(['subscribe', 'note.added'])
    assert.equal(missing.code, 2)
  })

  test('dlq list, retry and purge', async (t) => {
    const { call, dir } = setup(t)
    const bus = await openBus({ transport: 'sqlite', dataDir: dir, registry: testRegistry() })
    const moved = await watchEvents(bus, 'bus.dlq.moved')
    await bus.subscribe(
      'note.added',
      () => {
        throw new Error('always fails')
      },
      { durable: 'broken', maxDeliver: 1 },
    )
    await bus.publishManyUntyped([1, 2].map((n) => ({ type: 'note.added', payload: { n } })))
    await moved.count(2, 'both events dead-lettered')
    assert.equal((await bus.dlq.list({})).length, 2)
    await bus.close()
    const listed = await call(['dlq', 'list', '--json'])
    const entries = lines(listed.out).map((line) => JSON.parse(line))
    assert.equal(entries.length, 2)
    assert.equal(entries[0].lastError, 'always fails')
    const retried = await call(['dlq', 'retry', String(entries[0].dlqId)])
    assert.equal(retried.code, 0)
    assert.match(retried.err, /retried 1/)
    const purged = await call(['dlq', 'purge', '--all'])
    assert.match(purged.err, /purged 1/)
    assert.equal((await call(['dlq', 'list'])).out, '')
    assert.equal((await call(['dlq', 'retry'])).code, 2)
    const log = await call(['replay', '--filter', 'bus.dlq.*', '--json'])
    assert.deepEqual(
      lines(log.out).map((line) => JSON.parse(line).type),
      ['bus.dlq.moved', 'bus.dlq.moved', 'bus.dlq.retried', 'bus.dlq.purged'],
    )
  })
})

describe('localhub events (running server)', { timeout: 60_000 }, () => {
  test('publish, replay and tail go through the HTTP API with the bearer token', async (t) => {
    const { call, dir } = setup(t)
    const seen: { method: string; url: string; auth: string; body: string }[] = []
    const server = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk) => {
        body += chunk
      })
      request.on('end', () => {
        seen.push({
          method: request.method!,
          url: request.url!,
          auth: String(request.headers.authorization),
          body,
        })
        response.setHeader('content-type', 'application/x-ndjson')
        if (request.method === 'POST') {
          const results = body
            .split('\n')
            .filter(Boolean)
            .map((line, index) =>
              line.includes('"bad"')
                ? { ok: false, error: { code: 'E_VALIDATION', message: 'bad' } }
                : { ok: true, data: { id: `id-${index}`, seq: 10 + index } },
            )
          response.end(results.map((result) => `${JSON.stringify(result)}\n`).join(''))
        } else {
          const event = {
            id: 'x',
            type: 'note.added',
            version: 1,
            ts: '2030-01-01T00:00:00.000Z',
            source: 's',
            severity: 'info',
            traceId: 't',
            tenant: 'default',
            seq: 7,
            payload: { n: 1 },
          }
          response.end(`${JSON.stringify(event)}\n`)
        }
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.after(() => server.close())
    const address = server.address() as { port: number }
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(dir, 'server.json'),
      JSON.stringify({ url: `http://127.0.0.1:${address.port}`, pid: process.pid }),
    )
    writeFileSync(join(dir, 'auth-token'), 'sekret\n')
    const published = await call(['publish', '-'], '{"type":"note.added","payload":{"n":1}}\n{"bad":true}\n')
    assert.equal(published.code, 1)
    assert.deepEqual(JSON.parse(lines(published.out)[0]!), { id: 'id-0', seq: 10 })
    assert.equal(JSON.parse(lines(published.err)[0]!).line, 2)
    const replayed = await call(['replay', '--json', '--from', '5', '--filter', 'note.*'])
    assert.equal(JSON.parse(lines(replayed.out)[0]!).seq, 7)
    const tailed = await call(['tail', '--count', '1'])
    assert.match(tailed.out, /note\.added/)
    assert.ok(seen.every((request) => request.auth === 'Bearer sekret'))
    assert.equal(seen[0]!.method, 'POST')
    assert.match(seen[1]!.url, /^\/events\?from=5&filter=note\.\*/)
    // A stale server.json (dead pid) is ignored: the data directory is used.
    writeFileSync(
      join(dir, 'server.json'),
      JSON.stringify({ url: 'http://127.0.0.1:9', pid: 2 ** 22 + 12345 }),
    )
    const local = await call(['publish', '-'], '{"type":"note.added","payload":{"n":1}}\n')
    assert.equal(JSON.parse(lines(local.out)[0]!).seq, 1)
  })
})

test('node bin/localhub.js events publish | replay against the real catalog', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const input = `${JSON.stringify({ type: 'chat.query', payload: { text: 'hello from the shell' }, sessionId: 'cli' })}\n`
  const published = await runToEnd(
    process.execPath,
    ['bin/localhub.js', 'events', 'publish', '-', '--data', dir.path],
    { input },
  )
  assert.equal(published.code, 0, published.stderr)
  assert.equal(JSON.parse(published.stdout).seq, 1)
  const replayed = await runToEnd(process.execPath, [
    'bin/localhub.js',
    'events',
    'replay',
    '--json',
    '--data',
    dir.path,
  ])
  assert.equal(replayed.code, 0, replayed.stderr)
  const event = JSON.parse(replayed.stdout)
  assert.equal(event.type, 'chat.query')
  assert.equal(event.payload.text, undefined, 'stored redacted')
  assert.equal(event.payload.text_len, 20)
})
