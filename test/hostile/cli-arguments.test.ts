// Hostile arguments to the real CLI (bin/localhub.js in a child process): every refusal is a
// line naming the flag or the file, with a code or the usage, a non-zero exit and no stack trace;
// nothing is created where it should not be, and what was accepted before a bad line stays.
// Spawns are independent, so each test runs its cases side by side.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { REPO_ROOT, runToEnd } from '../kit/child-process.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { testRegistry } from '../kit/test-registry.ts'

const BIN = join(REPO_ROOT, 'bin', 'localhub.js')
const temp = makeTempDir('localhub-hostile-args-')
const DATA = join(temp.path, 'data')
const REGISTRY = join(temp.path, 'registry.json')

interface Outcome {
  code: number | null
  stdout: string
  stderr: string
}

/** `localhub ...args` with this file's data dir and registry, nothing from the caller's setup. */
function cli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Outcome> {
  return runToEnd(process.execPath, [BIN, ...args], {
    cwd: temp.path,
    ...(options.input === undefined ? {} : { input: options.input }),
    env: {
      LOCALHUB_DATA: DATA,
      LOCALHUB_REGISTRY: REGISTRY,
      HOME: join(temp.path, 'home'),
      XDG_CONFIG_HOME: join(temp.path, 'home', '.config'),
      LOCALHUB_TOKEN: 'token',
      ...options.env,
    },
  })
}

