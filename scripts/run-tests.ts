// Finds every *.test.ts under src/ and test/ (Node 20's test runner takes no globs) and runs them
// with node:test. Arguments narrow the set: `npm run test:unit -- bus` runs files whose path has "bus".
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
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
// A command a test runs without --data must never reach the real home's data directory
// (decision 1541): the default data dir of the whole run is a temporary folder.
const dataHome = mkdtempSync(join(tmpdir(), 'localhub-test-data-home-'))
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=180000', ...files],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, LOCALHUB_DATA: join(dataHome, 'localhub') },
  },
)
child.on('exit', (code, signal) => {
  rmSync(dataHome, { recursive: true, force: true })
  process.exit(code ?? (signal ? 1 : 0))
})
