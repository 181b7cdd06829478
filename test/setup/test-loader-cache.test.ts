// The test loader's cache (scripts/test-loader-cache.mjs, decision 2062): a clean machine with no
// cache, or a $TMPDIR it cannot use, still runs the tests; concurrent writers of one entry never
// leave a reader half of it; an entry cut short or planted by someone else is never run; and old
// entries are pruned so the cache does not grow run after run.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { pathToFileURL } from 'node:url'
import {
  cacheDirectoryName,
  openCacheDirectory,
  pruneCache,
  readEntry,
  writeEntry,
} from '../../scripts/test-loader-cache.mjs'
import { REPO_ROOT, runToEnd } from '../kit/child-process.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

const LOADER = pathToFileURL(join(REPO_ROOT, 'scripts', 'test-loader.mjs')).href
const CACHE_MODULE = pathToFileURL(join(REPO_ROOT, 'scripts', 'test-loader-cache.mjs')).href
const DAY_MS = 24 * 60 * 60 * 1000

/** A TypeScript program in `folder` that prints `value`; returns its path. */
function probe(folder: string, value: number): string {
  writeFileSync(join(folder, 'package.json'), '{ "type": "module" }\n')
  const file = join(folder, 'probe.ts')
  writeFileSync(file, `const value: number = ${value}\nconsole.log(JSON.stringify({ value }))\n`)
  return file
}

async function runUnderLoader(file: string, tmp: string): Promise<number> {
  const outcome = await runToEnd(process.execPath, ['--import', LOADER, file], { env: { TMPDIR: tmp } })
  assert.equal(outcome.code, 0, outcome.stderr)
  return (JSON.parse(outcome.stdout) as { value: number }).value
}

function entriesOf(directory: string): string[] {
  return readdirSync(directory).filter((name) => name.endsWith('.mjs'))
}

test('a clean machine: a $TMPDIR that does not exist yet is created, one that cannot hold a cache only costs compiles', async (t) => {
  const temp = makeTempDir('localhub-loader-cache-')
  t.after(() => temp.remove())
  const file = probe(temp.path, 7)
  const missing = join(temp.path, 'not', 'yet')
  // Four processes at once on an empty cache, as the first test files of the shards start.
  const values = await Promise.all(Array.from({ length: 4 }, () => runUnderLoader(file, missing)))
  assert.deepEqual(values, [7, 7, 7, 7])
  const directory = cacheDirectoryName(missing)
  assert.equal(entriesOf(directory).length, 1, 'one entry, whoever wrote it')
  assert.deepEqual(
    readdirSync(directory).filter((name) => name.endsWith('.partial')),
    [],
  )
  assert.equal(statSync(directory).mode & 0o077, 0, 'only its user may read or write the cache')

  // $TMPDIR is a file: no cache can be made there, and the program still runs.
  const notADirectory = join(temp.path, 'a-file')
  writeFileSync(notADirectory, '')
  assert.equal(await runUnderLoader(file, notADirectory), 7)
  assert.equal(openCacheDirectory(notADirectory), undefined)
})

test('an entry cut short is compiled again; a cache directory others may write is not used', async (t) => {
  const temp = makeTempDir('localhub-loader-cache-')
  t.after(() => temp.remove())
  const file = probe(temp.path, 1)
  assert.equal(await runUnderLoader(file, temp.path), 1)
  const directory = cacheDirectoryName(temp.path)
  const [name] = entriesOf(directory)
  const entry = join(directory, name!)
  const whole = readFileSync(entry, 'utf8')

  // A crash (or a full disk) left half of it under its final name.
  writeFileSync(entry, whole.slice(0, whole.length >> 1))
  assert.equal(await runUnderLoader(file, temp.path), 1)
  assert.equal(readFileSync(entry, 'utf8'), whole, 'the entry was written again, whole')

  // Someone else's code under the right name and trailer, in a directory anyone may write.
  const digest = name!.slice(0, -'.mjs'.length)
  writeFileSync(entry, `console.log(JSON.stringify({ value: 666 }))\n//# localhub-test-loader ${digest}\n`)
  assert.equal(await runUnderLoader(file, temp.path), 666, 'in our own directory an entry is trusted')
  chmodSync(directory, 0o777)
  assert.equal(await runUnderLoader(file, temp.path), 1)
})

