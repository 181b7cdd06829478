import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, test } from 'node:test'
import { promisify } from 'node:util'
import type { CommandIo } from '../io.ts'
import { run } from './events-convert.ts'

const ROOT = new URL('../../../', import.meta.url)
const adaos = {
  event_name: 'nlp.intent.detected',
  version: 1,
  ts: '2025-09-23T16:20:00Z',
  source: 'skill.nlp@hostA',
  correlation_id: 'c-7f8b',
  tenant: 'default',
  headers: { idempotency_key: 'intent:123' },
  payload: { intent: 'x' },
}

async function invoke(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const input = new PassThrough()
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk) => (out += chunk))
  stderr.on('data', (chunk) => (err += chunk))
  input.end(stdin)
  const io: CommandIo = { stdin: input, stdout, stderr, env: {}, cwd: process.cwd() }
  const code = await run(args, io)
  return { code, stdout: out, stderr: err }
}

async function child(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['bin/localhub.js', 'events', 'convert', ...args],
      { cwd: ROOT, timeout: 30_000 },
    )
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

describe('localhub events convert', () => {
  test('NDJSON from stdin: converted lines out, numbered errors out, exit 1', async () => {
    const lines = [
      JSON.stringify(adaos),
      '',
      'not json',
      JSON.stringify({ ...adaos, version: 0 }),
      JSON.stringify(adaos),
    ]
    const result = await invoke(['--from', 'auto', '--to', 'cloudevents', '-'], lines.join('\n'))
    assert.equal(result.code, 1)
    const out = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    assert.equal(out.length, 2)
    assert.equal(out[0]!.specversion, '1.0')
    assert.equal(out[0]!.idempotencykey, 'intent:123')
    assert.match(result.stderr, /^line 3: E_BAD_REQUEST not JSON/m)
    assert.match(result.stderr, /^line 4: E_VALIDATION .*\n\s+\/version/m)
  })

  test('a JSON array round-trips back to the same AdaOS events', async () => {
    const canonical = await invoke(['--from', 'adaos'], JSON.stringify([adaos, adaos]))
    assert.equal(canonical.code, 0)
    const back = await invoke(['--from', 'canonical', '--to', 'adaos'], canonical.stdout)
    assert.equal(back.code, 0)
    assert.deepEqual(
      back.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
      [adaos, adaos],
    )
  })

  test('array items that fail are named by item number', async () => {
    const result = await invoke(['--from', 'adaos'], JSON.stringify([adaos, { nope: 1 }]))
    assert.equal(result.code, 1)
    assert.match(result.stderr, /^item 2: E_VALIDATION/m)
  })

  test('bad arguments print usage and exit 2; --help exits 0', async () => {
    assert.equal((await invoke(['--from', 'xml'])).code, 2)
    assert.equal((await invoke(['--bogus'])).code, 2)
    const help = await invoke(['--help'])
    assert.equal(help.code, 0)
    assert.match(help.stdout, /usage: localhub events convert/)
  })

  test('reads a file and runs as a real process through bin/localhub.js', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'localhub-convert-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    const file = join(dir, 'events.json')
    await writeFile(file, JSON.stringify(adaos, null, 2))
    const missing = await invoke([join(dir, 'missing.json')])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /cannot read/)
    // nlp.intent.detected is not one of Pinchy's 17 types: the child says so and exits 1.
    const pinchy = await child(['--from', 'adaos', '--to', 'pinchy', file])
    assert.equal(pinchy.code, 1)
    assert.equal(pinchy.stdout, '')
    assert.match(
      pinchy.stderr,
      /^line 1: E_VALIDATION type nlp\.intent\.detected has no Pinchy v1 event_type/m,
    )
    const converted = await child(['--to', 'cloudevents', file])
    assert.equal(converted.code, 0)
    assert.equal((JSON.parse(converted.stdout) as Record<string, unknown>).traceid, 'c-7f8b')
  })
})
