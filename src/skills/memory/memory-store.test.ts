import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { HubError } from '../../contracts/index.ts'
import { openMemoryStore } from './memory-store.ts'
import { toMemoryContextPayload } from './read-context.ts'

const root = mkdtempSync(join(tmpdir(), 'localhub-memory-'))
after(() => rmSync(root, { recursive: true, force: true }))
let counter = 0
const freshPath = (): string => join(root, `m${counter++}`, 'memory.sqlite')

const DAY_MS = 24 * 60 * 60 * 1000
const START_MS = Date.parse('2025-01-01T00:00:00Z')

function fakeClock(startMs = START_MS) {
  let now = startMs
  return {
    clock: () => now,
    advance: (ms: number) => {
      now += ms
    },
  }
}

/** The main file and the WAL, as one byte string, to look for text that should be gone. */
function fileBytes(path: string): string {
  const parts = [path, `${path}-wal`].filter(existsSync).map((file) => readFileSync(file).toString('latin1'))
  return parts.join('\n')
}

describe('recording and context', () => {
  test('a turn becomes an episode with a summary and extracted facts', () => {
    const time = fakeClock()
    const store = openMemoryStore({ path: freshPath(), clock: time.clock })
    const receipt = store.recordTurn({
      sessionId: 's1',
      traceId: 't1',
      userText: 'Hi, my name is Ada. I like green tea. What is the weather?',
      assistantText: 'Nice to meet you, Ada. It is sunny.',
    })
    assert.match(receipt.id, /^ep_/)
    assert.equal(receipt.ts, new Date(START_MS).toISOString())
    assert.equal(
      receipt.summary,
      'User said: Hi, my name is Ada. — Assistant answered: Nice to meet you, Ada.',
    )
    assert.deepEqual(
      receipt.facts.map((fact) => fact.text),
      ["The user's name is Ada.", 'The user likes green tea.'],
    )
    assert.equal(receipt.truncated, false)
    const entries = store.list()
    assert.deepEqual(
      entries.map((entry) => entry.kind),
      ['episode', 'fact', 'fact'],
    )
    assert.equal(entries[0]!.userText, 'Hi, my name is Ada. I like green tea. What is the weather?')
    assert.equal(entries[0]!.traceId, 't1')
    store.close()
  })

  test('context ranks relevant facts and summaries first, within the character budget', () => {
    const time = fakeClock()
    const store = openMemoryStore({ path: freshPath(), clock: time.clock })
    store.recordTurn({ sessionId: 'old', userText: 'I like mountain hiking.', assistantText: 'Great hobby.' })
    time.advance(1000)
    store.recordTurn({
      sessionId: 'old',
      userText: 'Remember that the boat is moored at pier 9.',
      assistantText: 'Noted.',
    })
    for (let i = 0; i < 12; i++) {
      time.advance(1000)
      store.recordTurn({
        sessionId: 'now',
        userText: `Small talk number ${i}.`,
        assistantText: `Reply ${i}.`,
      })
    }
    const context = store.readContext({ sessionId: 'now', query: 'where is my boat?' })
    assert.equal(context.facts[0]!.text, 'The user asked to remember: the boat is moored at pier 9.')
    assert.match(context.summaries[0]!.text, /boat/, 'the relevant old summary beats recent small talk')
    assert.equal(context.summaries[0]!.text.includes('pier 9'), true)
    assert.ok(
      context.summaries.some((summary) => summary.text.includes('Small talk number 11')),
      'recent turns too',
    )
    assert.ok(context.chars <= 2000)

    assert.deepEqual(Object.keys(toMemoryContextPayload(context)), ['facts', 'summaries'])

    const tight = store.readContext({ sessionId: 'now', query: 'boat', maxChars: 80, limit: 1 })
    assert.ok(tight.chars <= 80)
    assert.ok(tight.facts.length <= 1 && tight.summaries.length <= 1)
    assert.equal(
      tight.chars,
      [...tight.facts, ...tight.summaries].reduce((sum, item) => sum + item.text.length, 0),
    )

    const recentOnly = store.readContext({ sessionId: 'now', query: '' })
    assert.match(recentOnly.summaries[0]!.text, /Small talk number 11/, 'no query: newest first')
    for (const query of ['"', 'NEAR(', 'AND OR', 'col:x', '*', 'x'.repeat(100_000)]) {
      assert.doesNotThrow(() => store.readContext({ sessionId: 'now', query }))
    }
    store.close()
  })

  test('restated and contradicted facts replace older ones', () => {
    const store = openMemoryStore({ path: freshPath() })
    store.recordTurn({ sessionId: 'a', userText: 'My name is Bob. I like jazz.', assistantText: 'Hi Bob.' })
    store.recordTurn({
      sessionId: 'b',
      userText: 'Call me Robert. I hate jazz.',
      assistantText: 'OK Robert.',
    })
    const facts = store.list().filter((entry) => entry.kind === 'fact')
    assert.deepEqual(facts.map((fact) => fact.text).sort(), [
      'The user dislikes jazz.',
      "The user's name is Robert.",
    ])
    store.close()
  })

  test('bad input is E_VALIDATION with a path; long text is cut and flagged', () => {
    const store = openMemoryStore({ path: freshPath(), maxTextChars: 100 })
    const bad: unknown[] = [
      null,
      {},
      { sessionId: '', userText: 'a', assistantText: 'b' },
      { sessionId: 'x'.repeat(300), userText: 'a', assistantText: 'b' },
      { sessionId: 's', userText: 42, assistantText: 'b' },
      { sessionId: 's', userText: 'a', assistantText: 'b', ts: 'yesterday' },
      { sessionId: 's', userText: 'a', assistantText: 'b', traceId: {} },
      JSON.parse('{"__proto__": {"sessionId": "s"}, "userText": "a", "assistantText": "b"}'),
    ]
    for (const turn of bad) {
      assert.throws(
        () => store.recordTurn(turn as never),
        (error: unknown) => error instanceof HubError && error.code === 'E_VALIDATION',
        JSON.stringify(turn),
      )
    }
    assert.throws(() => store.readContext({ sessionId: 's', limit: 0 }), { code: 'E_VALIDATION' })
    assert.throws(() => store.list({ limit: 5000 }), { code: 'E_VALIDATION' })
    assert.throws(() => store.list({ before: 'not a date' }), { code: 'E_VALIDATION' })
    const receipt = store.recordTurn({ sessionId: 's', userText: 'y'.repeat(1000), assistantText: 'ok' })
    assert.equal(receipt.truncated, true)
    assert.equal(store.list()[0]!.userText!.length, 100)
    store.close()
    assert.throws(() => store.list(), { code: 'E_BAD_REQUEST' })
  })
})

