import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import Database from 'better-sqlite3'
import { type NatsServerHandle, startNatsServer } from '../../test/kit/nats-server.ts'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { testRegistry } from '../../test/kit/test-registry.ts'
import { collect } from '../../test/kit/wait-for.ts'
import type { Envelope } from '../contracts/index.ts'
import { chooseBus, migrateLogToNats, openBus, openChosenBus } from './index.ts'

// `events migrate` (decision 1607): a generated SQLite log with gaps (as retention leaves them) and
// sessions is copied into a new stream, interrupted once and resumed; replay from NATS then
// returns the same events with the same ids, seqs and session seqs, each once.

const EVENTS = 2000
const registry = testRegistry()
const temp = makeTempDir('localhub-migrate-')
let server: NatsServerHandle

before(async () => {
  server = await startNatsServer({ name: 'migrate' })
})
after(async () => {
  await server?.dispose()
  temp.remove()
})

async function generateLog(dataDir: string): Promise<void> {
  const bus = await openBus({ transport: 'sqlite', dataDir, registry })
  try {
    for (let start = 0; start < EVENTS; start += 200) {
      const drafts = Array.from({ length: 200 }, (_, index) => {
        const n = start + index
        return n % 3 === 0
          ? { type: 'chat.message', sessionId: `session-${n % 7}`, payload: { n } }
          : { type: 'note.added', payload: { n } }
      })
      await bus.publishManyUntyped(drafts)
    }
  } finally {
    await bus.close()
  }
  // What retention leaves behind: the oldest events gone, and holes in the middle.
  const db = new Database(join(dataDir, 'events.sqlite'))
  db.prepare('DELETE FROM events WHERE seq <= 25 OR (seq BETWEEN 700 AND 740) OR seq = 1500').run()
  db.close()
}

const shape = (event: Envelope) => [event.id, event.seq, event.sessionSeq, event.type, event.payload]

test('a SQLite log moves into a new stream with ids and seqs kept, resumably; replay is identical', async (t) => {
  const dataDir = join(temp.path, 'desk')
  await generateLog(dataDir)
  const sqlite = await openBus({ transport: 'sqlite', dataDir, registry })
  const expected = (await collect(sqlite.replay({}))).map(shape)
  await sqlite.close()
  assert.equal(expected.length, EVENTS - 25 - 41 - 1)

  const input = { dataDir, to: server.url, hubId: 'desk', env: {}, registry, batchSize: 250 }
  let batches = 0
  let copiedBefore = 0
  await assert.rejects(
    migrateLogToNats({
      ...input,
      onProgress: (progress) => {
        copiedBefore = progress.copied
        if (++batches === 3) throw new Error('interrupted')
      },
    }),
    /interrupted/,
  )
  assert.ok(copiedBefore > 0)
  const result = await migrateLogToNats(input)
  assert.equal(result.resumed, true)
  assert.equal(result.preserveSeqs, true)
  assert.equal(result.copied + copiedBefore, expected.length, 'the second run copied only the rest')
  assert.equal(result.sessionsRaised, 7)

  const choice = chooseBus({ flags: { bus: server.url, hubId: 'desk' }, env: {}, dataDir })
  const nats = await openChosenBus(choice, { registry })
  t.after(() => nats.close())
  const replayed = (await collect(nats.replay({}))).map(shape)
  assert.deepEqual(replayed, expected)
  // New events continue after the copy: the next seq, and each session's next sessionSeq.
  const receipt = await nats.publishUntyped({
    type: 'chat.message',
    sessionId: 'session-0',
    payload: { n: EVENTS },
  })
  assert.equal(receipt.seq, EVENTS + 1)
  const [last] = await collect(nats.replay({ from: { seq: EVENTS + 1 } }))
  const previous = (await collect(nats.replay({ filter: 'chat.message' })))
    .filter((event) => event.sessionId === 'session-0' && event.id !== receipt.id)
    .map((event) => event.sessionSeq!)
  assert.equal(last?.sessionSeq, Math.max(...previous) + 1)
})

test('into a stream that already holds events the copies are appended, ids kept, each once', async (t) => {
  const dataDir = join(temp.path, 'laptop')
  const sqlite = await openBus({ transport: 'sqlite', dataDir, registry })
  await sqlite.publishManyUntyped(
    Array.from({ length: 50 }, (_, n) => ({ type: 'note.added', payload: { n } })),
  )
  const ids = (await collect(sqlite.replay({}))).map((event) => event.id)
  await sqlite.close()
  const choice = chooseBus({ flags: { bus: server.url, hubId: 'laptop' }, env: {}, dataDir })
  const nats = await openChosenBus(choice, { registry })
  t.after(() => nats.close())
  await nats.publishManyUntyped(Array.from({ length: 5 }, (_, n) => ({ type: 'note.added', payload: { n } })))
  const input = { dataDir, to: server.url, hubId: 'laptop', env: {}, registry }
  const result = await migrateLogToNats(input)
  assert.deepEqual([result.preserveSeqs, result.copied], [false, 50])
  assert.equal((await migrateLogToNats(input)).copied, 0, 'a finished copy copies nothing again')
  const replayed = await collect(nats.replay({}))
  assert.equal(replayed.length, 55)
  assert.deepEqual(
    replayed.slice(5).map((event) => [event.id, event.seq]),
    ids.map((id, index) => [id, index + 6]),
  )
})
