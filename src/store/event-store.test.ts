import assert from 'node:assert/strict'
import { readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { collect } from '../../test/kit/wait-for.ts'
import { dedupeKeysOf, uuidV7 } from '../bus/index.ts'
import type { Envelope } from '../contracts/index.ts'
import { HubError } from '../contracts/index.ts'
import { openEventStore } from './event-store.ts'

function note(n: number, type = 'note.added', body = ''): Envelope {
  return {
    id: uuidV7(),
    type,
    version: 1,
    ts: new Date().toISOString(),
    source: 'test',
    severity: 'info',
    traceId: 't',
    tenant: 'default',
    payload: body ? { n, title: body } : { n },
  }
}

async function appendAll(store: ReturnType<typeof openEventStore>, envelopes: Envelope[]) {
  return store.append(envelopes.map((envelope) => ({ envelope, dedupeKeys: dedupeKeysOf(envelope) })))
}

function expectDamaged(run: () => unknown, file: string, problem: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof HubError)
    assert.equal(error.code, 'E_IO')
    assert.ok(error.message.includes(file), 'names the file')
    assert.match(error.message, problem)
    assert.match(error.message, /\.recover/, 'names the recovery command')
    return true
  })
}

describe('SQLite event store', () => {
  test('a file that is not SQLite, or is truncated, gives a clear error naming it and the recovery command', async (t) => {
    const dir = makeTempDir()
    t.after(() => dir.remove())
    const garbage = join(dir.path, 'garbage.sqlite')
    writeFileSync(garbage, Buffer.alloc(4096, 0x41))
    expectDamaged(
      () => openEventStore({ path: garbage, dedupeWindowMs: 1000 }),
      garbage,
      /not an SQLite database/,
    )
    const tiny = join(dir.path, 'tiny.sqlite')
    writeFileSync(tiny, 'SQLite format 3')
    expectDamaged(
      () => openEventStore({ path: tiny, dedupeWindowMs: 1000 }),
      tiny,
      /shorter than an SQLite header/,
    )

    const path = join(dir.path, 'events.sqlite')
    const store = openEventStore({ path, dedupeWindowMs: 1000 })
    await appendAll(
      store,
      Array.from({ length: 2000 }, (_, n) => note(n, 'note.added', 'x'.repeat(200))),
    )
    await store.close()
    const size = readFileSync(path).length
    truncateSync(path, Math.floor(size / 2))
    expectDamaged(() => openEventStore({ path, dedupeWindowMs: 1000 }), path, /truncated/)
  })

  test('damage inside a page is reported when it is read, never as an empty log', async (t) => {
    const dir = makeTempDir()
    t.after(() => dir.remove())
    const path = join(dir.path, 'events.sqlite')
    const store = openEventStore({ path, dedupeWindowMs: 1000 })
    await appendAll(
      store,
      Array.from({ length: 3000 }, (_, n) => note(n, 'note.added', 'y'.repeat(100))),
    )
    await store.close()
    const bytes = readFileSync(path)
    // Overwrite the middle pages (not the header) with noise.
    for (let offset = 8192; offset < bytes.length - 8192; offset += 7) bytes[offset] = (offset * 31) & 0xff
    writeFileSync(path, bytes)
    let failure: unknown
    try {
      const damaged = openEventStore({ path, dedupeWindowMs: 1000 })
      try {
        await collect(damaged.read({}))
      } finally {
        await damaged.close().catch(() => {})
      }
    } catch (error) {
      failure = error
    }
    assert.ok(failure instanceof HubError, `expected a HubError, got ${String(failure)}`)
    assert.ok(failure.message.includes(path))
    assert.match(failure.message, /damaged|malformed/)
  })

  test('retention by count, size and age per type, keeping seq monotonic', async (t) => {
    const dir = makeTempDir()
    t.after(() => dir.remove())
    let now = 1_000_000
    const store = openEventStore({
      path: join(dir.path, 'events.sqlite'),
      dedupeWindowMs: 1000,
      now: () => now,
      retention: {
        types: { 'note.added': { maxCount: 3 }, 'chat.message': { maxBytes: 2000 } },
        default: { maxAgeMs: 10_000 },
      },
    })
    t.after(() => store.close())
    await appendAll(
      store,
      Array.from({ length: 10 }, (_, n) => note(n)),
    )
    await appendAll(
      store,
      Array.from({ length: 10 }, (_, n) => note(n, 'chat.message', 'z'.repeat(500))),
    )
    await appendAll(store, [note(1, 'chat.query')])
    now += 5000
    await appendAll(store, [note(2, 'chat.query')])
    now += 6000
    const report = store.enforceRetention()
    const left = await collect(store.read({}))
    const byType = (type: string) => left.filter((event) => event.type === type)
    assert.deepEqual(
      byType('note.added').map((event) => event.payload.n),
      [7, 8, 9],
    )
    assert.ok(
      byType('chat.message').length >= 2 && byType('chat.message').length <= 3,
      'about 2000 bytes of chat.message kept',
    )
    assert.deepEqual(
      byType('chat.query').map((event) => event.payload.n),
      [2],
    )
    assert.equal(report.deleted, 22 - left.length)
    const [after] = await appendAll(store, [note(99)])
    assert.equal(after!.seq, 23, 'seq continues after the deleted newest events')
  })

  test('synchronous and other settings are validated', () => {
    assert.throws(
      () =>
        openEventStore({ path: '/tmp/x.sqlite', dedupeWindowMs: 1000, synchronous: 'SOMETIMES' as 'FULL' }),
      /synchronous/,
    )
    assert.throws(
      () => openEventStore({ path: '/tmp/x.sqlite', dedupeWindowMs: 1000, groupCommitMaxEvents: 0 }),
      /groupCommitMaxEvents/,
    )
    assert.throws(
      () =>
        openEventStore({
          path: '/tmp/x.sqlite',
          dedupeWindowMs: 1000,
          retention: { default: { maxAge: 5 } as never },
        }),
      /not a retention limit/,
    )
  })
})
