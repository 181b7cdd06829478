import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { requireNatsServer } from '../../../test/kit/nats-server.ts'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import type { CommandIo } from '../io.ts'
import { run } from './nats.ts'

function io(cwd: string): CommandIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk) => (out += chunk))
  stderr.on('data', (chunk) => (err += chunk))
  return { stdin: new PassThrough(), stdout, stderr, env: {}, cwd, out: () => out, err: () => err }
}

const SECRET = 'a-shared-secret-of-enough-length'

test('nats config writes root and hub files that nats-server accepts, with matching leaf credentials', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const binary = requireNatsServer()
  const rootIo = io(dir.path)
  assert.equal(
    await run(
      [
        'config',
        '--role',
        'root',
        '--secret',
        SECRET,
        '--hubs',
        'h1,h2',
        '--port',
        '14222',
        '--leaf-port',
        '17422',
        '--out',
        'cfg',
      ],
      rootIo,
    ),
    0,
    rootIo.err(),
  )
  const hubIo = io(dir.path)
  assert.equal(
    await run(
      [
        'config',
        '--role',
        'hub',
        '--hub-id',
        'h1',
        '--secret',
        SECRET,
        '--port',
        '14223',
        '--root-leaf-url',
        'nats-leaf://127.0.0.1:17422',
        '--out',
        'cfg',
      ],
      hubIo,
    ),
    0,
    hubIo.err(),
  )
  const rootFile = join(dir.path, 'cfg', 'root.conf')
  const hubFile = join(dir.path, 'cfg', 'hub-h1.conf')
  for (const file of [rootFile, hubFile]) {
    const checked = spawnSync(binary, ['-t', '-c', file], { encoding: 'utf8' })
    assert.equal(checked.status, 0, `${file}: ${checked.stderr}${checked.stdout}`)
  }
  const rootText = readFileSync(rootFile, 'utf8')
  const hubText = readFileSync(hubFile, 'utf8')
  const password = /user: "leaf-h1", password: "([^"]+)"/.exec(rootText)?.[1]
  assert.ok(password !== undefined)
  assert.ok(
    hubText.includes(`leaf-h1:${encodeURIComponent(password)}@127.0.0.1:17422`),
    'the hub dials the root with the credential the root expects',
  )
  assert.match(hubText, /domain: "h1"/)
  assert.match(hubText, /deny_exports: \["hub\.h1\.>"\]/)
  assert.match(hubIo.out(), /ROOT_HUB_h1/)
})

test('nats config rejects bad input clearly', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const cases: [string[], RegExp][] = [
    [['config', '--role', 'leaf', '--secret', SECRET], /--role must be root or hub/],
    [['config', '--role', 'root', '--secret', 'short', '--hubs', 'h1'], /at least 16/],
    [['config', '--role', 'root', '--secret', SECRET], /--hubs/],
    [['config', '--role', 'hub', '--secret', SECRET], /--hub-id/],
    [['config', '--role', 'hub', '--secret', SECRET, '--hub-id', 'bad id!'], /hub id/],
    [['config', '--role', 'hub', '--secret', SECRET, '--hub-id', 'root'], /root's JetStream domain/],
    [['config', '--role', 'root', '--secret', SECRET, '--hubs', 'h1', '--port', '99999'], /TCP port/],
    [['config', '--role', 'root', '--secret', SECRET, '--hubs', 'h1', '--bogus'], /Unknown option/],
  ]
  for (const [args, pattern] of cases) {
    const streams = io(dir.path)
    assert.notEqual(await run(args, streams), 0, args.join(' '))
    assert.match(streams.err(), pattern, args.join(' '))
  }
  const policyFile = join(dir.path, 'policy.yaml')
  writeFileSync(
    policyFile,
    'users:\n  - { user: "x y", password: "short", role: admin }\nroles:\n  guest: { publish: [">"] }\n__proto__: { polluted: true }\n',
  )
  const streams = io(dir.path)
  assert.equal(
    await run(
      ['config', '--role', 'hub', '--hub-id', 'h1', '--secret', SECRET, '--policy', 'policy.yaml'],
      streams,
    ),
    65,
  )
  assert.match(streams.err(), /\/users\/0\/user bad user name/)
  assert.match(streams.err(), /\/users\/0\/password bad password/)
  assert.match(streams.err(), /\/users\/0\/role unknown role/)
  assert.match(streams.err(), /\/roles\/guest unknown role/)
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
  assert.equal(await run(['nope'], io(dir.path)), 2)
})
