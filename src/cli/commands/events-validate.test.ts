import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, test } from 'node:test'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import type { CommandIo } from '../io.ts'
import { run, splitRecords } from './events-validate.ts'

const envelope = (overrides: Record<string, unknown> = {}) => ({
  id: '01890a5d-ac96-774b-bcce-b302099a8057',
  type: 'chat.query',
  version: 1,
  ts: '2026-01-01T12:00:00.000Z',
  source: 'test',
  severity: 'info',
  traceId: 'trace-1',
  tenant: 'default',
  payload: { text: 'hello' },
  ...overrides,
})

const cloudEvent = {
  specversion: '1.0',
  id: '01890a5d-ac96-774b-bcce-b302099a8058',
  source: 'test',
  type: 'chat.query',
  time: '2026-01-01T00:00:00Z',
  datacontenttype: 'application/json',
  data: { text: 'hi' },
}

type Line = {
  ok: boolean
  data?: Record<string, unknown>
  error?: { code: string; message: string; details: Record<string, unknown> }
}

async function validate(input: string | Buffer, args: string[] = []) {
  const stdin = new PassThrough()
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const out: string[] = []
  const err: string[] = []
  stdout.on('data', (chunk) => out.push(String(chunk)))
  stderr.on('data', (chunk) => err.push(String(chunk)))
  stdin.end(input)
  const io: CommandIo = { stdin, stdout, stderr, env: {}, cwd: process.cwd() }
  const code = await run([...args, '-'], io)
  const lines = out
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line)
  return { code, lines, err: err.join('') }
}

/** The guardrails summary is the contracts' business; these tests look at the rest. */
function withoutGuardrails(data: Record<string, unknown> | undefined): Record<string, unknown> {
  const { guardrails: _guardrails, ...rest } = data ?? {}
  return rest
}

