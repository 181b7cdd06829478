import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { openMemoryDatabase } from './memory-database.ts'
import { openMemoryStore } from './memory-store.ts'

const root = mkdtempSync(join(tmpdir(), 'localhub-memory-scrub-'))
after(() => rmSync(root, { recursive: true, force: true }))
let counter = 0
const freshPath = () => join(root, `memory-${++counter}.sqlite`)

const API_KEY = 'sk-live-7c6b5a49382716f5e4d3c2b1a0f9e8d7'
const PASSWORD = 'Hunter2x9!'
const SAID = `Remember that my api key is ${API_KEY} and my password is ${PASSWORD}. I like sailing.`

function fileBytes(path: string): Buffer {
  const folder = join(path, '..')
  const name = path.slice(folder.length + 1)
  return Buffer.concat(
    readdirSync(folder)
      .filter((entry) => entry.startsWith(name))
      .map((entry) => readFileSync(join(folder, entry))),
  )
}

describe('memory keeps words, not credentials', () => {
  test('recordTurn scrubs the texts, summary, facts and trace id before writing', () => {
    const path = freshPath()
    const store = openMemoryStore({ path })
    const receipt = store.recordTurn({
      sessionId: 's',
      traceId: `trace ${API_KEY}`,
      userText: SAID,
      assistantText: `I will not repeat ${API_KEY}.`,
    })
    assert.equal(JSON.stringify(receipt).includes(API_KEY), false)
    const listed = JSON.stringify(store.list())
    assert.match(listed, /sailing/)
    assert.match(listed, /\[REDACTED:openai:sha256=[0-9a-f]{64}:len=40\]/)
    for (const secret of [API_KEY, PASSWORD]) assert.equal(listed.includes(secret), false, secret)
    const context = JSON.stringify(store.readContext({ sessionId: 's', query: 'api key password sailing' }))
    assert.match(context, /REDACTED/)
    assert.equal(context.includes(API_KEY), false)
    store.close()
    for (const secret of [API_KEY, PASSWORD]) assert.equal(fileBytes(path).includes(secret), false, secret)
  })

  test('scrubSecrets rewrites a store written before scrubbing, and the old bytes leave the file', () => {
    const path = freshPath()
    const store = openMemoryStore({ path })
    store.recordTurn({
      sessionId: 's',
      userText: 'I like sailing. Remember that the boat is blue.',
      assistantText: 'Noted.',
    })
    store.close()
    // What an older hub wrote: raw secrets in every text column and in the full-text index.
    const database = openMemoryDatabase(path)
    const episode = database.prepare('SELECT row FROM episodes').pluck().get() as number
    database
      .prepare('UPDATE episodes SET user_text = ?, summary = ?, trace_id = ? WHERE row = ?')
      .run(SAID, SAID, API_KEY, episode)
    database.prepare('DELETE FROM episode_text WHERE rowid = ?').run(episode)
    database
      .prepare('INSERT INTO episode_text (rowid, summary, user_text, assistant_text) VALUES (?, ?, ?, ?)')
      .run(episode, SAID, SAID, 'Noted.')
    const fact = database.prepare("SELECT row FROM facts WHERE key LIKE 'note:%'").pluck().get() as number
    database
      .prepare('UPDATE facts SET key = ?, text = ? WHERE row = ?')
      .run(
        `note:the key is ${API_KEY.toLowerCase()}`,
        `The user asked to remember: the key is ${API_KEY}.`,
        fact,
      )
    database.prepare('DELETE FROM fact_text WHERE rowid = ?').run(fact)
    database.prepare('INSERT INTO fact_text (rowid, text) VALUES (?, ?)').run(fact, `the key is ${API_KEY}`)
    database.pragma('wal_checkpoint(TRUNCATE)')
    database.close()
    assert.ok(fileBytes(path).includes(API_KEY), 'the planted secret is in the file')

    const reopened = openMemoryStore({ path })
    // Reading already hides them, before any rewrite.
    assert.equal(JSON.stringify(reopened.list()).includes(API_KEY), false)
    const report = reopened.scrubSecrets()
    assert.deepEqual(report, { episodes: 1, facts: 1, secrets: 6 })
    assert.deepEqual(
      reopened.scrubSecrets(),
      { episodes: 0, facts: 0, secrets: 0 },
      'a second run finds nothing',
    )
    assert.match(JSON.stringify(reopened.list()), /sailing/)
    assert.equal(
      reopened.readContext({ sessionId: 's', query: 'sailing' }).summaries.length,
      1,
      'still searchable',
    )
    reopened.close()
    for (const secret of [API_KEY, API_KEY.toLowerCase(), PASSWORD])
      assert.equal(fileBytes(path).includes(secret), false, secret)
  })
})
