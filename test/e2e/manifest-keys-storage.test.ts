// Every manifest key acts or is refused (docs/decisions/1400..1406): a real hub is opened on a
// manifest with one value changed, and the effect is observed through the HTTP API or the files.
// This part: storage paths and the RAG settings.
import assert from 'node:assert/strict'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { chunkText } from '../../src/skills/rag/index.ts'
import { startOllamaServer } from '../kit/llm-servers/index.ts'
import { watchEvents } from '../kit/wait-for.ts'
import { call, type Json, refused, setUp, skill, skillPath, startHub } from './manifest-keys-kit.ts'

describe('storage and RAG config', { timeout: 60_000 }, () => {
  test('storage.path puts the memory and rag files where it says, inside the data directory', async (t) => {
    const setup = setUp(t)
    await startHub(t, setup, (m) => {
      skill(m, 'skill.rag').storage.path = 'stores/rag.sqlite'
      skill(m, 'skill.memory.episodic').storage.path = 'stores/memory.sqlite'
    })
    assert.ok(existsSync(join(setup.dataDir, 'stores', 'rag.sqlite')), 'rag store at its storage.path')
    assert.ok(existsSync(join(setup.dataDir, 'stores', 'memory.sqlite')), 'memory store at its storage.path')
    assert.equal(existsSync(join(setup.dataDir, 'rag.sqlite')), false)
    assert.equal(existsSync(join(setup.dataDir, 'memory.sqlite')), false)
  })

  test('a path out of the data directory and an engine other than fts5 stop the hub', async (t) => {
    await refused(
      t,
      (m) => (skill(m, 'skill.rag').storage.path = '../rag.sqlite'),
      skillPath('skill.rag', '/storage/path'),
      /leave/,
    )
    await refused(
      t,
      (m) => (skill(m, 'skill.rag').storage.engine = 'qdrant'),
      skillPath('skill.rag', '/storage/engine'),
      /fts5/,
    )
  })

  test('config.chunking.size changes the chunks the index stores', async (t) => {
    const setup = setUp(t)
    const text = Array.from(
      { length: 40 },
      (_, index) => `Paragraph ${index} is about the boiler service.`,
    ).join('\n\n')
    writeFileSync(join(setup.workspace, 'notes.md'), text)
    const hub = await startHub(t, setup, (m) => {
      skill(m, 'skill.rag').config.chunking = { size: 200, overlap: 20 }
    })
    const progress = await watchEvents(hub.bus, 'index.progress')
    t.after(() => progress.stop())
    await hub.bus.publish({
      type: 'index.request',
      traceId: 'trace-chunking',
      payload: { paths: [setup.workspace], mode: 'full' },
    })
    await progress.next(
      (event) =>
        event.traceId === 'trace-chunking' &&
        (event.payload as Json).done === (event.payload as Json).total &&
        (event.payload as Json).total > 0,
      'indexing done',
      20_000,
    )
    const db = new Database(join(setup.dataDir, 'rag.sqlite'), { readonly: true })
    const stored = db.prepare('SELECT count(*) FROM chunks').pluck().get() as number
    db.close()
    assert.equal(stored, chunkText(text, { sizeChars: 200, overlapChars: 20 }).length)
    assert.notEqual(stored, chunkText(text).length, 'the default size would give another count')
  })

  test('config.topK caps the passages a turn retrieves', async (t) => {
    const setup = setUp(t)
    for (let index = 0; index < 6; index++) {
      writeFileSync(
        join(setup.workspace, `boiler-${index}.md`),
        `The boiler note number ${index} says service it.\n`,
      )
    }
    const ollama = await startOllamaServer({ models: ['tiny'] })
    t.after(() => ollama.close())
    const hub = await startHub(
      t,
      setup,
      (m) => {
        skill(m, 'skill.rag').config.topK = 2
      },
      { llmFlags: { baseUrl: ollama.url, model: 'tiny' } },
    )
    const progress = await watchEvents(hub.bus, 'index.progress')
    t.after(() => progress.stop())
    await hub.bus.publish({
      type: 'index.request',
      traceId: 'trace-topk',
      payload: { paths: [setup.workspace], mode: 'full' },
    })
    await progress.next(
      (event) =>
        event.traceId === 'trace-topk' && (event.payload as Json).done === (event.payload as Json).total,
      'indexing done',
      20_000,
    )
    const context = await watchEvents(hub.bus, 'rag.context')
    t.after(() => context.stop())
    const answer = await call(hub, 'POST', '/chat', { text: 'boiler service', stream: false })
    assert.equal(answer.body.ok, true, JSON.stringify(answer.body))
    const hits = await context.next(() => true, 'rag.context of the turn', 10_000)
    assert.equal((hits.payload as Json).hits.length, 2)
  })
})
