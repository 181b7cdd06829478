// A skill module of the user's own, written in TypeScript as docs/adding-a-skill.md shows, in a folder
// with no package.json (so no `"type": "module"`): as .ts, tsx reads it as CommonJS and the hub
// refused it with only "Cannot require() ES Module … in a cycle"; the refusal now says the fix, and
// the same module as .mts loads under both the compiled and the source runtime.
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

test('a .ts module outside a module package is refused with its fix; as .mts it loads, compiled and from the sources', async (t) => {
  const temp = makeTempDir('localhub-user-module-')
  t.after(() => temp.remove())
  const source = [
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
  ].join('\n')
  writeFileSync(join(temp.path, 'greeter.ts'), source)
  writeFileSync(join(temp.path, 'greeter.mts'), source)
  const manifestWith = (module: string) => {
    const manifest = parse(readFileSync(DEFAULT_MANIFEST_PATH, 'utf8'))
    manifest.skills.push({
      id: 'skill.greeter',
      version: '0.1',
      role: 'greeter',
      transport: { type: 'inproc', module },
      provides: [],
      consumes: [],
      latencyClass: 'background',
      config: { greeting: 'hi' },
    })
    const path = join(temp.path, `manifest-${module.slice(2)}.yaml`)
    writeFileSync(path, stringify(manifest))
    return path
  }
  const validate = (path: string, runtime: string) =>
    run(process.execPath, [BIN, 'manifest', 'validate', path], {
      env: { ...process.env, LOCALHUB_RUNTIME: runtime },
    }).then(
      ({ stdout }) => ({ code: 0, out: stdout }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: error.code ?? -1,
        out: `${error.stdout ?? ''}${error.stderr ?? ''}`,
      }),
    )
  for (const runtime of ['compiled', 'sources']) {
    const mts = await validate(manifestWith('./greeter.mts'), runtime)
    assert.equal(mts.code, 0, `${runtime}: ${mts.out}`)
    assert.match(mts.out, /^ok: /, runtime)
    const ts = await validate(manifestWith('./greeter.ts'), runtime)
    // Loaded (a tsx able to read it as ESM) or refused with the fix: never refused without one.
    if (ts.code !== 0)
      assert.match(ts.out, /name it \.mts, or put a package\.json holding \{"type": "module"\}/, runtime)
  }
})
