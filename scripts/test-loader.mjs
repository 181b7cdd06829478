// `node --import ./scripts/test-loader.mjs` runs TypeScript test files (scripts/run-tests.ts gives
// it to every test file's process): the hooks of test-loader-hooks.mjs compile each .ts file once
// and keep it compiled across processes. Stack traces point into the .ts files, as under tsx.
import { register } from 'node:module'

process.setSourceMapsEnabled(true)
register('./test-loader-hooks.mjs', import.meta.url)
