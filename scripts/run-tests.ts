// Finds every *.test.ts under src/ and test/ (Node 20's test runner takes no globs) and runs them
// with node:test. Arguments narrow the set: `npm run test:unit -- bus` runs files whose path has "bus".
// `--record-durations` writes each file's wall time to test/durations.json (see scripts/test-shards.ts).
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { isAbsolute, join, relative } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { openCacheDirectory, pruneCache } from './test-loader-cache.mjs'
import { type FileSeconds, planShards, readDurations, writeDurations } from './test-shards.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const durationsPath = join(root, 'test', 'durations.json')
const reporterPath = join(root, 'scripts', 'test-durations-reporter.mjs')
/**
 * What compiles the test files' TypeScript: scripts/test-loader.mjs (esbuild with tsx's options,
 * its output kept across processes), about 0.2 s of CPU less per test file than tsx's hooks
 * (decision 2057). LOCALHUB_TEST_LOADER=tsx runs them under tsx, as before.
 */
const loader =
  process.env.LOCALHUB_TEST_LOADER === 'tsx'
    ? 'tsx'
    : pathToFileURL(join(root, 'scripts', 'test-loader.mjs')).href
const options = process.argv.slice(2).filter((argument) => argument.startsWith('--'))
const filters = process.argv.slice(2).filter((argument) => !argument.startsWith('--'))
const unknown = options.filter((option) => option !== '--record-durations')
if (unknown.length > 0) {
  process.stderr.write(`unknown option ${unknown.join(' ')} (known: --record-durations)\n`)
  process.exit(1)
}
const recordDurations = options.includes('--record-durations')

function* testFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue
    const full = join(dir, name)
    if (statSync(full).isDirectory()) yield* testFiles(full)
    else if (name.endsWith('.test.ts')) yield full
  }
}

const allFiles = ['src', 'test', 'web']
  .flatMap((top) => [...testFiles(join(root, top))])
  .map((file) => relative(root, file))
const files = allFiles.filter(
  (file) => filters.length === 0 || filters.some((filter) => file.includes(filter)),
)

if (files.length === 0) {
  process.stderr.write(`no test files match ${filters.join(' ')}\n`)
  process.exit(1)
}
/**
 * Test files run one at a time in each shard (node:test's default on 2 cores); shards run side by
 * side, so waiting tests (audio played in real time, browsers, child processes) overlap. Three on
 * 2 cores: the whole suite in 7.8 instead of 9.7 minutes (decision 2056); four did not beat three and failed
 * more timing margins (decision 2060); TEST_SHARDS overrides. Each shard has its own default data
 * dir: a CLI test that finds "the running hub" through it sees only its own shard's hubs.
 */
const DEFAULT_SHARDS = 3
const shardCount = Math.max(1, Math.min(files.length, Number(process.env.TEST_SHARDS ?? DEFAULT_SHARDS) || 1))
const reportDir = mkdtempSync(join(tmpdir(), 'localhub-test-durations-'))

type ShardResult = { code: number; wallSeconds: number }

function runShard(index: number, shardFiles: string[]): Promise<ShardResult> {
  // A command a test runs without --data must never reach the real home's data directory
  // (decision 1541): the default data dir of the whole shard is a temporary folder.
  const dataHome = mkdtempSync(join(tmpdir(), 'localhub-test-data-home-'))
  const started = performance.now()
  const child = spawn(
    process.execPath,
    [
      '--import',
      loader,
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${reporterPath}`,
      `--test-reporter-destination=${join(reportDir, `shard-${index + 1}.ndjson`)}`,
      '--test-timeout=180000',
      ...shardFiles,
    ],
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
      resolve({ code: code ?? (signal ? 1 : 0), wallSeconds: (performance.now() - started) / 1000 })
    }),
  )
}

type Measured = { file: string; seconds: number; passed: boolean; shard: number }

function readMeasured(shard: number): Measured[] {
  let text = ''
  try {
    text = readFileSync(join(reportDir, `shard-${shard + 1}.ndjson`), 'utf8')
  } catch {
    return []
  }
  const measured: Measured[] = []
  for (const line of text.split('\n')) {
    let entry: { file: string; milliseconds: number; passed: boolean }
    try {
      entry = JSON.parse(line)
    } catch {
      continue // an empty line, or the last one of a shard that was killed mid-write
    }
    const file = isAbsolute(entry.file) ? relative(root, entry.file) : entry.file
    measured.push({ file, seconds: entry.milliseconds / 1000, passed: entry.passed, shard })
  }
  return measured
}

const SUMMARY_LINES = 20

function printSummary(results: ShardResult[], measured: Measured[], plannedSeconds: number[]): void {
  const sorted = [...measured].sort((a, b) => b.seconds - a.seconds)
  const lines = [
    `\ntest files by wall time (slowest ${Math.min(SUMMARY_LINES, sorted.length)} of ${sorted.length}):`,
  ]
  for (const entry of sorted.slice(0, SUMMARY_LINES)) {
    const mark = entry.passed ? '' : '  (failed)'
    lines.push(`  ${entry.seconds.toFixed(1).padStart(7)} s  [${entry.shard + 1}] ${entry.file}${mark}`)
  }
  results.forEach((result, shard) => {
    const count = measured.filter((entry) => entry.shard === shard).length
    lines.push(
      `  shard ${shard + 1}: ${result.wallSeconds.toFixed(1)} s wall, ${count} files (planned ${plannedSeconds[shard]!.toFixed(1)} s)`,
    )
  })
  process.stdout.write(`${lines.join('\n')}\n`)
}

if (loader !== 'tsx') {
  // Once per run, before any test process reads it: the loader's cache stays bounded (decision 2062).
  const cacheDirectory = openCacheDirectory()
  if (cacheDirectory === undefined)
    process.stderr.write(
      `the test loader's cache under ${tmpdir()} is not usable: every file is compiled each time\n`,
    )
  else pruneCache(cacheDirectory)
}
const recorded = readDurations(durationsPath)
const plan = planShards(files, recorded, shardCount)
const results = await Promise.all(plan.map((shard, index) => runShard(index, shard.files)))
const measured = results.flatMap((_, shard) => readMeasured(shard))
rmSync(reportDir, { recursive: true, force: true })
printSummary(
  results,
  measured,
  plan.map((shard) => shard.seconds),
)

if (recordDurations) {
  // A failed file's time may be a timeout, not its cost: it keeps its earlier figure.
  const next: FileSeconds = { ...recorded }
  for (const entry of measured) if (entry.passed) next[entry.file] = entry.seconds
  // Files that no longer exist leave the record (any run sees the whole tree).
  for (const file of Object.keys(next)) if (!allFiles.includes(file)) delete next[file]
  writeDurations(durationsPath, next, new Date())
  process.stdout.write(
    `recorded ${measured.filter((entry) => entry.passed).length} file durations in ${relative(root, durationsPath)}\n`,
  )
}
process.exit(results.find((result) => result.code !== 0)?.code ?? 0)
