// Runs every bench/*.bench.ts (or those whose name contains an argument) one after another, each in
// its own process so one benchmark's heap and JIT state cannot colour the next. Each prints JSON lines.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
const filters = process.argv.slice(2)
const files = readdirSync(here)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort()

let failed = 0
for (const file of files) {
  process.stderr.write(`# ${file}\n`)
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', `${here}${file}`], {
    stdio: 'inherit',
    env: process.env,
  })
  if (result.status !== 0) {
    failed++
    process.stderr.write(`# ${file} failed with exit code ${result.status}\n`)
  }
}
process.exitCode = failed === 0 ? 0 : 1
