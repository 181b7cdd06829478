// Finds every *.test.ts under src/ and test/ (Node 20's test runner takes no globs) and runs them
// with node:test. Arguments narrow the set: `npm run test:unit -- bus` runs files whose path has "bus".
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const filters = process.argv.slice(2)

function* testFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue
    const full = join(dir, name)
    if (statSync(full).isDirectory()) yield* testFiles(full)
    else if (name.endsWith('.test.ts')) yield full
  }
}

const files = ['src', 'test', 'web']
  .flatMap((top) => [...testFiles(join(root, top))])
  .map((file) => relative(root, file))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))

if (files.length === 0) {
  process.stderr.write(`no test files match ${filters.join(' ')}\n`)
  process.exit(1)
}
/**
 * Test files run one at a time in each shard (node:test's default on 2 cores); shards run side by
 * side, so waiting tests (audio played in real time, browsers, child processes) overlap. Each shard
 * has its own default data dir: a CLI test that finds "the running hub" through it sees only its
 * own shard's hubs.
 */
const DEFAULT_SHARDS = 2
const shardCount = Math.max(1, Math.min(files.length, Number(process.env.TEST_SHARDS ?? DEFAULT_SHARDS) || 1))

function runShard(index: number, shardFiles: string[]): Promise<number> {
  // A command a test runs without --data must never reach the real home's data directory
  // (decision 1541): the default data dir of the whole shard is a temporary folder.
  const dataHome = mkdtempSync(join(tmpdir(), 'localhub-test-data-home-'))
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=180000', ...shardFiles],
    {
      cwd: root,
      stdio: shardCount === 1 ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOCALHUB_DATA: join(dataHome, 'localhub') },
    },
  )
  if (shardCount > 1) {
    // Whole lines, each marked with its shard, so two reports interleave readably.
    for (const [stream, out] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ] as const) {
      createInterface({ input: stream! }).on('line', (line) => out.write(`[${index + 1}] ${line}\n`))
    }
  }
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      rmSync(dataHome, { recursive: true, force: true })
      resolve(code ?? (signal ? 1 : 0))
    }),
  )
}

// Slow files are spread over the shards: round robin over the files by size, largest first.
const bySize = [...files].sort((a, b) => statSync(join(root, b)).size - statSync(join(root, a)).size)
const shards = Array.from({ length: shardCount }, (_, index) =>
  bySize.filter((_, position) => position % shardCount === index).sort(),
)
const codes = await Promise.all(shards.map((shardFiles, index) => runShard(index, shardFiles)))
process.exit(codes.find((code) => code !== 0) ?? 0)
