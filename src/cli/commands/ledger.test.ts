import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import Database from 'better-sqlite3'
import { type CommandOutcome, runCommand } from '../../../test/kit/cli-io.ts'
import { openLedger } from '../../ledger/index.ts'
import { run } from './ledger.ts'

const root = mkdtempSync(join(tmpdir(), 'localhub-cli-ledger-'))
after(() => rmSync(root, { recursive: true, force: true }))

function cli(args: string[]): Promise<CommandOutcome> {
  return runCommand(run, args, { cwd: root, dataDir: join(root, 'data') })
}

function fill(dataDir: string, count: number): void {
  const ledger = openLedger({ dataDir })
  for (let n = 0; n < count; n++) {
    ledger.append({
      traceId: `trace-${n % 2}`,
      actorSkill: 'skill.tools-fs',
      action: n % 2 === 0 ? 'write_file' : 'delete_path',
      targets: [`file-${n}.txt`],
      outcome: 'succeeded',
      decision: 'approved',
      decidedBy: 'user',
    })
  }
  ledger.close()
}

test('verify exits 0 on an intact ledger and 1 naming the first broken entry', async () => {
  const data = join(root, 'a')
  fill(data, 5)
  const good = await cli(['verify', '--data', data])
  assert.equal(good.code, 0, good.stderr)
  assert.match(good.stdout, /ledger ok: 5 entries/)
  const json = JSON.parse((await cli(['verify', '--data', data, '--json'])).stdout)
  assert.equal(json.ok, true)

  const db = new Database(join(data, 'ledger.sqlite'))
  db.exec('DROP TRIGGER ledger_entries_no_delete')
  db.prepare('DELETE FROM ledger_entries WHERE idx = 2').run()
  db.close()
  const bad = await cli(['verify', '--data', data])
  assert.equal(bad.code, 1)
  assert.match(bad.stdout, /BROKEN at entry 2 \(missing\)/)
  assert.equal(JSON.parse((await cli(['verify', '--data', data, '--json'])).stdout).broken.index, 2)
})

test('show lists entries, filters by trace and pages', async () => {
  const data = join(root, 'b')
  fill(data, 30)
  const all = await cli(['show', '--data', data])
  assert.equal(all.code, 0)
  const lines = all.stdout.trim().split('\n')
  assert.equal(lines.length, 20)
  assert.match(
    lines[19]!,
    /^29 .* trace-1 {2}skill\.tools-fs {2}delete_path succeeded approved by user {2}file-29\.txt$/,
  )
  const traced = JSON.parse(
    (await cli(['show', '--data', data, '--trace', 'trace-0', '--limit', '3', '--json'])).stdout,
  )
  assert.deepEqual(
    traced.entries.map((entry: { index: number }) => entry.index),
    [24, 26, 28],
  )
  const paged = JSON.parse(
    (await cli(['show', '--data', data, '--from', '5', '--limit', '2', '--json'])).stdout,
  )
  assert.deepEqual(
    paged.entries.map((entry: { index: number }) => entry.index),
    [5, 6],
  )
})

test('a missing ledger: show prints nothing, verify fails; usage errors exit 2', async () => {
  assert.equal((await cli(['show', '--data', 'nowhere'])).code, 0)
  assert.deepEqual(JSON.parse((await cli(['show', '--data', 'nowhere', '--json'])).stdout), { entries: [] })
  assert.equal((await cli(['verify', '--data', 'nowhere'])).code, 1)
  for (const args of [
    [],
    ['nope'],
    ['show', '--limit', 'x'],
    ['show', '--limit', '-1'],
    ['verify', 'extra'],
    ['show', '--bogus'],
  ]) {
    const result = await cli(args)
    assert.equal(result.code, 2, args.join(' '))
    assert.match(result.stderr, /usage: localhub ledger/)
  }
  assert.equal((await cli(['--help'])).code, 0)
  assert.equal((await cli(['show', '--data', join(root, 'a'), '--limit', '0'])).code, 1)
})

test('a corrupt ledger file exits 1 with a message, not a stack trace', async () => {
  mkdirSync(join(root, 'bad'))
  writeFileSync(join(root, 'bad', 'ledger.sqlite'), 'garbage'.repeat(100))
  const result = await cli(['verify', '--data', join(root, 'bad')])
  assert.equal(result.code, 1)
  assert.match(result.stderr, /not an SQLite database/)
})

/** Appends a row that chains correctly onto the head, as someone with write access could. */
function forgeRow(dataDir: string): void {
  const db = new Database(join(dataDir, 'ledger.sqlite'))
  const head = db.prepare('SELECT idx, hash, body FROM ledger_entries ORDER BY idx DESC LIMIT 1').get() as {
    idx: number
    hash: string
    body: string
  }
  const entry = { ...JSON.parse(head.body), index: head.idx + 1, prevHash: head.hash, action: 'forged' }
  const body = JSON.stringify(
    Object.fromEntries(
      Object.keys(entry)
        .sort()
        .map((key) => [key, entry[key]]),
    ),
  )
  db.prepare('INSERT INTO ledger_entries (idx, trace_id, hash, body) VALUES (?, ?, ?, ?)').run(
    head.idx + 1,
    entry.traceId,
    createHash('sha256').update(body).digest('hex'),
    body,
  )
  db.close()
}

test('verify fails on rows after the witnessed head unless allowed; adopt and recover resolve them', async () => {
  const adopted = join(root, 'forged-adopt')
  fill(adopted, 3)
  forgeRow(adopted)
  const bad = await cli(['verify', '--data', adopted])
  assert.equal(bad.code, 1)
  assert.match(bad.stdout, /BROKEN at entry 3 \(unwitnessed\)/)
  const allowed = await cli(['verify', '--data', adopted, '--allow-unwitnessed-tail'])
  assert.equal(allowed.code, 0, allowed.stdout)
  assert.match(allowed.stderr, /warning: 1 entries after the witnessed head/)
  const adopt = await cli(['adopt', '--data', adopted, '--by', 'auditor'])
  assert.equal(adopt.code, 0, adopt.stderr)
  assert.match(adopt.stdout, /adopted entries 3\.\.3; recorded as entry 4/)
  assert.equal((await cli(['verify', '--data', adopted])).code, 0)

  const recovered = join(root, 'forged-recover')
  fill(recovered, 2)
  forgeRow(recovered)
  const recover = JSON.parse((await cli(['recover', '--data', recovered, '--json'])).stdout)
  assert.equal(recover.action, 'recovered')
  assert.equal(recover.from, 2)
  assert.match(recover.archivePath, /ledger-archive/)
  const after = await cli(['verify', '--data', recovered, '--json'])
  assert.equal(JSON.parse(after.stdout).entries, 2)
  assert.match((await cli(['recover', '--data', recovered])).stdout, /nothing to do/)
})
