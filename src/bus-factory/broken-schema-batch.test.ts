// A catalog entry whose schema does not compile (decision 1646) refuses its own events only: the
// other events of the same batch are stored and nothing accepted before is lost.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { testRegistry } from '../../test/kit/test-registry.ts'
import { openBus } from './index.ts'

test('a type with a broken schema is refused per event; the rest of the batch is stored', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const registry = testRegistry()
  const index = registry.entries.findIndex((entry) => entry.type === 'repo.skill.install')
  assert.ok(index >= 0, 'the test registry holds repo.skill.install')
  registry.entries[index] = {
    ...registry.entries[index]!,
    schema: { type: 'object', properties: { name: { type: 'no-such-json-type' } } },
  }
  const bus = await openBus({ transport: 'sqlite', dataDir: dir.path, registry })
  t.after(() => bus.close())
  const before = await bus.publishUntyped({ type: 'note.added', payload: { n: 0 } })
  assert.equal(typeof before.id, 'string')
  const outcomes = await bus.publishManyUntyped([
    { type: 'note.added', payload: { n: 1 } },
    { type: 'repo.skill.install', payload: { name: 'x' } },
    { type: 'note.added', payload: { n: 2 } },
  ])
  assert.deepEqual(
    outcomes.map((outcome) => outcome.ok),
    [true, false, true],
  )
  const refused = outcomes[1]!
  assert.ok(!refused.ok)
  assert.equal(refused.error.code, 'E_VALIDATION')
  assert.match(JSON.stringify(refused.error), /catalog schema of repo\.skill\.install@1 does not compile/)
  const stored: number[] = []
  for await (const event of bus.replay({ filter: 'note.added' })) stored.push(event.payload.n as number)
  assert.deepEqual(stored, [0, 1, 2])
})
