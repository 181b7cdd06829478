// What decision 1786 relies on for memory: a context read of a store without facts runs neither
// fact query, and facts another connection (a `localhub memory` process, say) stores are in the
// very next read of the open store.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import Database from 'better-sqlite3'
import { openMemoryStore } from './memory-store.ts'

const root = mkdtempSync(join(tmpdir(), 'localhub-memory-facts-'))
after(() => rmSync(root, { recursive: true, force: true }))

/** Runs `work` counting the statements it executes that read the facts table. */
function countingFactReads<T>(work: () => T): { result: T; factReads: number } {
  const probe = new Database(':memory:')
  const statementPrototype = Object.getPrototypeOf(probe.prepare('SELECT 1')) as {
    all: (...args: unknown[]) => unknown
  }
  probe.close()
  const all = statementPrototype.all
  let factReads = 0
  statementPrototype.all = function (this: { source: string }, ...args: unknown[]) {
    if (/\bFROM (facts|fact_text)\b/.test(this.source)) factReads++
    return all.apply(this, args)
  }
  try {
    return { result: work(), factReads }
  } finally {
    statementPrototype.all = all
  }
}

test('a store without facts skips both fact queries; facts another connection stores are read next', () => {
  const path = join(root, 'memory.sqlite')
  const store = openMemoryStore({ path })
  store.recordTurn({ sessionId: 's1', userText: 'hi', assistantText: 'Hello.' })
  const before = countingFactReads(() => store.readContext({ sessionId: 's1', query: 'hi' }))
  assert.deepEqual(before.result.facts, [])
  assert.equal(before.result.summaries.length, 1)
  assert.equal(before.factReads, 0, 'no fact query without facts')

  const other = openMemoryStore({ path })
  other.recordTurn({ sessionId: 's2', userText: 'I like green tea.', assistantText: 'Noted.' })
  other.close()
  const after = countingFactReads(() => store.readContext({ sessionId: 's1', query: 'green tea' }))
  assert.deepEqual(
    after.result.facts.map((fact) => fact.text),
    ['The user likes green tea.'],
  )
  assert.equal(after.factReads, 2)
  store.close()
})
