// What decision 1786 relies on for RAG: a search of an index without chunks answers nothing without
// running its full-text query, and chunks another connection (a `localhub rag index` process) adds
// are found by the very next search of the open store.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import Database from 'better-sqlite3'
import { openRagStore } from './rag-store.ts'

const root = mkdtempSync(join(tmpdir(), 'localhub-rag-empty-'))
after(() => rmSync(root, { recursive: true, force: true }))

/** Runs `work` counting the full-text queries (`… MATCH …` statements) it executes. */
async function countingMatches<T>(work: () => Promise<T>): Promise<{ result: T; matches: number }> {
  const probe = new Database(':memory:')
  const statementPrototype = Object.getPrototypeOf(probe.prepare('SELECT 1')) as {
    all: (...args: unknown[]) => unknown
  }
  probe.close()
  const all = statementPrototype.all
  let matches = 0
  statementPrototype.all = function (this: { source: string }, ...args: unknown[]) {
    if (this.source.includes(' MATCH ')) matches++
    return all.apply(this, args)
  }
  try {
    return { result: await work(), matches }
  } finally {
    statementPrototype.all = all
  }
}

test('an empty index answers without a full-text query; chunks from another connection are found next', async () => {
  const path = join(root, 'rag.sqlite')
  const store = openRagStore({ path })
  const empty = await countingMatches(() => store.search({ query: 'tomatoes' }))
  assert.deepEqual(empty.result, [])
  assert.equal(empty.matches, 0, 'no full-text query on an empty index')
  // Input is still checked first.
  await assert.rejects(store.search({ query: 'tomatoes', topK: 0 }), { code: 'E_BAD_REQUEST' })

  writeFileSync(join(root, 'notes.md'), '# Garden plans\nPlant tomatoes in May.\n')
  const other = openRagStore({ path })
  await other.indexPaths({ paths: [join(root, 'notes.md')] })
  other.close()
  const found = await countingMatches(() => store.search({ query: 'tomatoes' }))
  assert.deepEqual(
    found.result.map((hit) => hit.title),
    ['Garden plans'],
  )
  assert.equal(found.matches, 1)
  store.close()
})
