// What decision 2101 promises a person: a question asked in plain words finds the old memory that
// answers it, however many newer turns share its common words; and the counts behind that follow
// the store through recordings, deletions and another connection's writes.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { type MemoryStore, openMemoryStore } from './memory-store.ts'

const root = mkdtempSync(join(tmpdir(), 'localhub-memory-common-'))
after(() => rmSync(root, { recursive: true, force: true }))

const START_MS = Date.parse('2026-01-01T00:00:00Z')
const FILLERS = [
  'what is the weather like today',
  'I think the meeting went well',
  'can you remind me what the plan is',
  'is it going to rain in the afternoon',
]

let stores = 0
/** The answer first, then `newer` turns of everyday talk, optionally each holding `also`. */
function storeWith(newer: number, also?: (index: number) => string): { store: MemoryStore; path: string } {
  const path = join(root, `memory-${++stores}.sqlite`)
  const store = openMemoryStore({ path })
  store.recordTurn({
    sessionId: 'old',
    userText: 'The launch code of project Nebula is 4711',
    assistantText: 'Noted, the launch code is 4711.',
    ts: START_MS,
  })
  for (let index = 1; index <= newer; index++) {
    store.recordTurn({
      sessionId: `s${index % 7}`,
      userText: `${FILLERS[index % FILLERS.length]} ${also?.(index) ?? ''} ${index}`,
      assistantText: 'Sure, here is what I know about that.',
      ts: START_MS + index * 60_000,
    })
  }
  return { store, path }
}

const recalls = (store: MemoryStore, query: string) =>
  store.readContext({ sessionId: 'now', query }).summaries.some((summary) => summary.text.includes('4711'))

