// What decision 2096 relies on for RAG: a search that finds several chunks loads them inside one
// read transaction (one SQLite read lock, not one per chunk), and answers as before.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import Database from 'better-sqlite3'
import { openRagStore } from './rag-store.ts'

const root = mkdtempSync(join(tmpdir(), 'localhub-rag-once-'))
after(() => rmSync(root, { recursive: true, force: true }))

type Statement = Database.Statement<unknown[], unknown>

test('the chunks of a search are loaded in one read transaction', async () => {
  const docs = join(root, 'docs')
  const { mkdirSync } = await import('node:fs')
  mkdirSync(docs)
  writeFileSync(join(docs, 'garden.md'), '# Garden plans\nPlant tomatoes in May.\n')
  writeFileSync(join(docs, 'kitchen.md'), '# Kitchen\nTomatoes go in the sauce.\n')
  const store = openRagStore({ path: join(root, 'rag.sqlite') })
  await store.indexPaths({ paths: [docs] })
  const prototype = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as Statement
  const { get } = prototype
  const loads: boolean[] = []
  prototype.get = function (this: Statement, ...args: unknown[]) {
    if (this.source.includes('FROM chunks c JOIN')) loads.push(this.database.inTransaction)
    return get.apply(this, args)
  } as typeof get
  let titles: string[]
  try {
    titles = (await store.search({ query: 'tomatoes' })).map((hit) => hit.title).sort()
  } finally {
    prototype.get = get
  }
  assert.deepEqual(titles, ['Garden plans', 'Kitchen'])
  assert.deepEqual(loads, [true, true])
  store.close()
})
