import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runCommand } from '../../../test/kit/cli-io.ts'
import { startNatsServer } from '../../../test/kit/nats-server.ts'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { collect } from '../../../test/kit/wait-for.ts'
import { chooseBus, openBus, openChosenBus } from '../../bus-factory/index.ts'
import type { Envelope } from '../../contracts/index.ts'
import { run } from './events.ts'

test('localhub events migrate copies the log; a second run copies nothing twice', async (t) => {
  const temp = makeTempDir()
  t.after(() => temp.remove())
  const server = await startNatsServer({ name: 'events-migrate' })
  t.after(() => server.dispose())
  // The shipped catalog, as `serve` uses it.
  const sqlite = await openBus({ transport: 'sqlite', dataDir: temp.path })
  await sqlite.publishManyUntyped(
    Array.from({ length: 120 }, (_, n) => ({
      type: 'system.boot.completed',
      payload: { hubId: 'desk', version: `0.0.${n}`, bootMs: n, skills: [], degraded: [] },
    })),
  )
  const shape = (event: Envelope) => [event.id, event.seq, event.type, event.payload]
  const expected = (await collect(sqlite.replay({}))).map(shape)
  assert.equal(expected.length, 120)
  await sqlite.close()
  const migrate = () =>
    runCommand(run, ['migrate', '--to', server.url, '--hub-id', 'desk', '--batch', '50'], {
      cwd: temp.path,
      dataDir: temp.path,
    })
  const first = await migrate()
  assert.equal(first.code, 0, first.stderr)
  assert.match(first.stdout, /^copied 120 events into LH_desk; seqs kept;/)
  const again = await migrate()
  assert.equal(again.code, 0, again.stderr)
  assert.match(again.stdout, /^copied 0 events into LH_desk \(resumed\)/)
  const nats = await openChosenBus(
    chooseBus({ flags: { bus: server.url, hubId: 'desk' }, env: {}, dataDir: temp.path }),
    {},
  )
  t.after(() => nats.close())
  assert.deepEqual((await collect(nats.replay({}))).map(shape), expected)
  const refused = await runCommand(run, ['migrate', '--to', 'sqlite'], { cwd: temp.path, dataDir: temp.path })
  assert.equal(refused.code, 1)
  assert.match(refused.stderr, /--to must name a NATS server/)
})
