// What decision 1756 relies on: a context read compiles no statement, scores only the newest
// `lexicalWindow` matches, and with fewer matches than that answers exactly as scoring every match
// did (the expected answers below were produced by the read before the change, commit 3d7f6ba).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { openMemoryDatabase } from './memory-database.ts'
import { openMemoryStore } from './memory-store.ts'
import { ScrubCache } from './scrub-cache.ts'

const FIXTURE_TURNS: [string, string, string][] = [
  ['s1', 'Hi, my name is Ada.', 'Hello Ada.'],
  ['s1', 'I like green tea.', 'Noted: green tea.'],
  ['s2', 'Where did I leave my boat?', 'At the north dock, you said.'],
  ['s2', 'hi', 'Hi there.'],
  ['s1', 'My boat is called Tern.', 'A fine name for a boat.'],
  ['s3', 'Book the dentist for Monday.', 'Dentist on Monday, noted.'],
  ['s3', 'hi again', 'Hello again.'],
  ['s2', 'I live in Paris.', 'Paris it is.'],
  ['s1', 'What tea do I like?', 'Green tea.'],
  ['s3', 'The locker code is on the boat.', 'I will remember the boat.'],
  ['s2', 'hi', 'Hi.'],
  ['s1', 'Is the dentist on Monday or Tuesday?', 'Monday.'],
  // The same words in three sessions: equal BM25 scores, so only the tie order tells them apart.
  ['s4', 'hello hub', 'Hello from the hub, four.'],
  ['s5', 'hello hub', 'Hello from the hub, five.'],
  ['s6', 'hello hub', 'Hello from the hub, six.'],
]
const FIXTURE_QUERIES: [string, string, number][] = [
  ['s1', 'hi', 8],
  ['s2', 'where is my boat?', 8],
  ['s3', 'dentist monday', 3],
  ['s1', 'green tea', 2],
  ['s4', '', 8],
  ['s2', 'the', 8],
  ['s7', 'hello hub', 2],
]

/** Each query's answer as the read before decision 1756 gave it on this fixture. */
const EXPECTED: string[][] = [
  [
    'fact The user lives in Paris.',
    'fact The user likes green tea.',
    "fact The user's name is Ada.",
    'summary User said: Hi, my name is Ada. — Assistant answered: Hello Ada.',
    'summary User said: hi — Assistant answered: Hi.',
    'summary User said: Is the dentist on Monday or Tuesday? — Assistant answered: Monday.',
    'summary User said: hi — Assistant answered: Hi there.',
    'summary User said: What tea do I like? — Assistant answered: Green tea.',
    'summary User said: hi again — Assistant answered: Hello again.',
    'summary User said: My boat is called Tern. — Assistant answered: A fine name for a boat.',
    'summary User said: I like green tea. — Assistant answered: Noted: green tea.',
  ],
  [
    "fact The user's name is Ada.",
    'fact The user lives in Paris.',
    'fact The user likes green tea.',
    'summary User said: Where did I leave my boat? — Assistant answered: At the north dock, you said.',
    'summary User said: I live in Paris. — Assistant answered: Paris it is.',
    'summary User said: hi — Assistant answered: Hi.',
    'summary User said: My boat is called Tern. — Assistant answered: A fine name for a boat.',
    'summary User said: The locker code is on the boat. — Assistant answered: I will remember the boat.',
    'summary User said: hi — Assistant answered: Hi there.',
    'summary User said: Hi, my name is Ada. — Assistant answered: Hello Ada.',
    'summary User said: Is the dentist on Monday or Tuesday? — Assistant answered: Monday.',
  ],
  [
    'fact The user lives in Paris.',
    'fact The user likes green tea.',
    "fact The user's name is Ada.",
    'summary User said: Book the dentist for Monday. — Assistant answered: Dentist on Monday, noted.',
    'summary User said: The locker code is on the boat. — Assistant answered: I will remember the boat.',
    'summary User said: Is the dentist on Monday or Tuesday? — Assistant answered: Monday.',
  ],
  [
    'fact The user likes green tea.',
    'fact The user lives in Paris.',
    'summary User said: What tea do I like? — Assistant answered: Green tea.',
    'summary User said: I like green tea. — Assistant answered: Noted: green tea.',
  ],
  [
    'fact The user lives in Paris.',
    'fact The user likes green tea.',
    "fact The user's name is Ada.",
    'summary User said: hello hub — Assistant answered: Hello from the hub, four.',
  ],
  [
    'fact The user likes green tea.',
    'fact The user lives in Paris.',
    "fact The user's name is Ada.",
    'summary User said: Where did I leave my boat? — Assistant answered: At the north dock, you said.',
    'summary User said: The locker code is on the boat. — Assistant answered: I will remember the boat.',
    'summary User said: hi — Assistant answered: Hi.',
    'summary User said: Is the dentist on Monday or Tuesday? — Assistant answered: Monday.',
    'summary User said: I live in Paris. — Assistant answered: Paris it is.',
    'summary User said: Book the dentist for Monday. — Assistant answered: Dentist on Monday, noted.',
    'summary User said: hi — Assistant answered: Hi there.',
    'summary User said: hello hub — Assistant answered: Hello from the hub, four.',
  ],
  [
    'fact The user lives in Paris.',
    'fact The user likes green tea.',
    'summary User said: hello hub — Assistant answered: Hello from the hub, four.',
    'summary User said: hello hub — Assistant answered: Hello from the hub, five.',
  ],
]