describe('localhub events validate', () => {
  test('a seed-000 event without tenant is accepted as POST /events would: the default is filled', async () => {
    const seed000 = {
      type: 'chat.query',
      traceId: 'trace-7',
      ts: '2026-01-01T12:00:00.000Z',
      source: 'ui.dashboard',
      severity: 'info',
      payload: { text: 'hello' },
    }
    const { code, lines } = await validate(JSON.stringify(seed000))
    assert.equal(code, 0, JSON.stringify(lines))
    assert.equal(lines[0]!.ok, true)
    assert.deepEqual(lines[0]!.data!.filled, ['id', 'version', 'tenant'])
    assert.match(String(lines[0]!.data!.id), /^[0-9a-f]{8}-[0-9a-f]{4}-7/)
    // What ingest refuses, validate refuses too: the same path decides.
    const bad = await validate(JSON.stringify({ ...seed000, tenant: '' }))
    assert.equal(bad.code, 1)
    assert.equal(bad.lines[0]!.error!.code, 'E_VALIDATION')
  })

  test('NDJSON: one result per event, with line numbers, exit 1 when any fails', async () => {
    const input = [
      JSON.stringify(envelope()),
      '',
      JSON.stringify(envelope({ payload: { text: 42 } })),
      JSON.stringify(envelope({ type: 'chat.querry' })),
      '{"broken":',
    ].join('\n')
    const { code, lines, err } = await validate(input)
    assert.equal(code, 1)
    assert.deepEqual(withoutGuardrails(lines[0]!.data), { id: envelope().id, type: 'chat.query', line: 1 })
    assert.deepEqual((lines[0]!.data!.guardrails as { hashed: string[] }).hashed, ['/payload/text'])
    assert.equal(lines[1]!.error!.code, 'E_VALIDATION')
    assert.equal(lines[1]!.error!.details.line, 3)
    assert.match(JSON.stringify(lines[1]!.error!.details.issues), /"path":"\/payload\/text"/)
    assert.match(lines[2]!.error!.message, /did you mean chat\.query/)
    assert.deepEqual([lines[3]!.error!.code, lines[3]!.error!.details.line], ['E_BAD_REQUEST', 5])
    assert.match(err, /1 valid, 3 invalid/)
  })

  test('a JSON array and a pretty-printed object are read whole; all valid exits 0', async () => {
    const array = await validate(
      JSON.stringify([envelope(), envelope({ id: '01890a5d-ac96-774b-bcce-b302099a8059' })], null, 2),
    )
    assert.equal(array.code, 0)
    assert.deepEqual(
      array.lines.map((line) => line.data!.index),
      [0, 1],
    )
    const single = await validate(`\n${JSON.stringify(envelope(), null, 2)}`)
    assert.equal(single.code, 0)
    assert.equal(single.lines.length, 1)
  })

  test('dialects are detected, or named', async () => {
    const auto = await validate(`${JSON.stringify(cloudEvent)}\n${JSON.stringify(envelope())}`)
    assert.equal(auto.code, 0, JSON.stringify(auto.lines))
    assert.deepEqual(withoutGuardrails(auto.lines[0]!.data), {
      id: cloudEvent.id,
      type: 'chat.query',
      line: 1,
      dialect: 'cloudevents',
    })
    const wrong = await validate(JSON.stringify(envelope()), ['--dialect', 'pinchy'])
    assert.equal(wrong.code, 1)
    assert.equal(wrong.lines[0]!.ok, false)
    assert.equal(wrong.lines[0]!.error!.details.line, 1)
  })

  test('hostile input gives per-line errors, never a crash', async () => {
    const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0a, 0x80, 0x81])
    const binary = await validate(garbage)
    assert.equal(binary.code, 1)
    assert.ok(binary.lines.every((line) => line.ok === false && line.error!.code === 'E_BAD_REQUEST'))
    assert.match(binary.lines[0]!.error!.message, /binary data/)

    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`
    const proto = JSON.stringify({
      ...envelope(),
      payload: JSON.parse('{"text":"x","__proto__":{"polluted":1}}'),
    })
    const bigLine = `{"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`
    const hostile = await validate([deep, proto, bigLine, '{"a":'.repeat(1000)].join('\n'))
    assert.equal(hostile.code, 1)
    assert.deepEqual(
      hostile.lines.map((line) => [line.error?.code, line.error?.details.line]),
      [
        ['E_VALIDATION', 1],
        ['E_VALIDATION', 2],
        ['E_RESOURCE_LIMIT', 3],
        ['E_BAD_REQUEST', 4],
      ],
    )
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  test('a 50 MB line is refused by size without parsing', () => {
    const records = splitRecords(`${'x'.repeat(50 * 1024 * 1024)}\n{}`, 1024 * 1024)
    assert.equal(records.length, 2)
    assert.ok('error' in records[0]! && records[0].error.code === 'E_RESOURCE_LIMIT')
    assert.deepEqual(records[1], { line: 2, value: {} })
  })

  test('usage errors, empty input and missing files', async (t) => {
    const temp = makeTempDir()
    t.after(temp.remove)
    const empty = await validate('')
    assert.equal(empty.code, 1)
    assert.match(empty.lines[0]!.error!.message, /no events/)
    const stderr = new PassThrough()
    const err: string[] = []
    stderr.on('data', (chunk) => err.push(String(chunk)))
    const io: CommandIo = {
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      stderr,
      env: {},
      cwd: temp.path,
    }
    assert.equal(await run([], io), 2)
    assert.equal(await run(['--dialect', 'klingon', 'x.json'], io), 2)
    assert.equal(await run(['--bogus', 'x.json'], io), 2)
    assert.match(err.join(''), /name one file[\s\S]*unknown dialect 'klingon'[\s\S]*Unknown option '--bogus'/)
    const out: string[] = []
    const stdout = new PassThrough()
    stdout.on('data', (chunk) => out.push(String(chunk)))
    assert.equal(await run(['missing.json'], { ...io, stdout }), 1)
    assert.match(out.join(''), /"code":"E_IO"/)
    writeFileSync(join(temp.path, 'one.json'), JSON.stringify(envelope()))
    assert.equal(await run(['one.json'], { ...io, stdout }), 0)
  })
})