test('writers of one entry in several processes at once: a reader only ever sees a whole entry', async (t) => {
  const temp = makeTempDir('localhub-loader-cache-')
  t.after(() => temp.remove())
  const directory = openCacheDirectory(temp.path)!
  const digest = 'a'.repeat(64)
  // Each writer writes its own 2 MB text, again and again: a write in place would be seen torn.
  const writer = `import { writeEntry } from ${JSON.stringify(CACHE_MODULE)}
const text = process.argv[1].repeat(2 * 1024 * 1024)
const until = Date.now() + 1000
while (Date.now() < until) writeEntry(${JSON.stringify(directory)}, ${JSON.stringify(digest)}, text)
`
  const writers = ['x', 'y', 'z'].map((letter) =>
    spawn(process.execPath, ['--input-type=module', '-e', writer, letter], { stdio: 'inherit' }),
  )
  const done = Promise.all(writers.map((child) => new Promise((resolve) => child.on('exit', resolve))))
  let finished = false
  void done.then(() => {
    finished = true
  })
  let reads = 0
  while (!finished) {
    const code = readEntry(directory, digest)
    if (code !== undefined) {
      reads++
      assert.equal(code.length, 2 * 1024 * 1024)
      assert.match(code.slice(0, 1), /[xyz]/)
      assert.equal(code, code[0]!.repeat(code.length), 'one writer’s text, whole')
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  assert.deepEqual(await done, [0, 0, 0])
  assert.ok(reads > 0, 'the reader saw entries while they were being replaced')
  assert.deepEqual(readdirSync(directory), [`${digest}.mjs`], 'no half-written file is left')
})

test('pruning removes unused and half-written leftovers, then the least recently used past the size bound', (t) => {
  const temp = makeTempDir('localhub-loader-cache-')
  t.after(() => temp.remove())
  const directory = openCacheDirectory(temp.path)!
  const now = Date.now()
  const put = (name: string, bytes: number, ageMs: number) => {
    writeFileSync(join(directory, name), 'x'.repeat(bytes))
    const when = new Date(now - ageMs)
    utimesSync(join(directory, name), when, when)
  }
  const digest = (letter: string) => `${letter.repeat(64)}.mjs`
  put(digest('a'), 100, 30 * DAY_MS) // unused for a month: removed
  put(digest('b'), 100, 3 * DAY_MS)
  put(digest('c'), 100, 2 * DAY_MS)
  put(digest('d'), 100, 60_000)
  put(`${digest('e')}.123-0-abcd.partial`, 100, DAY_MS) // its writer died: removed
  put(`${digest('f')}.124-0-abcd.partial`, 100, 1_000) // may be being written now: kept
  put('not-an-entry.txt', 100, 90 * DAY_MS) // not the cache's: left alone
  const first = pruneCache(directory, { now })
  assert.deepEqual(first, { removed: 2, entries: 3, bytes: 300 })
  assert.deepEqual(readdirSync(directory).sort(), [
    digest('b'),
    digest('c'),
    digest('d'),
    `${digest('f')}.124-0-abcd.partial`,
    'not-an-entry.txt',
  ])
  // Over the size bound the oldest go first.
  assert.deepEqual(pruneCache(directory, { now, maxBytes: 150 }), { removed: 2, entries: 1, bytes: 100 })
  assert.ok(existsSync(join(directory, digest('d'))))
})

test('an entry that is used is kept: a hit older than a day refreshes its time', (t) => {
  const temp = makeTempDir('localhub-loader-cache-')
  t.after(() => temp.remove())
  const directory = openCacheDirectory(temp.path)!
  const digest = 'b'.repeat(64)
  assert.equal(writeEntry(directory, digest, 'export {}\n'), true)
  const path = join(directory, `${digest}.mjs`)
  const monthAgo = new Date(Date.now() - 30 * DAY_MS)
  utimesSync(path, monthAgo, monthAgo)
  assert.equal(readEntry(directory, digest), 'export {}\n')
  assert.ok(Date.now() - statSync(path).mtimeMs < DAY_MS)
  assert.deepEqual(pruneCache(directory), { removed: 0, entries: 1, bytes: statSync(path).size })
})

test('scripts/run-tests.ts prunes the cache before its shards start', async (t) => {
  const temp = makeTempDir('localhub-loader-cache-')
  t.after(() => temp.remove())
  const directory = openCacheDirectory(temp.path)!
  const stale = join(directory, `${'c'.repeat(64)}.mjs`)
  writeFileSync(stale, 'old')
  const monthAgo = new Date(Date.now() - 30 * DAY_MS)
  utimesSync(stale, monthAgo, monthAgo)
  // Not as a child of this test run: node --test under NODE_TEST_CONTEXT only reports to a parent.
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: temp.path, TEST_SHARDS: '1' }
  delete env.NODE_TEST_CONTEXT
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/run-tests.ts', 'test/setup/test-shards.test.ts'],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk))
  const code = await new Promise((resolve) => child.on('exit', resolve))
  assert.equal(code, 0, output)
  assert.match(output, /ℹ pass [1-9]/, 'the tests of the file ran')
  assert.equal(existsSync(stale), false, 'the month-old entry was pruned')
  assert.ok(entriesOf(directory).length > 0, 'the run kept its own compiles')
})