describe('retention under the user control', () => {
  test('list pages by time and filters by session', () => {
    const time = fakeClock()
    const store = openMemoryStore({ path: freshPath(), clock: time.clock })
    for (let i = 0; i < 5; i++) {
      store.recordTurn({
        sessionId: i % 2 === 0 ? 'even' : 'odd',
        userText: `turn ${i}`,
        assistantText: 'ok',
      })
      time.advance(1000)
    }
    const page = store.list({ limit: 2 })
    assert.deepEqual(
      page.map((entry) => entry.userText),
      ['turn 4', 'turn 3'],
    )
    const next = store.list({ limit: 2, before: page.at(-1)!.ts })
    assert.deepEqual(
      next.map((entry) => entry.userText),
      ['turn 2', 'turn 1'],
    )
    assert.deepEqual(
      store.list({ sessionId: 'odd' }).map((entry) => entry.userText),
      ['turn 3', 'turn 1'],
    )
    store.close()
  })

  test('delete removes an episode, its facts and the bytes from the file', () => {
    const path = freshPath()
    const store = openMemoryStore({ path })
    const secret = 'Remember that my locker code is zqxjvbrtwlm'
    const receipt = store.recordTurn({ sessionId: 's', userText: secret, assistantText: 'Stored quietly.' })
    store.recordTurn({ sessionId: 's', userText: 'I like pelicans.', assistantText: 'Noted.' })
    assert.ok(fileBytes(path).includes('zqxjvbrtwlm'), 'the text is on disk before deleting')
    assert.equal(store.delete(receipt.id), true)
    assert.equal(store.delete(receipt.id), false)
    assert.equal(
      store.readContext({ sessionId: 's', query: 'locker code' }).facts.length,
      1,
      'only pelicans left',
    )
    assert.ok(!fileBytes(path).includes('zqxjvbrtwlm'), 'no copy of the secret left in the file or WAL')
    const fact = store.list().find((entry) => entry.kind === 'fact')!
    assert.equal(store.delete(fact.id), true)
    assert.ok(!fileBytes(path).includes('The user likes pelicans'), 'the fact sentence is gone')
    assert.equal(store.list().length, 1, 'the episode stays')
    assert.throws(() => store.delete(''), { code: 'E_BAD_REQUEST' })
    store.close()
  })

  test('forgetAll really deletes: no text in free pages, the WAL or the full-text index', () => {
    const path = freshPath()
    const store = openMemoryStore({ path })
    for (let i = 0; i < 50; i++) {
      store.recordTurn({
        sessionId: i % 2 === 0 ? 'keep' : 'drop',
        userText: i % 2 === 0 ? `keepword${i} is fine` : `Remember that dropsecret${i} is private`,
        assistantText: `answer mentioning ${i % 2 === 0 ? 'keepword' : 'dropsecret'}${i}`,
      })
    }
    assert.ok(fileBytes(path).includes('dropsecret7'))
    const dropped = store.forgetAll({ sessionId: 'drop' })
    assert.deepEqual(dropped, { episodes: 25, facts: 25 })
    const bytes = fileBytes(path)
    assert.ok(!bytes.includes('dropsecret'), 'session text gone from every page')
    assert.ok(bytes.includes('keepword8'), 'other sessions kept')
    assert.equal(store.list({ sessionId: 'drop' }).length, 0)
    assert.deepEqual(store.forgetAll(), { episodes: 25, facts: 0 })
    assert.ok(!fileBytes(path).includes('keepword'))
    assert.equal(store.list().length, 0)
    store.close()
    assert.ok(statSync(path).size < 200_000, 'VACUUM gave the space back')
    assert.equal(statSync(path).mode & 0o777, 0o600, 'raw user text: owner-only file')
  })

  test('retention by age with an injected clock, on open, while recording and on demand', () => {
    const path = freshPath()
    const time = fakeClock()
    let store = openMemoryStore({ path, clock: time.clock, retentionDays: 30, retentionSweepIntervalMs: 0 })
    store.recordTurn({ sessionId: 's', userText: 'I like ancientword.', assistantText: 'ok' })
    time.advance(20 * DAY_MS)
    store.recordTurn({ sessionId: 's', userText: 'I like middleword.', assistantText: 'ok' })
    time.advance(15 * DAY_MS) // the first turn is now 35 days old
    assert.deepEqual(
      store.list().map((entry) => entry.text),
      ['User said: I like middleword. — Assistant answered: ok', 'The user likes middleword.'],
    )
    assert.ok(!fileBytes(path).includes('ancientword'), 'expired text is deleted, not hidden')
    store.close()

    // Reopening after a long pause sweeps at once.
    time.advance(40 * DAY_MS)
    store = openMemoryStore({ path, clock: time.clock, retentionDays: 30 })
    assert.equal(store.list().length, 0)
    store.close()

    // Without retentionDays nothing expires; applyRetention is then a no-op.
    store = openMemoryStore({ path, clock: time.clock })
    store.recordTurn({ sessionId: 's', userText: 'forever', assistantText: 'ok' })
    time.advance(10_000 * DAY_MS)
    assert.deepEqual(store.applyRetention(), { episodes: 0, facts: 0 })
    assert.equal(store.list().length, 1)
    store.close()
    assert.throws(() => openMemoryStore({ path, retentionDays: -1 }), { code: 'E_VALIDATION' })
  })

  test('a corrupt database file is a clear E_IO naming the file', () => {
    const path = freshPath()
    openMemoryStore({ path }).close()
    writeFileSync(path, Buffer.alloc(8192, 0x41))
    assert.throws(
      () => openMemoryStore({ path }),
      (error: unknown) => error instanceof HubError && error.code === 'E_IO' && error.message.includes(path),
    )
  })
})
