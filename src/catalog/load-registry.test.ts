// Only the shipped registry's schemas are taken as meta-checked (decision 1776): a registry read
// from any other path has every schema checked when it is compiled.
import assert from 'node:assert/strict'
import { copyFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { createAjv, createContracts } from '../contracts/index.ts'
import { DEFAULT_REGISTRY_PATH } from './catalog-paths.ts'
import { loadRegistry } from './load-registry.ts'

// A schema only the meta-schema refuses (Ajv compiles a negative minLength without complaint).
function breakInPlace(schema: unknown): void {
  ;(schema as Record<string, unknown>).minLength = -1
}

test('a registry from another path is meta-checked: a broken schema refuses its events', (t) => {
  if (!existsSync(DEFAULT_REGISTRY_PATH)) return t.skip('no generated registry.json')
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const path = join(dir.path, 'registry.json')
  copyFileSync(DEFAULT_REGISTRY_PATH, path)
  const registry = loadRegistry(path)
  const entry = registry.entries.find((candidate) => candidate.type === 'turn.start')!
  breakInPlace(entry.schema)
  const issues = createContracts(registry).validatePayload('turn.start', entry.version, {
    sessionId: 's1',
    inputType: 'text',
  })
  assert.equal(issues.length, 1)
  assert.match(issues[0]!.message, /does not compile: schema is invalid/)
})

test('the shipped registry is taken as checked: its schemas compile without a meta-schema pass', (t) => {
  if (!existsSync(DEFAULT_REGISTRY_PATH)) return t.skip('no generated registry.json')
  const registry = loadRegistry()
  const entry = registry.entries.find((candidate) => candidate.type === 'turn.start')!
  // In place, so the object stays the one loadRegistry marked: what `registry lint` guards against.
  breakInPlace(entry.schema)
  assert.equal(createAjv().validateSchema(entry.schema), true)
  assert.equal(createAjv().validateSchema({ ...(entry.schema as object) }), false)
})
