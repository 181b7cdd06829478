// Finds every *.test.ts under src/ and test/ (Node 20's test runner takes no globs) and runs them
// with node:test. Arguments narrow the set: `npm run test:unit -- bus` runs files whose path has "bus".
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
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
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=180000', ...files],
  {
    cwd: root,
    stdio: 'inherit',
  },
)
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
