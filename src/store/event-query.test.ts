import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import fc from 'fast-check'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { collect } from '../../test/kit/wait-for.ts'
import { compileTypePattern, dedupeKeysOf, type ReadQuery, uuidV7 } from '../bus/index.ts'
import type { Envelope } from '../contracts/index.ts'
import { DEFAULT_MAX_TIME_BOUND_EVENTS, planRead, queryTuning } from './event-query.ts'
import { type EventStore, openEventStore } from './event-store.ts'

const TYPES = [
  'chat.query',
  'chat.reply',
  'chat.token',
  'ui.click',
  'ui.panel.open',
  'voice.stt.final',
  'ledger.entry',
]
const SOURCES = ['kernel', 'skill.chat', 'skill.voice']
const BASE_MS = Date.parse('2026-01-01T00:00:00Z')
const COUNT = 3000

/** A log with repeated traces and sessions, time mostly following seq with some stragglers. */
function generatedLog(): Envelope[] {
  const random = fc.sample(fc.integer({ min: 0, max: 1_000_000 }), { numRuns: COUNT * 5, seed: 42 })
  let at = 0
  const next = () => random[at++ % random.length]!
  const events: Envelope[] = []
  for (let index = 0; index < COUNT; index++) {
    const id = uuidV7()
    const root = next() % 3 === 0 || events.length === 0
    const traceId = root ? id : events[next() % events.length]!.traceId
    const sessionChoice = next() % 5
    const late = next() % 20 === 0 ? -(next() % 60_000) : 0
    events.push({
      id,
      type: TYPES[next() % TYPES.length]!,
      version: 1,
      ts: new Date(BASE_MS + index * 1000 + late).toISOString(),
      source: SOURCES[next() % SOURCES.length]!,
      severity: 'info',
      traceId,
      ...(sessionChoice === 0 ? {} : { sessionId: `s${sessionChoice}` }),
      tenant: 'default',
      payload: { n: index },
    })
  }
  return events
}

/** The reference: every stored event, filtered one by one. */
function fullScan(all: Envelope[], query: ReadQuery): number[] {
  const matches = compileTypePattern(query.filter ?? '>')
  const found: number[] = []
  for (const event of all) {
    const timeMs = Date.parse(event.ts)
    if (query.fromSeq !== undefined && event.seq! < query.fromSeq) continue
    if (query.toSeq !== undefined && event.seq! > query.toSeq) continue
    if (query.fromTime !== undefined && !(timeMs >= query.fromTime)) continue
    if (query.toTime !== undefined && !(timeMs <= query.toTime)) continue
    if (!matches(event.type)) continue
    if (query.traceId !== undefined && event.traceId !== query.traceId) continue
    if (query.sessionId !== undefined && event.sessionId !== query.sessionId) continue
    if (query.source !== undefined && event.source !== query.source) continue
    found.push(event.seq!)
    if (query.limit !== undefined && found.length >= query.limit) break
  }
  return found
}

describe('indexed replay queries', () => {
  const dir = makeTempDir()
  let store: EventStore
  let stored: Envelope[] = []
  before(async () => {
    store = openEventStore({ path: join(dir.path, 'events.sqlite'), dedupeWindowMs: 60_000 })
    await store.append(generatedLog().map((envelope) => ({ envelope, dedupeKeys: dedupeKeysOf(envelope) })))
    stored = await collect(store.read({}))
  })
  after(async () => {
    await store.close()
    dir.remove()
  })

  for (const cap of [DEFAULT_MAX_TIME_BOUND_EVENTS, 40])
    test(`every combination of filters returns what a full scan returns (time bounds up to ${cap} events)`, async (t) => {
      queryTuning.maxTimeBoundEvents = cap
      t.after(() => {
        queryTuning.maxTimeBoundEvents = DEFAULT_MAX_TIME_BOUND_EVENTS
      })
      const traces = [...new Set(stored.map((event) => event.traceId))]
      const query = fc.record(
        {
          fromSeq: fc.integer({ min: 1, max: COUNT + 5 }),
          toSeq: fc.integer({ min: 0, max: COUNT + 5 }),
          fromTime: fc.integer({ min: -100, max: COUNT + 100 }).map((s) => BASE_MS + s * 1000),
          toTime: fc.integer({ min: -100, max: COUNT + 100 }).map((s) => BASE_MS + s * 1000),
          filter: fc.constantFrom(
            '>',
            'chat.*',
            'chat.>',
            'ui.>',
            '*.query',
            'ui.panel.open',
            'chat.token',
            'nope.>',
            'voice.*.final',
          ),
          traceId: fc.oneof(fc.constantFrom(...traces.slice(0, 50)), fc.constant('missing-trace')),
          sessionId: fc.constantFrom('s1', 's2', 's3', 's4', 's9'),
          source: fc.constantFrom(...SOURCES, 'nobody'),
          limit: fc.integer({ min: 1, max: 400 }),
        },
        { requiredKeys: [] },
      )
      await fc.assert(
        fc.asyncProperty(query, async (generated) => {
          const got = (await collect(store.read(generated as ReadQuery))).map((event) => event.seq!)
          assert.deepEqual(got, fullScan(stored, generated as ReadQuery))
        }),
        { numRuns: 300, seed: 1610 + cap },
      )
    })

  test('each filter is served by an index: EXPLAIN QUERY PLAN has no full scan of events', () => {
    const queries: ReadQuery[] = [
      { traceId: stored[5]!.traceId },
      { sessionId: 's2', fromSeq: 100 },
      { sessionId: 's2' },
      { sessionId: 's2', filter: 'ui.click', limit: 5 },
      { filter: 'ui.click' },
      { filter: 'ui.>' },
      { filter: 'chat.*', limit: 10 },
      { source: 'skill.voice' },
      { fromTime: BASE_MS + 100_000, toTime: BASE_MS + 200_000 },
      { fromTime: BASE_MS + 100_000, filter: '>' },
      { fromSeq: 2000, toSeq: 2100 },
    ]
    for (const query of queries) {
      const plan = planRead(store.db, query, compileTypePattern(query.filter ?? '>'))
      const statements = [
        ...plan.lookups,
        ...plan.streams.map((stream) => ({ sql: stream.sql, params: [...stream.params, stream.start, 100] })),
      ]
      assert.ok(plan.streams.length > 0)
      for (const { sql, params } of statements) {
        const details = (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
          .map((row) => row.detail)
          .join(' | ')
        assert.doesNotMatch(details, /SCAN events/, `${JSON.stringify(query)}: ${sql} → ${details}`)
        // Rows come in the index's order: a sort step would read every match before the first
        // row is returned, so its cost would grow with the matches, not the limit.
        assert.doesNotMatch(details, /TEMP B-TREE/, `${JSON.stringify(query)}: ${sql} → ${details}`)
        assert.match(details, /USING (COVERING )?INDEX events_by_|USING INTEGER PRIMARY KEY/, details)
      }
    }
  })
})