/** A refusal: the exit code, its line on stderr, and no stack trace. */
function assertRefused(outcome: Outcome, code: number, message: RegExp, what: string): void {
  assert.equal(outcome.code, code, `${what}: exit ${outcome.code}\n${outcome.stderr}`)
  assert.match(outcome.stderr, message, what)
  assert.doesNotMatch(outcome.stderr, /\n\s+at .+[:(]\d+/, `${what}: no stack trace`)
}

before(() => {
  writeFileSync(REGISTRY, JSON.stringify(testRegistry()))
  mkdirSync(DATA, { recursive: true })
})
after(() => temp.remove())

test('flag values: negatives, repeats, empties, hex and loose times are refused naming the flag', async () => {
  const cases: [string[], number, RegExp][] = [
    // node's parseArgs said "argument is ambiguous" for a negative number.
    [
      ['events', 'replay', '--limit', '-1'],
      2,
      /--limit must be a whole number from 1 to 999999999, got "-1"/,
    ],
    // Last one silently won.
    [
      ['events', 'replay', '--limit', '1', '--limit=2'],
      2,
      /--limit is given twice \(--limit 1, then --limit 2\)/,
    ],
    // An empty --data meant "the default data directory".
    [['events', 'replay', '--data', ''], 2, /--data needs a value, got an empty string/],
    [['events', 'replay', '--session='], 2, /--session needs a value/],
    // Date.parse read "1" as 2001 and 2030-02-30 as 2 March.
    [
      ['events', 'replay', '--since', '1'],
      2,
      /--since must be a time \(e\.g\. 2030-01-01T00:00:00Z\), got "1"/,
    ],
    [['events', 'export', '--from', '2030-02-30'], 2, /--from names no such time: "2030-02-30"/],
    // Number() read 1e3 as port 1000 and wrote it into the unit file.
    [
      ['service', 'install', '--port', '1e3', '--no-start'],
      2,
      /--port must be a whole number from 1 to 65535, got "1e3"/,
    ],
    [
      ['attach', '--reconnect-ms', '0x20'],
      2,
      /--reconnect-ms must be a whole number from 10 to 600000, got "0x20"/,
    ],
    // A usage mistake exited 1 like a failed copy.
    [
      ['events', 'migrate', '--to', 'nats://127.0.0.1:1', '--batch', '0'],
      2,
      /--batch must be a whole number from 1 to 10000/,
    ],
    // "cannot reach notaurl: Invalid URL" (exit 1) after looking for a hub.
    [['chat', '--url', 'notaurl', 'hi'], 2, /--url must be an http:\/\/ or https:\/\/ URL, got "notaurl"/],
    [
      ['pair', '--hub', '127.0.0.1:8000', '--peer-id', 'p'],
      2,
      /--hub must be an http:\/\/ or https:\/\/ URL/,
    ],
  ]
  const outcomes = await Promise.all(cases.map(([args]) => cli(args)))
  cases.forEach(([args, code, message], at) => {
    assertRefused(outcomes[at]!, code, message, args.join(' '))
  })
  assert.equal(existsSync(join(temp.path, 'home', '.config', 'systemd')), false, 'no unit file written')
})

test('-h and --help after a verb show the usage on stdout and exit 0', async () => {
  const cases = [
    ['events', '-h'],
    ['events', 'replay', '-h'],
    ['service', 'status', '--help'],
    ['data', 'where', '-h'],
    ['nats', 'status', '--help'],
    ['manifest', 'validate', '-h'],
  ]
  const outcomes = await Promise.all(cases.map((args) => cli(args)))
  cases.forEach((args, at) => {
    const outcome = outcomes[at]!
    assert.equal(outcome.code, 0, `${args.join(' ')}: ${outcome.stderr}`)
    assert.match(outcome.stdout, /^usage: localhub /m, args.join(' '))
  })
})

test("a data directory that is a file, another program's folder or a typo is refused, not filled", async () => {
  const file = join(temp.path, 'a-file')
  writeFileSync(file, 'not a directory\n')
  const foreign = join(temp.path, 'project')
  mkdirSync(foreign)
  writeFileSync(join(foreign, 'README.md'), '# a project\n')
  const typo = join(temp.path, 'no-such-dir')
  const [asFile, asForeign, asTypo, publishForeign] = await Promise.all([
    cli(['events', 'replay', '--data', file]),
    cli(['events', 'topics', '--data', foreign]),
    cli(['events', 'export', '--data', typo]),
    cli(['events', 'publish', '-', '--data', foreign], {
      input: '{"type":"note.added","payload":{"n":1}}\n',
    }),
  ])
  assertRefused(asFile, 1, /E_BAD_REQUEST: the data directory .*a-file is a file, not a directory/, 'file')
  assertRefused(asForeign, 1, /E_BAD_REQUEST: .*project is not a hub's data directory/, 'foreign')
  assertRefused(asTypo, 1, /E_IO: the data directory .*no-such-dir does not exist/, 'typo')
  assertRefused(publishForeign, 1, /not a hub's data directory/, 'publish into a foreign folder')
  assert.deepEqual(readdirSync(foreign), ['README.md'], 'nothing written into the foreign folder')
  assert.equal(existsSync(typo), false, 'the typo was not created')
})

test('publish, import and serve name a missing file, a directory and an empty name before reading', async () => {
  mkdirSync(join(temp.path, 'a-dir'), { recursive: true })
  const [missing, directory, empty, manifest] = await Promise.all([
    cli(['events', 'publish', 'missing.ndjson']),
    cli(['events', 'import', 'a-dir']),
    cli(['events', 'publish', '']),
    // serve said "E_UNKNOWN: Error: EISDIR: illegal operation on a directory, read".
    cli(['serve', '--manifest', 'a-dir', '--port', '0']),
  ])
  assertRefused(missing, 1, /^localhub events publish: E_IO: missing\.ndjson: no such file$/m, 'missing')
  assertRefused(
    directory,
    1,
    /^localhub events import: E_BAD_REQUEST: a-dir is a directory, not a file$/m,
    'directory',
  )
  assertRefused(empty, 2, /the FILE name is empty; give a file, or - for stdin/, 'empty')
  assertRefused(manifest, 1, /^localhub serve: E_BAD_REQUEST: a-dir is a directory, not a file$/m, 'manifest')
})

test('NDJSON with a BOM, CRLF, bytes not UTF-8, a 3 MB line and a cut last line: good lines stored, bad ones named', async () => {
  const dataDir = join(temp.path, 'ndjson-data')
  const line = (n: number, title?: string) =>
    JSON.stringify({ type: 'note.added', payload: title === undefined ? { n } : { n, title } })
  const big = line(4, 'x'.repeat(3 * 1024 * 1024))
  // Line 1 behind a byte order mark (refused as "not valid JSON" before), CRLF line ends, line 3
  // with a byte that is not UTF-8 (stored with U+FFFD in its place before), line 4 over the
  // envelope limit, line 6 cut short by a writer that died; line 2 holds a real U+FFFD.
  const file = join(temp.path, 'hostile.ndjson')
  writeFileSync(
    file,
    Buffer.concat([
      Buffer.from(`\uFEFF${line(1)}\r\n${line(2, 'a\uFFFDb')}\r\n${line(3, 'a').slice(0, -3)}`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`"}}\r\n${big}\r\n${line(5)}\r\n${line(6).slice(0, 20)}`),
    ]),
  )
  const published = await cli(['events', 'publish', file, '--data', dataDir])
  assert.equal(published.code, 1, published.stderr)
  const failures = published.stderr
    .trim()
    .split('\n')
    .map((text) => JSON.parse(text) as { line: number; error: { code: string; message: string } })
  assert.deepEqual(
    failures.map((failure) => [failure.line, failure.error.code]),
    [
      [3, 'E_BAD_REQUEST'],
      [4, 'E_RESOURCE_LIMIT'],
      [6, 'E_BAD_REQUEST'],
    ],
  )
  assert.match(failures[0]!.error.message, /not valid UTF-8/)
  assert.equal(published.stdout.trim().split('\n').length, 3, 'three receipts')
  const replayed = await cli(['events', 'replay', '--json', '--data', dataDir])
  assert.equal(replayed.code, 0, replayed.stderr)
  const stored = replayed.stdout
    .trim()
    .split('\n')
    .map((text) => (JSON.parse(text) as { payload: { n: number; title?: string } }).payload)
  assert.deepEqual(stored, [{ n: 1 }, { n: 2, title: 'a\uFFFDb' }, { n: 5 }])
})

test('a hub URL that refuses connections or answers an HTML 404 is named as such', async (t) => {
  const server = createServer((request, response) => {
    request.resume()
    response.writeHead(404, { 'content-type': 'text/html' })
    response.end('<html><body>Not Found</body></html>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  const { port } = server.address() as { port: number }
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const closedPort = (closed.address() as { port: number }).port
  await new Promise<void>((resolve) => closed.close(() => resolve()))
  const [html, refused] = await Promise.all([
    cli(['chat', '--url', `http://127.0.0.1:${port}`, 'hello']),
    cli(['chat', '--url', `http://127.0.0.1:${closedPort}`, 'hello']),
  ])
  // It printed "error 404: <html>…", without saying which command or that this is not a hub.
  assertRefused(
    html,
    1,
    /^localhub chat: E_DEPENDENCY_UNAVAILABLE: http:\/\/127\.0\.0\.1:\d+ answered HTTP 404 \(text\/html\), not as a hub does/m,
    'html',
  )
  assert.doesNotMatch(html.stderr, /<html>/)
  assertRefused(
    refused,
    1,
    /^localhub chat: E_DEPENDENCY_UNAVAILABLE: cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/m,
    'refused',
  )
})
