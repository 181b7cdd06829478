// The ledger as an attacker with write access to the data directory would try it: a well-chained
// row INSERTed with SQLite (no trigger stops an INSERT), then `localhub ledger verify` and a hub
// start. Also the temp file a SIGKILL leaves beside the head witness (decision 1320).
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { openLedger } from '../../src/ledger/index.ts'
import { REPO_ROOT, runToEnd } from '../kit/child-process.ts'
import { startHubProcess } from '../kit/hub-process.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

const BIN = join(REPO_ROOT, 'bin', 'localhub.js')
const cli = (args: string[]) => runToEnd(process.execPath, [BIN, ...args])

/** A ledger as the hub leaves it: three entries, signed and witnessed. */
function hubWrittenLedger(dataDir: string): void {
  const ledger = openLedger({ dataDir })
  for (let n = 0; n < 3; n++) {
    ledger.append({
      traceId: `trace-${n}`,
      actorSkill: 'skill.tools-fs',
      action: 'write_file',
      targets: [`notes/${n}.md`],
      decision: 'approved',
      decidedBy: 'user',
      outcome: 'succeeded',
    })
  }
  ledger.close()
}

/** The attack: read the head, build the next entry the way the ledger does, INSERT it. */
function insertWellChainedRow(dataDir: string): void {
  const db = new Database(join(dataDir, 'ledger.sqlite'))
  try {
    const head = db.prepare('SELECT idx, hash, body FROM ledger_entries ORDER BY idx DESC LIMIT 1').get() as {
      idx: number
      hash: string
      body: string
    }
    const entry: Record<string, unknown> = {
      traceId: 'trace-forged',
      actorSkill: 'skill.tools-fs',
      action: 'delete_path',
      targets: ['notes/evidence.md'],
      decision: 'approved',
      decidedBy: 'user',
      outcome: 'succeeded',
      index: head.idx + 1,
      ts: JSON.parse(head.body).ts,
      prevHash: head.hash,
    }
    const sorted = Object.fromEntries(
      Object.keys(entry)
        .sort()
        .map((key) => [key, entry[key]]),
    )
    const body = JSON.stringify(sorted)
    const hash = createHash('sha256').update(body).digest('hex')
    db.prepare('INSERT INTO ledger_entries (idx, trace_id, hash, body) VALUES (?, ?, ?, ?)').run(
      head.idx + 1,
      'trace-forged',
      hash,
      body,
    )
  } finally {
    db.close()
  }
}

describe('hostile: the audit ledger', { timeout: 120_000 }, () => {
  test('a forged row appended by hand fails verify, stops the hub, and is removed by recover', async (t) => {
    const temp = makeTempDir('localhub-hostile-ledger-')
    t.after(() => temp.remove())
    const dataDir = join(temp.path, 'data')
    hubWrittenLedger(dataDir)
    insertWellChainedRow(dataDir)

    const verify = await cli(['ledger', 'verify', '--data', dataDir])
    assert.equal(verify.code, 1, verify.stdout + verify.stderr)
    assert.match(verify.stdout, /BROKEN at entry 3 \(unwitnessed\)/)
    const allowed = await cli(['ledger', 'verify', '--data', dataDir, '--allow-unwitnessed-tail'])
    assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr)
    assert.match(allowed.stderr, /after the witnessed head/)

    // The hub must not start on it, let alone sign the forged row into a checkpoint.
    await assert.rejects(startHubProcess(dataDir), (error: Error) => {
      assert.match(error.message, /hub exited with [1-9]/)
      assert.match(error.message, /LEDGER_UNWITNESSED_TAIL/)
      assert.match(error.message, /localhub ledger recover/)
      return true
    })
    const stillUnsigned = await cli([
      'ledger',
      'verify',
      '--data',
      dataDir,
      '--allow-unwitnessed-tail',
      '--json',
    ])
    assert.equal(JSON.parse(stillUnsigned.stdout).lastCheckpoint.index, 2)

    const recover = await cli(['ledger', 'recover', '--data', dataDir])
    assert.equal(recover.code, 0, recover.stderr)
    assert.match(recover.stdout, /removed entries 3\.\.3/)
    assert.equal(readdirSync(join(dataDir, 'ledger-archive')).length, 1)
    assert.equal((await cli(['ledger', 'verify', '--data', dataDir])).code, 0)

    // After recovery the hub starts again and continues the chain from its own head.
    const hub = await startHubProcess(dataDir)
    t.after(() => hub.stop())
    assert.match(hub.url, /^http:\/\/127\.0\.0\.1:\d+/)
    await hub.stop()
    assert.equal((await cli(['ledger', 'verify', '--data', dataDir])).code, 0)
  })

  test('a witness temp file left by a SIGKILL is removed when the hub starts', async (t) => {
    const temp = makeTempDir('localhub-hostile-ledger-')
    t.after(() => temp.remove())
    const dataDir = join(temp.path, 'data')
    hubWrittenLedger(dataDir)
    const stale = join(dataDir, 'keys', 'ledger-head.json.a1b2c3d4e5f6.tmp')
    writeFileSync(stale, '{"ledgerId":')
    const hub = await startHubProcess(dataDir)
    t.after(() => hub.stop())
    assert.equal(existsSync(stale), false)
    await hub.stop()
    assert.equal((await cli(['ledger', 'verify', '--data', dataDir])).code, 0)
  })
})
