// `npm ci` and `npm install` run this (the `prepare` script): it compiles the server to dist/ and
// builds the dashboard, so the README's first command, `npm ci && npx localhub serve`, runs the
// compiled hub and serves the dashboard at once.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

const server = spawnSync(process.execPath, ['scripts/build-server.mjs'], { stdio: 'inherit' })
if (server.status !== 0) process.exit(server.status ?? 1)

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
