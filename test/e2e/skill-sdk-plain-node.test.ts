// `localhub/skill` from plain JavaScript: after `npm run build:server` the export's default condition
// is the compiled dist/skill-sdk/index.js, so a .mjs skill runs under plain `node` (no tsx) as a
// stdio skill host and speaks valid frames (the conformance driver checks every line).
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { FrameDriver } from '../conformance/frames/frame-driver.ts'
import { REPO_ROOT } from '../kit/child-process.ts'

const FIXTURE = 'test/conformance/frames/fixtures/plain-echo-skill.mjs'

test('a plain .mjs skill importing localhub/skill runs under plain node from dist/', async (t) => {
  // The build is what a user runs after install; it replaces dist/ atomically and is a no-op in effect
  // when dist/ is already fresh.
  const check = spawnSync(process.execPath, ['scripts/build-server.mjs', '--check'], { cwd: REPO_ROOT })
  if (check.status !== 0) {
    const build = spawnSync(process.execPath, ['scripts/build-server.mjs'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 300_000,
    })
    assert.equal(build.status, 0, `build failed: ${build.stderr}`)
  }
  // No --import tsx, no --conditions: what a JavaScript author types.
  const driver = new FrameDriver(process.execPath, [FIXTURE])
  t.after(() => driver.stop())
  const manifest = await driver.handshake()
  assert.deepEqual(
    (manifest.entries as { tool_id: string }[]).map((entry) => entry.tool_id),
    ['echo', 'runtime'],
  )
  const echoed = await driver.call('echo', { text: 'from plain node' })
  assert.deepEqual(echoed.envelope.result, { text: 'from plain node' })
  const runtime = (await driver.call('runtime', {})).envelope.result as { execArgv: string[]; sdk: string }
  assert.deepEqual(runtime.execArgv, [], 'no loader flags')
  assert.match(runtime.sdk, /\/dist\/skill-sdk\/index\.js$/)
  assert.deepEqual(driver.violations, [])
})

test('without the localhub-source condition the export is dist/; with it, the TypeScript source', () => {
  const resolveWith = (flags: string[]) =>
    spawnSync(
      process.execPath,
      [...flags, '--input-type=module', '-e', "process.stdout.write(import.meta.resolve('localhub/skill'))"],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    ).stdout
  assert.match(resolveWith([]), /\/dist\/skill-sdk\/index\.js$/)
  assert.match(resolveWith(['--conditions=localhub-source']), /\/src\/skill-sdk\/index\.ts$/)
})
