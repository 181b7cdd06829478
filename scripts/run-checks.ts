// `npm test`'s checks before the tests: the commands of the typecheck, lint and build:web scripts,
// side by side (scripts/parallel-checks.ts, decision 2059). Exits 1 if any fails, after all ended.
import { readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CHECK_SCRIPTS, checkSteps, runChecks } from './parallel-checks.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const scripts = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts
const steps = checkSteps(scripts, CHECK_SCRIPTS)
// In package.json's order the main type check comes first, and it is the longest (about 21 s of
// CPU against 20 for all the others together): on 2 cores it has one to itself, the rest share the other.
// Run outside npm too (`node --import tsx scripts/run-checks.ts`), the checks find tsc, biome and vite.
const env = { ...process.env, PATH: [join(root, 'node_modules', '.bin'), process.env.PATH].join(delimiter) }
const results = await runChecks(steps, { cwd: root, env })
process.exit(results.some((result) => result.code !== 0) ? 1 : 0)
