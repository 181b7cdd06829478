// localhub events replay|tail|export by session, type pattern (a flag or PATTERN), source, time
// range, from/to seq and limit, on a data directory and through a running hub (decisions 1610, 1626).
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Envelope } from '../../src/contracts/index.ts'
import { runEventsCommand } from '../kit/cli-io.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { setUp, startHub } from './manifest-keys-kit.ts'

const call = runEventsCommand

const base = Date.now() - 10 * 60_000
const at = (n: number) => new Date(base + n * 1000).toISOString()
const feedback = (target: string, n: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'ui.feedback', ts: at(n), payload: { target, helpful: true }, ...extra })
const command = (name: string, n: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'ui.command', ts: at(n), payload: { command: name }, ...extra })

const nameOf = (line: string) => {
  const payload = (JSON.parse(line) as Envelope).payload as { target?: string; command?: string }
  return String(payload.target ?? payload.command)
}

async function checkQueries(cwd: string, dataDir: string) {
  const file = join(cwd, 'fixture.ndjson')
  // seq order: a c1 b d c2; ts one second apart, in the same order.
  writeFileSync(
    file,
    [
      feedback('a', 1, { sessionId: 'room', source: 'skill.alpha' }),
      command('c1', 2, { sessionId: 'room' }),
      feedback('b', 3, { sessionId: 'hall' }),
      feedback('d', 4, { sessionId: 'room', source: 'skill.alpha' }),
      command('c2', 5, { sessionId: 'hall' }),
    ].join('\n'),
  )
  const published = await call(cwd, dataDir, ['publish', file])
  assert.equal(published.code, 0, published.err)
  const seqs = published.lines.map((line) => (JSON.parse(line) as { seq: number }).seq)
  const range = ['--from', String(seqs[0]), '--to', String(seqs[4])]

  const cases: [string[], string[]][] = [
    [
      ['--session', 'room'],
      ['a', 'c1', 'd'],
    ],
    [
      ['--type', 'ui.feedback'],
      ['a', 'b', 'd'],
    ],
    [
      ['--type', 'ui.*', '--source', 'skill.alpha'],
      ['a', 'd'],
    ],
    [
      ['--filter', 'ui.>', '--session', 'hall'],
      ['b', 'c2'],
    ],
    // PATTERN, as the usage and docs/log-at-scale.md offer (replay refused it).
    [
      ['ui.*', '--source', 'skill.alpha'],
      ['a', 'd'],
    ],
    [
      ['ui.command', '--type', 'ui.command'],
      ['c1', 'c2'],
    ],
    [
      ['--type', 'ui.*', '--since', at(2), '--until', at(4)],
      ['c1', 'b', 'd'],
    ],
  ]
  for (const [flags, expected] of cases) {
    const replay = await call(cwd, dataDir, ['replay', ...range, ...flags, '--json'])
    assert.equal(replay.code, 0, replay.err)
    assert.deepEqual(replay.lines.map(nameOf), expected, `replay ${flags.join(' ')}`)
    // The tail takes the same keys; it ends by itself since the log has reached --to.
    const tail = await call(cwd, dataDir, ['tail', ...range, ...flags, '--json'])
    assert.equal(tail.code, 0, tail.err)
    assert.deepEqual(tail.lines.map(nameOf), expected, `tail ${flags.join(' ')}`)
  }
  const middle = ['--from', String(seqs[1]), '--to', String(seqs[3]), '--type', 'ui.*', '--json']
  assert.deepEqual((await call(cwd, dataDir, ['replay', ...middle])).lines.map(nameOf), ['c1', 'b', 'd'])
  assert.deepEqual((await call(cwd, dataDir, ['tail', ...middle])).lines.map(nameOf), ['c1', 'b', 'd'])
  const limited = ['--from', String(seqs[0]), '--type', 'ui.*', '--json']
  assert.deepEqual((await call(cwd, dataDir, ['replay', ...limited, '--limit', '2'])).lines.map(nameOf), [
    'a',
    'c1',
  ])
  assert.deepEqual((await call(cwd, dataDir, ['tail', ...limited, '--count', '2'])).lines.map(nameOf), [
    'a',
    'c1',
  ])
  // A tail by time alone ends once --until has passed.
  const window = await call(cwd, dataDir, ['tail', 'ui.*', '--since', at(3), '--until', at(4), '--json'])
  assert.deepEqual(window.lines.map(nameOf), ['b', 'd'])
  const refused = await call(cwd, dataDir, ['tail', '--to', 'soon'])
  assert.equal(refused.code, 2)
  assert.match(refused.err, /--to must be a whole number/)
  const exported = await call(cwd, dataDir, ['export', 'ui.command', ...range])
  assert.equal(exported.code, 0, exported.err)
  assert.deepEqual(exported.lines.map(nameOf), ['c1', 'c2'])
  for (const verb of ['replay', 'export', 'tail']) {
    const differ = await call(cwd, dataDir, [verb, 'ui.*', '--type', 'ui.>', ...range])
    assert.equal(differ.code, 2, `${verb}: ${differ.err}`)
    assert.match(differ.err, /give one type pattern: --type "ui.>" and PATTERN "ui.\*" differ/)
    const two = await call(cwd, dataDir, [verb, 'ui.*', 'chat.*', ...range])
    assert.equal(two.code, 2, `${verb}: ${two.err}`)
    assert.match(two.err, /give at most one PATTERN/)
    const bad = await call(cwd, dataDir, [verb, 'ui..x', ...range])
    assert.equal(bad.code, 2, `${verb}: ${bad.err}`)
    assert.match(bad.err, /PATTERN: subject pattern "ui..x" has an empty token/)
  }
}

test('replay and tail queries on a data directory', { timeout: 120_000 }, async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  await checkQueries(dir.path, join(dir.path, 'data'))
})

test('replay and tail queries through a running hub', { timeout: 120_000 }, async (t) => {
  const setup = setUp(t)
  await startHub(t, setup, () => {})
  const dir = makeTempDir()
  t.after(() => dir.remove())
  await checkQueries(dir.path, setup.dataDir)
})
