import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { DEFAULT_TOP_K } from './rag-options.ts'
import { ragOptionsOf } from './rag-skill-options.ts'
import { openRagStore } from './rag-store.ts'

function paragraphs(count: number): string {
  return Array.from(
    { length: count },
    (_, index) => `Paragraph ${index} talks about retention rules, chunk sizes and overlaps in detail.`,
  ).join('\n\n')
}

describe('the rag skill config as store options', () => {
  test('absent keys keep the defaults; topK and chunking are read', () => {
    assert.deepEqual(ragOptionsOf(undefined), { store: {}, topK: DEFAULT_TOP_K })
    assert.deepEqual(ragOptionsOf({ topK: 3, chunking: { size: 400, overlap: 40 } }), {
      store: { chunkSizeChars: 400, chunkOverlapChars: 40 },
      topK: 3,
    })
  })

  test('values the store cannot honour are refused', () => {
    for (const config of [
      { topK: 0 },
      { topK: 1.5 },
      { chunking: { size: 10 } },
      { chunking: { size: 100, overlap: 60 } },
      { chunking: 'big' },
    ]) {
      assert.throws(() => ragOptionsOf(config), { code: 'E_VALIDATION' }, JSON.stringify(config))
    }
  })

  test('a smaller chunking size gives more chunks for the same document', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'localhub-rag-options-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, 'notes.md')
    writeFileSync(file, paragraphs(60))
    const countWith = async (config: Record<string, unknown> | undefined, name: string) => {
      const store = openRagStore({ path: join(dir, name), ...ragOptionsOf(config).store })
      try {
        await store.indexPaths({ paths: [file] })
        return store.stats().chunks
      } finally {
        store.close()
      }
    }
    const byDefault = await countWith(undefined, 'default.sqlite')
    const small = await countWith({ chunking: { size: 200, overlap: 20 } }, 'small.sqlite')
    const large = await countWith({ chunking: { size: 2000, overlap: 100 } }, 'large.sqlite')
    assert.ok(small > byDefault, `${small} chunks at 200 vs ${byDefault} at the default 800`)
    assert.ok(large < byDefault, `${large} chunks at 2000 vs ${byDefault} at the default 800`)
  })
})
