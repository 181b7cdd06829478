#!/usr/bin/env -S node --max-semi-space-size=4 --expose-gc
// Runs the compiled JavaScript in dist/ when it matches the sources (npm ci builds it), otherwise
// the TypeScript sources through tsx's loader, so an edited checkout always runs what it holds.
// LOCALHUB_RUNTIME=sources|compiled overrides the choice. Why: tsx's loader thread costs ~35 MB
// of memory (docs/decisions/1710-run-compiled-javascript-when-fresh.md).
import { isFresh } from '../scripts/build-server.mjs'

const runtime = process.env.LOCALHUB_RUNTIME ?? 'auto'
if (!['auto', 'sources', 'compiled'].includes(runtime)) {
  process.stderr.write(`LOCALHUB_RUNTIME=${runtime}: use auto, sources or compiled\n`)
  process.exit(2)
}
let main
if (runtime === 'compiled' || (runtime === 'auto' && isFresh())) {
  try {
    ;({ main } = await import('../dist/cli/index.js'))
  } catch (error) {
    if (error.code !== 'ERR_MODULE_NOT_FOUND') throw error
    process.stderr.write(`dist/ is missing or incomplete (${error.message}): run \`npm run build:server\`\n`)
    process.exit(2)
  }
} else {
  const { register } = await import('tsx/esm/api')
  register()
  ;({ main } = await import('../src/cli/index.ts'))
}
process.exitCode = await main(process.argv.slice(2))
