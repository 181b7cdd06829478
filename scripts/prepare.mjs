// `npm ci` and `npm install` run this (the `prepare` script): it builds the dashboard, so the
// README's first command, `npm ci && npx localhub serve`, serves it at once.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
try {
  require.resolve('vite/package.json')
} catch {
  // Installed without dev dependencies: the hub runs, the dashboard page says how to build it.
  process.stdout.write('dashboard not built (vite is not installed); run `npm run build:web` to build it\n')
  process.exit(0)
}
const build = spawnSync('npm', ['run', '-s', 'build:web'], { stdio: 'inherit' })
process.exit(build.status ?? 1)