describe('a context read and the words most episodes hold', () => {
  test('a plain question finds the old answer among 300 newer turns full of common words', () => {
    const { store } = storeWith(300)
    try {
      assert.ok(recalls(store, 'What is the launch code of Nebula?'))
      assert.ok(recalls(store, 'nebula launch code'))
    } finally {
      store.close()
    }
  })

  test('leaveOutCommonTerms: false matches every word as before, and a non-boolean is refused', () => {
    const { store, path } = storeWith(300)
    const before = openMemoryStore({ path, leaveOutCommonTerms: false })
    try {
      // The common words' newest 100 matches were all the rows scored: the answer was not among them.
      assert.equal(recalls(before, 'What is the launch code of Nebula?'), false)
      assert.ok(recalls(before, 'nebula launch code'))
      assert.throws(
        () => openMemoryStore({ path, leaveOutCommonTerms: 'yes' as unknown as boolean }),
        (error: { code?: string; details?: { issues?: { path: string }[] } }) =>
          error.code === 'E_VALIDATION' && error.details?.issues?.[0]?.path === '/leaveOutCommonTerms',
      )
    } finally {
      before.close()
      store.close()
    }
  })

  test('facts too: a plain question finds an old note among 150 newer ones', () => {
    // Every note reads "The user asked to remember: …": those words are in all of them.
    const path = join(root, `memory-${++stores}.sqlite`)
    const store = openMemoryStore({ path })
    try {
      store.recordTurn({
        sessionId: 'old',
        userText: 'Remember that the nebula code is 4711',
        assistantText: 'ok',
        ts: START_MS,
      })
      for (let index = 1; index <= 150; index++) {
        store.recordTurn({
          sessionId: `s${index % 7}`,
          userText: `Remember that the plan for week ${index} is to rest`,
          assistantText: 'ok',
          ts: START_MS + index * 60_000,
        })
      }
      const facts = store.readContext({ sessionId: 'now', query: 'What is the nebula code?' }).facts
      assert.ok(
        facts.some((fact) => fact.text.includes('4711')),
        facts.map((fact) => fact.text).join(' | '),
      )
      // A restated note replaces its text: the counts are taken afresh and the note is still found.
      store.recordTurn({
        sessionId: 'old',
        userText: 'Remember that the nebula code is 4711',
        assistantText: 'ok',
      })
      assert.ok(
        store
          .readContext({ sessionId: 'now', query: 'What is the nebula code?' })
          .facts.some((fact) => fact.text.includes('4711')),
      )
    } finally {
      store.close()
    }
  })

  test('a word 40% of the turns hold does not push the rare word out of the rows scored', () => {
    // "code" is in 2 of every 5 newer turns: kept (fewer than half), but its 120 matches alone
    // fill the window of the newest 100; the one episode holding "nebula" is older than all.
    const { store } = storeWith(300, (index) => (index % 5 < 2 ? 'the code review' : ''))
    try {
      assert.ok(recalls(store, 'nebula launch code'))
      assert.ok(recalls(store, 'What was the code of Nebula?'))
    } finally {
      store.close()
    }
  })

  test('rare words whose matches add up past the window still all count', () => {
    // "code" in 90 newer turns and "launch" in 60: each rare (at most 100), together 151 with the
    // one "nebula" turn, which is older than all of them.
    const { store } = storeWith(300, (index) =>
      [index % 10 < 3 ? 'code' : '', index % 5 === 0 ? 'launch' : ''].join(' '),
    )
    try {
      assert.ok(recalls(store, 'nebula launch code'))
    } finally {
      store.close()
    }
  })

  test('with retentionDays, the reads that leave words out keep to what has not expired', () => {
    // The cutoff's forms of the same reads. "launch" is in every turn (left out); "code" in 120 of
    // 301 (kept, not rare); "nebula" in one (rare): rare words first, and the newest for common.
    const path = join(root, `memory-${++stores}.sqlite`)
    let now = START_MS
    const DAY_MS = 24 * 3_600_000
    // No sweep between the reads: the cutoff alone must keep expired turns out.
    const store = openMemoryStore({
      path,
      clock: () => now,
      retentionDays: 30,
      retentionSweepIntervalMs: 1_000 * DAY_MS,
    })
    try {
      store.recordTurn({
        sessionId: 'old',
        userText: 'The launch code of project Nebula is 4711',
        assistantText: 'ok',
      })
      for (let index = 1; index <= 300; index++) {
        now += 60_000
        store.recordTurn({
          sessionId: `s${index % 7}`,
          userText: `${FILLERS[index % FILLERS.length]} the launch ${index % 5 < 2 ? 'code' : ''}`,
          assistantText: 'Sure, here is what I know about that.',
        })
      }
      assert.ok(recalls(store, 'What is the launch code of Nebula?'), 'rare words first, within the cutoff')
      const common = store.readContext({ sessionId: 'now', query: 'what is the launch?' }).summaries
      assert.ok(common.length > 0 && common.every((summary) => summary.text.includes('launch')))
      now += 40 * DAY_MS
      assert.equal(
        store.readContext({ sessionId: 'now', query: 'What is the launch code of Nebula?' }).summaries.length,
        0,
      )
      assert.equal(store.readContext({ sessionId: 'now', query: 'what is the launch?' }).summaries.length, 0)
    } finally {
      store.close()
    }
  })

  test('a word all turns hold still matches while the store is no larger than the window', () => {
    // 60 episodes: nothing is counted or left out, so "weather" alone still finds its turns.
    const { store } = storeWith(59)
    try {
      const context = store.readContext({ sessionId: 'now', query: 'weather' })
      assert.ok(context.summaries.some((summary) => summary.text.includes('weather')))
    } finally {
      store.close()
    }
  })

  /**
   * "zebra" in all 300 newer turns and in one named Quill. Asked "zebra nebula": while "zebra" is
   * left out as common, only the Nebula turn matches; once counted as rare again, Quill does too.
   */
  function zebras() {
    const { store, path } = storeWith(300, () => 'zebra')
    store.recordTurn({
      sessionId: 'zoo',
      userText: 'the zebra named Quill',
      assistantText: 'ok',
      ts: START_MS + 1,
    })
    const found = () =>
      store
        .readContext({ sessionId: 'now', query: 'zebra nebula' })
        .summaries.some((summary) => summary.text.includes('Quill'))
    return { store, path, found }
  }

  test('after a forget, a word that was common counts again from the store', () => {
    const { store, found } = zebras()
    try {
      assert.equal(found(), false, 'left out: "nebula" alone is matched')
      for (let session = 0; session < 7; session++) store.forgetAll({ sessionId: `s${session}` })
      assert.ok(found(), 'matched again once the forget cleared its count')
    } finally {
      store.close()
    }
  })

  test("another connection's writes are counted: its forget makes a word rare again", () => {
    const { store, path, found } = zebras()
    const other = openMemoryStore({ path })
    try {
      assert.equal(found(), false)
      for (let session = 0; session < 7; session++) other.forgetAll({ sessionId: `s${session}` })
      assert.ok(found(), "the other connection's forget is seen (data_version)")
    } finally {
      other.close()
      store.close()
    }
  })

  test('episodes recorded after a count was taken move it, so a word that becomes common is left out', () => {
    const { store } = storeWith(200)
    try {
      store.recordTurn({
        sessionId: 'zoo',
        userText: 'the okapi named Quill',
        assistantText: 'ok',
        ts: START_MS + 1,
      })
      // Session "now" has no turns: every summary comes from the match.
      const summaries = () =>
        store.readContext({ sessionId: 'now', query: 'okapi quill' }).summaries.map((summary) => summary.text)
      assert.deepEqual(summaries().length, 1, 'one episode holds either word')
      // 300 newer turns about okapis: now in more than half the episodes, and past the window.
      for (let index = 0; index < 300; index++) {
        store.recordTurn({
          sessionId: 'later',
          userText: `okapi facts ${index}`,
          assistantText: 'ok',
          ts: START_MS + 10_000_000 + index,
        })
      }
      // Counted 301 of 502, "okapi" is left out and "quill" finds the one turn. Had its count
      // stayed at 1, the newest 100 okapi turns would be all that was scored.
      const after = summaries()
      assert.equal(after.length, 1, after.join(' | '))
      assert.match(after[0]!, /Quill/)
    } finally {
      store.close()
    }
  })

  test('when every word is one most episodes hold, the newest episodes holding the least common one come', () => {
    // Every turn talks about the launch: no word of the question is rare, yet the turns that hold
    // them are what the person asks about.
    const { store } = storeWith(150, (index) => `the launch code is ${index}`)
    try {
      const context = store.readContext({ sessionId: 'now', query: 'What is the launch code?' })
      assert.ok(context.summaries.length > 0)
      assert.ok(context.summaries.every((summary) => /launch code/.test(summary.text)))
      assert.match(context.summaries[0]!.text, /150$|150\b/, 'newest first')
    } finally {
      store.close()
    }
  })
})
