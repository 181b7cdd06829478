// What decision 2096 relies on: a context read runs its statements in one read transaction (one
// read lock instead of one per statement), loads an episode it read lately from memory rather than
// from SQLite, and never answers from there a memory that was deleted, here or by another connection.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { EpisodeRows } from './episode-rows.ts'
import { type MemoryStore, openMemoryStore } from './memory-store.ts'

const root = mkdtempSync(join(tmpdir(), 'localhub-memory-once-'))
after(() => rmSync(root, { recursive: true, force: true }))

type Statement = Database.Statement<unknown[], unknown>

/** Runs `read` noting each statement run: its SQL and whether a transaction was open. */
function watchStatements(read: () => void): { source: string; inTransaction: boolean }[] {
  const seen: { source: string; inTransaction: boolean }[] = []
  const prototype = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as Statement
  const { get, all } = prototype
  prototype.get = function (this: Statement, ...args: unknown[]) {
    seen.push({ source: this.source, inTransaction: this.database.inTransaction })
    return get.apply(this, args)
  } as typeof get
  prototype.all = function (this: Statement, ...args: unknown[]) {
    seen.push({ source: this.source, inTransaction: this.database.inTransaction })
    return all.apply(this, args)
  } as typeof all
  try {
    read()
  } finally {
    prototype.get = get
    prototype.all = all
  }
  return seen
}

function storeWithTurns(name: string, turns: number) {
  const path = join(root, `${name}.sqlite`)
  const store = openMemoryStore({ path })
  for (let index = 0; index < turns; index++)
    store.recordTurn({
      sessionId: `s${index % 3}`,
      traceId: `trace-${index}`,
      userText: `hi number ${index}`,
      assistantText: `hello ${index}`,
    })
  return { store, path }
}

describe('a context read', () => {
  test('runs every statement inside one read transaction', () => {
    const { store } = storeWithTurns('one-transaction', 12)
    const seen = watchStatements(() => store.readContext({ sessionId: 's1', query: 'hi' }))
    assert.ok(seen.length >= 3, `statements seen: ${seen.length}`)
    assert.deepEqual(
      seen.filter((statement) => !statement.inTransaction).map((statement) => statement.source),
      [],
    )
    store.close()
  })

  test('loads an episode it read lately without asking SQLite again, with the same answer', () => {
    const { store } = storeWithTurns('remembered', 12)
    const first = store.readContext({ sessionId: 's2', query: 'hi' })
    let again: typeof first | undefined
    const seen = watchStatements(() => {
      again = store.readContext({ sessionId: 's2', query: 'hi' })
    })
    assert.deepEqual(again, first)
    assert.ok(first.summaries.length > 0)
    assert.deepEqual(
      seen.filter((statement) => statement.source.includes('FROM episodes WHERE row')),
      [],
      'no episode row is loaded again',
    )
    store.close()
  })

  test('does not answer with an episode another connection deleted, even when its row number returns', () => {
    // The last turn is session s0's, so its episode (the highest row) is in s0's context.
    const { store, path } = storeWithTurns('other-connection', 7)
    const before = store.readContext({ sessionId: 's0', query: 'hi' })
    const newest = before.summaries.find((summary) => summary.text.includes('hi number 6'))
    assert.ok(newest !== undefined)
    // Another process (the CLI's `memory forget`, say) deletes it through its own connection…
    const other = new Database(path)
    const row = other.prepare('SELECT row FROM episodes WHERE id = ?').pluck().get(newest.id)
    other.prepare('DELETE FROM episode_text WHERE rowid = ?').run(row)
    other.prepare('DELETE FROM episodes WHERE row = ?').run(row)
    other.close()
    // …and the next turn's episode takes the same row number (the highest plus one).
    assertNextTurnTakesItsPlace(store)
  })

  test('does not answer with an episode this store forgot, even when its row number returns', () => {
    const { store } = storeWithTurns('own-forget', 7)
    const newest = store
      .readContext({ sessionId: 's0', query: 'hi' })
      .summaries.find((summary) => summary.text.includes('hi number 6'))
    assert.ok(newest !== undefined)
    assert.equal(store.delete(newest.id), true)
    assertNextTurnTakesItsPlace(store)
  })
})

// The next turn's episode takes the deleted one's row number (the highest plus one): a read must
// answer with the new episode, never the deleted one remembered under that number.
function assertNextTurnTakesItsPlace(store: MemoryStore): void {
  store.recordTurn({
    sessionId: 's0',
    traceId: 'trace-new',
    userText: 'hi once more',
    assistantText: 'yes',
  })
  const texts = store.readContext({ sessionId: 's0', query: 'hi' }).summaries.map((summary) => summary.text)
  assert.ok(!texts.some((text) => text.includes('hi number 6')), texts.join(' | '))
  assert.ok(
    texts.some((text) => text.includes('hi once more')),
    texts.join(' | '),
  )
  store.close()
}

describe('EpisodeRows', () => {
  test('keeps at most its size, oldest out first, and does not remember a missing row', () => {
    const rows = new EpisodeRows(2)
    const load = (row: number) =>
      row === 99 ? undefined : { id: `ep_${row}`, sessionId: 's', text: `t${row}`, ts: '' }
    assert.equal(rows.get(99, load), undefined)
    rows.get(1, load)
    rows.get(2, load)
    rows.get(3, load)
    assert.equal(rows.size, 2)
    let loaded = 0
    rows.get(1, (row) => {
      loaded++
      return load(row)
    })
    assert.equal(loaded, 1, 'row 1 left first')
    assert.throws(() => new EpisodeRows(0), RangeError)
  })
})
