// What decision 1757 relies on for RAG: a search on each chat turn compiles no SQL statement once
// the index has answered one, and still finds what was indexed after that first search.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import Database from 'better-sqlite3'
import { openRagStore } from './rag-store.ts'

const root = mkdtempSync(join(tmpdir(), 'localhub-rag-statements-'))
after(() => rmSync(root, { recursive: true, force: true }))

test('a search compiles no statement after the first, and sees later indexing', async () => {
  writeFileSync(join(root, 'notes.md'), '# Garden plans\nPlant tomatoes in May.\n')
  const store = openRagStore({ path: join(root, 'rag.sqlite') })
  assert.deepEqual(await store.search({ query: 'tomatoes' }), [])
  await store.indexPaths({ paths: [root] })
  const prepare = Database.prototype.prepare
  let compiled = 0
  Database.prototype.prepare = function (this: Database.Database, ...args: Parameters<typeof prepare>) {
    compiled++
    return prepare.apply(this, args)
  } as typeof prepare
  let titles: string[]
  try {
    titles = (await store.search({ query: 'tomatoes' })).map((hit) => hit.title)
  } finally {
    Database.prototype.prepare = prepare
  }
  assert.deepEqual(titles, ['Garden plans'])
  assert.equal(compiled, 0)
  store.close()
})
