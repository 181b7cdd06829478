// localhub events replay|export|import|compact on a data directory (decision 1610, 1611, 1613).
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { test } from 'node:test'
import { main } from '../../src/cli/index.ts'
import type { Envelope } from '../../src/contracts/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

async function call(cwd: string, args: string[]) {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk) => (out += chunk))
  stderr.on('data', (chunk) => (err += chunk))
  const env: NodeJS.ProcessEnv = { ...process.env, LOCALHUB_DATA: join(cwd, 'data') }
  delete env.LOCALHUB_REGISTRY
  const code = await main(['events', ...args], { stdin: Readable.from(['']), stdout, stderr, env, cwd })
  return { code, out, err, lines: out.split('\n').filter((line) => line !== '') }
}

const feedback = (target: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'ui.feedback', payload: { target, helpful: true }, ...extra })

test('replay by trace and session, export a trace, import it elsewhere (ids deduped), compact on demand', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const file = join(dir.path, 'in.ndjson')
  writeFileSync(
    file,
    [
      feedback('a', { traceId: 'trace-one' }),
      feedback('b', { sessionId: 'session-x' }),
      feedback('c', { traceId: 'trace-one', sessionId: 'session-x' }),
      'not json',
      feedback('d', { traceId: 'trace-one', source: 'skill.widget' }),
      feedback('e'),
    ].join('\n'),
  )
  const published = await call(dir.path, ['publish', file])
  assert.equal(published.code, 1, 'one bad line')
  assert.equal(published.lines.length, 5)
  assert.match(published.err, /"line":4/)

  const trace = await call(dir.path, ['replay', '--trace', 'trace-one', '--json'])
  assert.deepEqual(
    trace.lines.map((line) => (JSON.parse(line) as Envelope).payload.target),
    ['a', 'c', 'd'],
  )
  const session = await call(dir.path, ['replay', '--session', 'session-x', '--json'])
  assert.deepEqual(
    session.lines.map((line) => (JSON.parse(line) as Envelope).payload.target),
    ['b', 'c'],
  )
  const source = await call(dir.path, ['replay', '--source', 'skill.widget', '--type', 'ui.*', '--json'])
  assert.equal(source.lines.length, 1)
  const since = await call(dir.path, ['replay', '--since', new Date(Date.now() + 60_000).toISOString()])
  assert.equal(since.lines.length, 0, 'nothing after a minute from now')

  const tail = await call(dir.path, ['tail', '--from', '1', '--trace', 'trace-one', '--count', '3', '--json'])
  assert.deepEqual(
    tail.lines.map((line) => (JSON.parse(line) as Envelope).payload.target),
    ['a', 'c', 'd'],
  )

  const exported = await call(dir.path, ['export', '--trace', 'trace-one'])
  assert.equal(exported.code, 0)
  assert.equal(exported.lines.length, 3)
  assert.match(exported.err, /exported 3 events/)
  const slice = join(dir.path, 'slice.ndjson')
  writeFileSync(slice, exported.out)

  const other = join(dir.path, 'other')
  const imported = await call(dir.path, ['import', slice, '--data', other])
  assert.equal(imported.code, 0, imported.err)
  assert.deepEqual(JSON.parse(imported.lines.at(-1)!), {
    imported: 3,
    duplicates: 0,
    firstSeq: 1,
    lastSeq: 3,
  })
  const copy = await call(dir.path, ['replay', '--trace', 'trace-one', '--json', '--data', other])
  assert.deepEqual(
    copy.lines.map((line) => (JSON.parse(line) as Envelope).id),
    exported.lines.map((line) => (JSON.parse(line) as Envelope).id),
  )
  const again = await call(dir.path, ['import', slice, '--data', other])
  assert.equal(JSON.parse(again.lines.at(-1)!).duplicates, 3, 'importing twice stores nothing twice')

  const compacted = await call(dir.path, ['compact', '--max-count', '2'])
  assert.equal(compacted.code, 0, compacted.err)
  const summary = JSON.parse(compacted.lines.at(-1)!)
  assert.equal(summary.log.deleted, 3, 'ui.feedback keeps its newest 2')
  const events_ = await call(dir.path, ['replay', '--type', 'store.log.compacted', '--json'])
  assert.equal(events_.lines.length, 1)
  assert.equal((JSON.parse(events_.lines[0]!) as Envelope).payload.trigger, 'compact')

  const bad = await call(dir.path, ['replay', '--type', 'ui.*', '--filter', 'ui.>'])
  assert.equal(bad.code, 2)
})
