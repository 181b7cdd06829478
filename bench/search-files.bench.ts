// search_in_files over a generated tree of 100,000 small text files (10,000 with BENCH_QUICK=1),
// against ripgrep on the same tree in the same run (both honour .gitignore; rg needs --no-require-git
// for that outside a git repository). Reports medians over rounds and the ratio ours / rg.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFsTools, type SearchResult } from '../src/skills/tools-fs/index.ts'
import { median, report } from './stats.ts'

const FILES = process.env.BENCH_QUICK === '1' ? 10_000 : 100_000
const FILES_PER_DIR = 100
const ROUNDS = process.env.BENCH_QUICK === '1' ? 5 : 3
const NEEDLE = 'xyzzy_needle'
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'const', 'return', 'function', 'value', 'index', 'update']

let seed = 0x5eed
function random(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed / 0x7fffffff
}

function content(n: number): string {
  const lines: string[] = []
  for (let line = 0; line < 12; line++) {
    const words = Array.from({ length: 6 }, () => WORDS[Math.floor(random() * WORDS.length)])
    lines.push(words.join(' '))
  }
  if (n % 1000 === 7) lines.splice(5, 0, `found ${NEEDLE} here`)
  return `${lines.join('\n')}\n`
}

function hasRipgrep(): { ok: true } | { ok: false; why: string } {
  const probe = spawnSync('rg', ['--version'], { encoding: 'utf8' })
  if (probe.error !== undefined) return { ok: false, why: `rg not runnable: ${probe.error.message}` }
  return probe.status === 0 ? { ok: true } : { ok: false, why: `rg --version exited ${probe.status}` }
}

const root = mkdtempSync(join(tmpdir(), 'localhub-search-bench-'))
try {
  const workspace = join(root, 'ws')
  for (let n = 0; n < FILES; n++) {
    const dir = join(
      workspace,
      `d${Math.floor(n / (FILES_PER_DIR * 10))}`,
      `e${Math.floor(n / FILES_PER_DIR) % 10}`,
    )
    if (n % FILES_PER_DIR === 0) mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, `f${n}.txt`), content(n))
  }
  // An ignored folder with the needle in it: both tools must skip it.
  mkdirSync(join(workspace, 'ignored'))
  writeFileSync(join(workspace, 'ignored', 'x.txt'), `${NEEDLE}\n`)
  writeFileSync(join(workspace, '.gitignore'), 'ignored/\n')
  const expected = Math.ceil((FILES - 7) / 1000)

  const tools = createFsTools({
    roots: [workspace],
    maxSearchFiles: FILES + 10,
    maxSearchMatches: 10_000,
    maxSearchOutputBytes: 10 * 1024 * 1024,
    searchTimeBudgetMs: 600_000,
  })
  const rg = hasRipgrep()
  const ours: number[] = []
  const theirs: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    let started = process.hrtime.bigint()
    const result = (await tools.run('search_in_files', { query: NEEDLE })) as SearchResult
    ours.push(Number(process.hrtime.bigint() - started) / 1e6)
    if (result.matches.length !== expected || result.truncated) {
      throw new Error(
        `search_in_files found ${result.matches.length} matches (expected ${expected}), truncated=${result.truncated}`,
      )
    }
    if (rg.ok) {
      started = process.hrtime.bigint()
      const run = spawnSync('rg', ['--no-require-git', '-n', '--no-heading', NEEDLE, workspace], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      })
      theirs.push(Number(process.hrtime.bigint() - started) / 1e6)
      const lines = run.stdout.trim().split('\n').filter(Boolean).length
      if (lines !== expected) throw new Error(`rg found ${lines} matches (expected ${expected})`)
    }
  }
  const oursMedian = median(ours)
  if (rg.ok) {
    const rgMedian = median(theirs)
    report({
      bench: 'search_in_files.literal',
      unit: 'ms',
      median: Number(oursMedian.toFixed(1)),
      files: FILES,
      rounds: ROUNDS,
      baseline: 'ripgrep (rg --no-require-git)',
      baselineMedian: Number(rgMedian.toFixed(1)),
      ratio: Number((oursMedian / rgMedian).toFixed(2)),
    })
  } else {
    report({
      bench: 'search_in_files.literal',
      unit: 'ms',
      median: Number(oursMedian.toFixed(1)),
      files: FILES,
      rounds: ROUNDS,
    })
    report({
      bench: 'search_in_files.ripgrep',
      unit: 'ms',
      median: null as unknown as number,
      skipped: true,
      reason: `${rg.why}; install the Debian package ripgrep (add it to scripts/setup-system.sh)`,
    })
  }
} finally {
  rmSync(root, { recursive: true, force: true })
}
