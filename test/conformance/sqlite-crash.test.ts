import assert from 'node:assert/strict'
import { statSync, truncateSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { openBus } from '../../src/bus-factory/index.ts'
import { exited, spawnTsx } from '../kit/child-process.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { testRegistry } from '../kit/test-registry.ts'
import { collect } from '../kit/wait-for.ts'

test('SIGKILL while publishing loses no event whose receipt was returned; the log reopens', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const path = join(dir.path, 'events.sqlite')
  for (let round = 0; round < 2; round++) {
    const { child, lines } = spawnTsx('test/kit/publish-child.ts', [path])
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    })
    const receipts: { id: string; seq: number }[] = []
    for await (const line of lines) {
      if (line === 'ready') continue
      receipts.push(JSON.parse(line) as { id: string; seq: number })
      if (receipts.length >= 2000 + round * 500) {
        child.kill('SIGKILL')
        break
      }
    }
    assert.equal(await exited(child), 'SIGKILL')
    const bus = await openBus({ transport: 'sqlite', path, registry: testRegistry() })
    const stored = new Map((await collect(bus.replay())).map((event) => [event.id, event.seq]))
    for (const receipt of receipts)
      assert.equal(stored.get(receipt.id), receipt.seq, `receipted ${receipt.id} is in the log`)
    const seqs = [...stored.values()]
    assert.deepEqual(
      seqs,
      seqs.map((_, index) => index + 1),
      'seq has no gaps',
    )
    const next = await bus.publishUntyped({ type: 'note.added', payload: { n: 0 } })
    assert.equal(next.seq, seqs.length + 1)
    await bus.close()
  }
})

test('a truncated log is refused when a bus opens it, with the reason from the store', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const path = join(dir.path, 'events.sqlite')
  const bus = await openBus({ transport: 'sqlite', path, registry: testRegistry() })
  const notes = Array.from({ length: 2000 }, (_, n) => ({
    type: 'note.added',
    payload: { n, title: 'x'.repeat(200) },
  }))
  await bus.publishManyUntyped(notes)
  await bus.close()
  truncateSync(path, Math.floor(statSync(path).size / 2))
  await assert.rejects(openBus({ transport: 'sqlite', path, registry: testRegistry() }), /truncated/)
})
