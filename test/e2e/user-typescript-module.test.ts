// A skill module of the user's own, written in TypeScript as docs/adding-a-skill.md shows, in a folder
// with no package.json (so no `"type": "module"`): the hub read it as CommonJS and refused it with
// "Cannot require() ES Module … in a cycle", under both the compiled and the source runtime.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { parse, stringify } from 'yaml'
import { DEFAULT_MANIFEST_PATH } from '../../src/kernel/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

const run = promisify(execFile)
const BIN = fileURLToPath(new URL('../../bin/localhub.js', import.meta.url))
const SKILL_API = pathToFileURL(fileURLToPath(new URL('../../src/skill-api/index.ts', import.meta.url))).href

test('a .ts skill module outside any package loads, compiled and from the sources', async (t) => {
  const temp = makeTempDir('localhub-user-module-')
  t.after(() => temp.remove())
  writeFileSync(
    join(temp.path, 'greeter.ts'),
    [
      `import { defineSkill } from '${SKILL_API}'`,
      'const word: string = "hello"',
      'export const skillModule = defineSkill({',
      "  name: 'greeter',",
      "  configKeys: ['greeting'],",
      '  open() {',
      "    return { runtime: { status: () => ({ state: 'ready' as const }) }, close() {} }",
      '  },',
      '})',
      'export default word',
      '',
    ].join('\n'),
  )
  const manifest = parse(readFileSync(DEFAULT_MANIFEST_PATH, 'utf8'))
  manifest.skills.push({
    id: 'skill.greeter',
    version: '0.1',
    role: 'greeter',
    transport: { type: 'inproc', module: './greeter.ts' },
    provides: [],
    consumes: [],
    latencyClass: 'background',
    config: { greeting: 'hi' },
  })
  writeFileSync(join(temp.path, 'manifest.yaml'), stringify(manifest))
  for (const runtime of ['compiled', 'sources']) {
    const { stdout } = await run(
      process.execPath,
      [BIN, 'manifest', 'validate', join(temp.path, 'manifest.yaml')],
      {
        env: { ...process.env, LOCALHUB_RUNTIME: runtime },
      },
    ).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`${runtime}: ${error.stdout ?? ''}${error.stderr ?? ''}`)
    })
    assert.match(stdout, /^ok: /, runtime)
  }
})
