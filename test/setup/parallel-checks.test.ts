// `npm test`'s checks run side by side (scripts/run-checks.ts, decision 2059): the same commands as
// the typecheck, lint and build:web scripts, their outputs apart, and every failure named.
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { CHECK_SCRIPTS, checkSteps, runChecks } from '../../scripts/parallel-checks.ts'
import { REPO_ROOT } from '../kit/child-process.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

test('the steps are exactly the commands of the typecheck, lint and build:web scripts', () => {
  const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>
  }
  const steps = checkSteps(packageJson.scripts, CHECK_SCRIPTS)
  const expected = CHECK_SCRIPTS.flatMap((name) => packageJson.scripts[name]!.split(' && '))
  assert.deepEqual(
    steps.map((step) => step.command),
    expected,
  )
  assert.match(packageJson.scripts.test!, /scripts\/run-checks\.ts && npm run test:unit$/)
  // The main type check, the longest, starts first.
  assert.equal(steps[0]!.command, 'tsc -p tsconfig.json --noEmit')
  // A script with other shell operators is run whole, never split.
  assert.deepEqual(
    checkSteps({ odd: 'a | b && c' }, ['odd']).map((step) => step.command),
    ['a | b && c'],
  )
  assert.throws(() => checkSteps({}, ['lint']), /no "lint" script/)
})

/** A step that prints, waits until the other step has started, prints again and exits with `code`. */
function waitingStep(folder: string, name: string, other: string, code: number) {
  const file = join(folder, `${name}.mjs`)
  writeFileSync(
    file,
    `import { existsSync, writeFileSync } from 'node:fs'
writeFileSync(${JSON.stringify(join(folder, `${name}.started`))}, '')
console.log('${name} first')
const until = Date.now() + 10_000
while (!existsSync(${JSON.stringify(join(folder, `${other}.started`))})) {
  if (Date.now() > until) { console.error('${name}: ${other} never started'); process.exit(9) }
  await new Promise((resolve) => setTimeout(resolve, 10))
}
console.error('${name} second')
process.exit(${code})
`,
  )
  return { name, command: `"${process.execPath}" "${file}"` }
}

test('checks run at the same time, each output printed whole, and a failure fails the run and is named', async (t) => {
  const temp = makeTempDir('localhub-parallel-checks-')
  t.after(() => temp.remove())
  // Each waits for the other to start: run one after another, both would fail with code 9.
  const steps = [waitingStep(temp.path, 'alpha', 'beta', 0), waitingStep(temp.path, 'beta', 'alpha', 3)]
  let written = ''
  const results = await runChecks(steps, {
    cwd: temp.path,
    concurrency: 2,
    write: (text) => {
      written += text
    },
  })
  assert.deepEqual(
    results.map((result) => result.code),
    [0, 3],
    written,
  )
  for (const name of ['alpha', 'beta'])
    assert.match(written, new RegExp(`── ${name}: [^\\n]*\\n${name} first\\n${name} second\\n`), written)
  assert.match(written, /── beta: FAILED \(exit 3\)/)
  assert.match(written, /1 of 2 checks failed: beta/)
})

test('with one slot the steps run one after another, and all of them run even after a failure', async (t) => {
  const temp = makeTempDir('localhub-parallel-checks-')
  t.after(() => temp.remove())
  const steps = [
    { name: 'fails', command: `"${process.execPath}" -e "process.exit(2)"` },
    { name: 'passes', command: `"${process.execPath}" -e "console.log('ran')"` },
  ]
  let written = ''
  const results = await runChecks(steps, {
    cwd: temp.path,
    concurrency: 1,
    write: (text) => (written += text),
  })
  assert.deepEqual(
    results.map((result) => result.code),
    [2, 0],
  )
  assert.match(written, /── passes: ok[^\n]*\nran\n/)
  assert.match(written, /1 of 2 checks failed: fails/)
})
