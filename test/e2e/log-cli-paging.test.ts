// localhub events replay|export through a running hub past the hub's 10,000 events per GET /events:
// page after page, every other key kept; a query the hub refuses keeps the hub's code; PATTERN is
// the type pattern, as for tail.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Envelope } from '../../src/contracts/index.ts'
import { runEventsCommand } from '../kit/cli-io.ts'
import { setUp, startHub } from './manifest-keys-kit.ts'

/** One more page than the hub answers at once, and a little. */
const BULK = 10_050

const call = runEventsCommand

/** The events printed with --json: all of session `bulk`, in seq order, none twice. */
function checkBulk(lines: string[], expected: number, what: string) {
  assert.equal(lines.length, expected, what)
  const events = lines.map((line) => JSON.parse(line) as Envelope)
  assert.ok(
    events.every((event) => event.sessionId === 'bulk'),
    `${what}: only session bulk`,
  )
  assert.ok(
    events.every((event, at) => at === 0 || event.seq! > events[at - 1]!.seq!),
    `${what}: seqs rise`,
  )
}

test('replay and export through a hub read past 10,000 events, page by page', {
  timeout: 120_000,
}, async (t) => {
  const setup = setUp(t)
  await startHub(t, setup, () => {})
  const { dir, dataDir } = setup
  const file = join(dir, 'bulk.ndjson')
  const lines: string[] = []
  for (let n = 0; n < BULK; n++) {
    lines.push(
      JSON.stringify({ type: 'ui.feedback', sessionId: 'bulk', payload: { target: `b${n}`, helpful: true } }),
    )
    // Other sessions between them: a page must go on with the same keys, not just by seq.
    if (n % 400 === 0)
      lines.push(
        JSON.stringify({ type: 'ui.feedback', sessionId: 'other', payload: { target: 'o', helpful: true } }),
      )
  }
  writeFileSync(file, `${lines.join('\n')}\n`)
  const published = await call(dir, dataDir, ['publish', file])
  assert.equal(published.code, 0, published.err)

  // It said "E_IO: /events?...&limit=20000: limit must be an integer in [1, 10000]".
  const limited = await call(dir, dataDir, ['replay', '--session', 'bulk', '--limit', '20000', '--json'])
  assert.equal(limited.code, 0, limited.err)
  checkBulk(limited.lines, BULK, '--limit 20000')
  // Without --limit it printed the hub's default page (1,000); the data directory gives all.
  const all = await call(dir, dataDir, ['replay', '--session', 'bulk', '--json'])
  checkBulk(all.lines, BULK, 'no --limit')
  const pageAndOne = await call(dir, dataDir, ['replay', '--session', 'bulk', '--limit', '10001', '--json'])
  checkBulk(pageAndOne.lines, 10_001, '--limit 10001')
  assert.deepEqual(pageAndOne.lines, all.lines.slice(0, 10_001))
  const byPattern = await call(dir, dataDir, [
    'replay',
    'ui.*',
    '--session',
    'bulk',
    '--limit',
    '20000',
    '--json',
  ])
  assert.equal(byPattern.code, 0, byPattern.err)
  assert.deepEqual(byPattern.lines, all.lines)

  const exported = await call(dir, dataDir, ['export', 'ui.feedback', '--session', 'bulk'])
  assert.equal(exported.code, 0, exported.err)
  assert.match(exported.err, new RegExp(`exported ${BULK} events`))
  assert.deepEqual(exported.lines, all.lines)
})

test('a query the hub refuses is reported with the hub code, not E_IO', { timeout: 60_000 }, async (t) => {
  const setup = setUp(t)
  await startHub(t, setup, () => {})
  const { dir, dataDir } = setup
  // The hub takes keys of at most 200 characters; the data directory's log takes any.
  for (const verb of ['replay', 'export']) {
    const refused = await call(dir, dataDir, [verb, '--session', 'x'.repeat(201)])
    assert.equal(refused.code, 1, refused.err)
    assert.match(
      refused.err,
      new RegExp(`^localhub events ${verb}: E_BAD_REQUEST: .*sessionId must be 1 to 200 characters`, 'm'),
    )
    assert.doesNotMatch(refused.err, /usage:/)
  }
})
