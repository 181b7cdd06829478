// The compiled server (scripts/build-server.mjs): every relative .ts import becomes .js, and an
// import the rewrite misses fails the build instead of failing at run time.
import assert from 'node:assert/strict'
import { test } from 'node:test'
// @ts-expect-error: a plain .mjs script without declarations
import { rewriteSpecifiers, sourceFiles, sourceStamp } from '../../scripts/build-server.mjs'

test('static, dynamic and template-literal imports of .ts files point at .js', () => {
  const code = [
    'import { a } from "./a.ts";',
    'export { b } from "../b/index.ts";',
    'import "./side-effect.ts";',
    'const c = await import("./c.ts");',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template-literal import
    'const d = await import(`./commands/${group}.ts`);',
    'import { e } from "node:fs";',
    'const text = "keep ./data.ts in strings";',
  ].join('\n')
  assert.equal(
    rewriteSpecifiers(code, 'x.ts'),
    [
      'import { a } from "./a.js";',
      'export { b } from "../b/index.js";',
      'import "./side-effect.js";',
      'const c = await import("./c.js");',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the compiled text of a template-literal import
      'const d = await import(`./commands/${group}.js`);',
      'import { e } from "node:fs";',
      'const text = "keep ./data.ts in strings";',
    ].join('\n'),
  )
})

test('an import of a .ts file the rewrite cannot handle fails the build', () => {
  assert.throws(
    () => rewriteSpecifiers('const m = await import(`./x.ts` + suffix)', 'y.ts'),
    /was not rewritten/,
  )
})

test('the stamp covers every source file and changes when one does', () => {
  const files: string[] = sourceFiles()
  assert.ok(files.some((file) => file.endsWith('src/cli/index.ts')))
  assert.ok(files.every((file) => !file.endsWith('.test.ts')))
  assert.notEqual(sourceStamp(files), sourceStamp(files.slice(1)))
})