function fixtureStore(options: { lexicalWindow?: number; retentionDays?: number } = {}) {
  let now = Date.parse('2025-03-01T00:00:00Z')
  const store = openMemoryStore({ path: ':memory:', clock: () => now, ...options })
  for (const [index, [sessionId, userText, assistantText]] of FIXTURE_TURNS.entries()) {
    // Every third turn shares its predecessor's timestamp: ties must break as before.
    now += index % 3 === 0 ? 0 : 60_000
    store.recordTurn({ sessionId, userText, assistantText })
  }
  return store
}

function answers(store: ReturnType<typeof openMemoryStore>): string[][] {
  return FIXTURE_QUERIES.map(([sessionId, query, limit]) => {
    const context = store.readContext({ sessionId, query, limit })
    return [
      ...context.facts.map((fact) => `fact ${fact.text}`),
      ...context.summaries.map((summary) => `summary ${summary.text}`),
    ]
  })
}

describe('the context read', () => {
  test('answers as before on a fixture with fewer matches than the window', () => {
    const store = fixtureStore()
    assert.deepEqual(answers(store), EXPECTED)
    store.close()
  })

  // Decision 1789: with a retention cutoff the rankings filter by age in SQL, without one they
  // skip that join; both must give the fixture's answers when nothing has expired.
  test('answers the same with a retention cutoff that keeps everything', () => {
    const store = fixtureStore({ retentionDays: 10_000 })
    assert.deepEqual(answers(store), EXPECTED)
    store.close()
  })

  test('without a retention cutoff no ranking joins the rows it ranks', () => {
    const store = fixtureStore()
    const probe = new Database(':memory:')
    const statement = Object.getPrototypeOf(probe.prepare('SELECT 1')) as {
      all: (...args: unknown[]) => unknown
    }
    probe.close()
    const all = statement.all
    const joined: string[] = []
    statement.all = function (this: { source: string }, ...args: unknown[]) {
      if (this.source.includes(' JOIN ')) joined.push(this.source)
      return all.apply(this, args)
    }
    let context: ReturnType<typeof store.readContext>
    try {
      context = store.readContext({ sessionId: 's1', query: 'green tea' })
    } finally {
      statement.all = all
    }
    assert.deepEqual(joined, [])
    assert.ok(context.facts.length > 0 && context.summaries.length > 0)
    store.close()
  })

  test('a retention cutoff leaves older memories out of every ranking', () => {
    let now = Date.parse('2025-03-01T00:00:00Z')
    const store = openMemoryStore({
      path: ':memory:',
      clock: () => now,
      retentionDays: 1,
      retentionSweepIntervalMs: Number.MAX_SAFE_INTEGER,
    })
    store.recordTurn({ sessionId: 's1', userText: 'I like green tea. kayak', assistantText: 'kayak noted' })
    now += 2 * 86_400_000
    store.recordTurn({ sessionId: 's1', userText: 'kayak again', assistantText: 'Fine.' })
    // The sweep has not run yet (its interval is long): the expired rows are still stored.
    const context = store.readContext({ sessionId: 's1', query: 'kayak green tea' })
    assert.deepEqual(
      context.summaries.map((summary) => summary.text),
      ['User said: kayak again — Assistant answered: Fine.'],
    )
    assert.deepEqual(context.facts, [])
    store.close()
  })

  test('scores only the newest lexicalWindow matches', () => {
    let now = Date.parse('2025-03-01T00:00:00Z')
    const open = (lexicalWindow?: number) =>
      openMemoryStore({
        path: ':memory:',
        clock: () => now,
        ...(lexicalWindow === undefined ? {} : { lexicalWindow }),
      })
    const wide = open()
    const narrow = open(3)
    for (const store of [wide, narrow]) {
      // The best BM25 match is the oldest; four weaker matches come after it, in another session.
      store.recordTurn({ sessionId: 'old', userText: 'kayak kayak kayak', assistantText: 'kayak' })
      for (let index = 0; index < 4; index++) {
        now += 1000
        store.recordTurn({
          sessionId: `other-${index}`,
          userText: `a long note that says kayak once among many other words number ${index}`,
          assistantText: 'fine',
        })
      }
    }
    const oldest = (store: ReturnType<typeof open>) =>
      store
        .readContext({ sessionId: 'asker', query: 'kayak' })
        .summaries.some((summary) => summary.text.includes('kayak kayak'))
    assert.equal(oldest(wide), true, 'within the window the oldest, best match is found')
    assert.equal(oldest(narrow), false, 'outside the newest 3 matches it is not scored')
    wide.close()
    narrow.close()
  })

  test('compiles no statement per read', () => {
    const store = fixtureStore()
    const prepare = Database.prototype.prepare
    let compiled = 0
    Database.prototype.prepare = function (this: Database.Database, ...args: Parameters<typeof prepare>) {
      compiled++
      return prepare.apply(this, args)
    } as typeof prepare
    try {
      answers(store)
    } finally {
      Database.prototype.prepare = prepare
    }
    assert.equal(compiled, 0)
    store.close()
  })

  test('refuses a window that is not a positive integer', () => {
    assert.throws(() => openMemoryStore({ path: ':memory:', lexicalWindow: 0 }), { code: 'E_VALIDATION' })
  })

  test('scrubs a secret an older store kept, on every read, the remembered scrub included', () => {
    const root = mkdtempSync(join(tmpdir(), 'localhub-read-scrub-'))
    after(() => rmSync(root, { recursive: true, force: true }))
    const path = join(root, 'memory.sqlite')
    const secret = 'sk-live-7c6b5a49382716f5e4d3c2b1a0f9e8d7'
    openMemoryStore({ path }).close()
    // What a hub before scrubbing wrote: the raw secret in the summary and its full-text entry.
    const database = openMemoryDatabase(path)
    const said = `my api key is ${secret} and I like sailing`
    const row = database
      .prepare(
        `INSERT INTO episodes (id, session_id, trace_id, ts, user_text, assistant_text, summary)
         VALUES ('ep_old', 's', NULL, 1, ?, 'ok', ?)`,
      )
      .run(said, said).lastInsertRowid
    database
      .prepare('INSERT INTO episode_text (rowid, summary, user_text, assistant_text) VALUES (?, ?, ?, ?)')
      .run(row, said, said, 'ok')
    database.close()
    const store = openMemoryStore({ path })
    for (let read = 0; read < 3; read++) {
      const text = JSON.stringify(store.readContext({ sessionId: 's', query: 'sailing' }))
      assert.match(text, /sailing/)
      assert.match(text, /REDACTED/)
      assert.equal(text.includes(secret), false, `read ${read}`)
    }
    store.close()
  })
})

describe('the scrub cache of context reads', () => {
  test('scrubs each text once, forgets the oldest past its size, and empties on clear', () => {
    const scrubbed: string[] = []
    const cache = new ScrubCache(2, (text) => {
      scrubbed.push(text)
      return text.toUpperCase()
    })
    assert.equal(cache.scrub('a'), 'A')
    assert.equal(cache.scrub('a'), 'A')
    assert.equal(cache.scrub('b'), 'B')
    assert.equal(cache.scrub('c'), 'C')
    assert.equal(cache.size, 2)
    assert.equal(cache.scrub('a'), 'A', 'the oldest went: scrubbed again')
    assert.deepEqual(scrubbed, ['a', 'b', 'c', 'a'])
    cache.clear()
    assert.equal(cache.size, 0)
  })
})
