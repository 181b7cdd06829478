// The loader scripts/run-tests.ts gives every test file's process (scripts/test-loader.mjs,
// decision 2057): TypeScript runs with names kept and stack traces on the .ts lines, and an edited
// file is compiled again instead of served from the cache.
import assert from 'node:assert/strict'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { REPO_ROOT, runToEnd } from '../kit/child-process.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

const LOADER = pathToFileURL(join(REPO_ROOT, 'scripts', 'test-loader.mjs')).href

const program = (value: number) => `interface Shape { value: number }
class Kept {}
const shape: Shape = { value: ${value} }
const where = new Error('here').stack!.split('\\n')[1]
console.log(JSON.stringify({ value: shape.value, name: Kept.name, where }))
`

async function run(file: string, cacheRoot: string) {
  const outcome = await runToEnd(process.execPath, ['--import', LOADER, file], {
    env: { TMPDIR: cacheRoot },
  })
  assert.equal(outcome.code, 0, outcome.stderr)
  return JSON.parse(outcome.stdout) as { value: number; name: string; where: string }
}

test('a TypeScript file runs with its names and its own line numbers; an edit is compiled again', async (t) => {
  const temp = makeTempDir('localhub-test-loader-')
  t.after(() => temp.remove())
  writeFileSync(join(temp.path, 'package.json'), '{ "type": "module" }\n')
  const file = join(temp.path, 'probe.ts')
  writeFileSync(file, program(1))
  const first = await run(file, temp.path)
  assert.equal(first.value, 1)
  assert.equal(first.name, 'Kept')
  assert.match(first.where, /probe\.ts:4:\d+\)?$/, 'the stack names the line of the .ts file')
  const cached = readdirSync(temp.path).find((name) => name.startsWith('localhub-test-loader-'))
  assert.ok(cached !== undefined, 'the compiled file was kept under TMPDIR')
  assert.equal(readdirSync(join(temp.path, cached)).length, 1)

  // Same size, other content: the cache must not serve the old compile.
  writeFileSync(file, program(2))
  assert.equal((await run(file, temp.path)).value, 2)
  assert.equal(readdirSync(join(temp.path, cached)).length, 2)
})
