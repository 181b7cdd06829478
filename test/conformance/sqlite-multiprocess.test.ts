import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { openBus } from '../../src/bus-factory/index.ts'
import { exited, spawnTsx } from '../kit/child-process.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { testRegistry } from '../kit/test-registry.ts'
import { waitFor } from '../kit/wait-for.ts'

test('two processes share one log: both write, a durable consumer here sees the other process’s events', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const path = join(dir.path, 'events.sqlite')
  const bus = await openBus({
    transport: 'sqlite',
    path,
    registry: testRegistry(),
    transportOptions: { pollIntervalMs: 10 },
  })
  t.after(() => bus.close())
  const seen = new Set<number>()
  await bus.subscribe('chat.message', (event) => void seen.add(event.seq!), { durable: 'watcher' })
  const { child, lines } = spawnTsx('test/kit/publish-child.ts', [path])
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const theirs: number[] = []
  const mine: number[] = []
  for await (const line of lines) {
    if (line === 'ready') continue
    theirs.push((JSON.parse(line) as { seq: number }).seq)
    if (theirs.length % 100 === 0)
      mine.push((await bus.publishUntyped({ type: 'chat.message', payload: { n: 0 }, sessionId: 's1' })).seq!)
    if (theirs.length >= 1000) break
  }
  child.kill('SIGTERM')
  await exited(child)
  const all = [...theirs, ...mine]
  assert.equal(new Set(all).size, all.length, 'no seq was handed out twice across processes')
  let expected = 0
  for await (const _event of bus.replay({ filter: 'chat.message' })) expected++
  assert.ok(expected > 500)
  await waitFor(() => seen.size === expected, 'every chat.message, including the other process’s', 20_000)
  for (const seq of mine) assert.ok(seen.has(seq))
  const sessionSeqs: number[] = []
  for await (const event of bus.replay()) if (event.sessionId === 's1') sessionSeqs.push(event.sessionSeq!)
  assert.deepEqual(
    sessionSeqs,
    sessionSeqs.map((_, index) => index + 1),
    'sessionSeq stays gapless across writers',
  )
})
