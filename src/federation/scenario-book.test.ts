import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import type { HubError } from '../contracts/index.ts'
import { ScenarioBook } from './scenario-book.ts'

const scenarioText = (name: string) =>
  `scenario: ${name}\nversion: 1\nsteps:\n  - { id: a, need: "capability://a" }\n`

async function refusal(run: () => Promise<unknown>): Promise<HubError> {
  try {
    await run()
  } catch (error) {
    return error as HubError
  }
  assert.fail('expected a refusal')
}

test('files and directories relative to the manifest; duplicates, missing paths and too many files refused', async (t) => {
  const temp = makeTempDir()
  t.after(() => temp.remove())
  mkdirSync(join(temp.path, 'more'))
  writeFileSync(join(temp.path, 'one.yaml'), scenarioText('one'))
  writeFileSync(join(temp.path, 'more', 'two.yml'), scenarioText('two'))
  writeFileSync(join(temp.path, 'more', 'three.yaml'), scenarioText('three'))
  writeFileSync(join(temp.path, 'more', 'notes.txt'), 'not a scenario')
  const book = await ScenarioBook.load(['one.yaml', 'more'], temp.path)
  assert.deepEqual(
    book.list().map((entry) => entry.scenario),
    ['one', 'three', 'two'],
  )
  assert.equal(book.get('two')?.steps?.[0]?.need, 'capability://a')
  assert.equal(book.get('notes'), undefined)

  writeFileSync(join(temp.path, 'again.yaml'), scenarioText('one'))
  const twice = await refusal(() => ScenarioBook.load(['one.yaml', 'again.yaml'], temp.path))
  assert.equal(twice.code, 'E_VALIDATION')
  assert.match(twice.message, /scenario one is defined twice: .*one\.yaml and .*again\.yaml/)
  const missing = await refusal(() => ScenarioBook.load(['nowhere.yaml'], temp.path))
  assert.equal(missing.code, 'E_IO')
  assert.match(missing.message, /federation.scenarios: cannot read .*nowhere\.yaml: ENOENT/)
  const tooMany = await refusal(() => ScenarioBook.load(['more'], temp.path, { maxScenarios: 1 }))
  assert.equal(tooMany.code, 'E_RESOURCE_LIMIT')
  writeFileSync(join(temp.path, 'bad.yaml'), 'scenario: Bad\nversion: 1\n')
  const bad = await refusal(() => ScenarioBook.load(['bad.yaml'], temp.path))
  assert.equal(bad.code, 'E_VALIDATION')
  assert.match(bad.message, /bad\.yaml: 1:11 scenario is string "Bad", not a lower-case name/)
})
