import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import Database from 'better-sqlite3'
import canonicalize from 'canonicalize'
import type { HubError } from '../contracts/index.ts'
import { type LedgerEntry, openLedger, openLedgerReader, type VerifyReport } from './index.ts'
import { draft, tamper, tempDataDir } from './ledger-test-kit.ts'
import { UNWITNESSED_TAIL_REASON } from './tail-account.ts'
import { ADOPT_ACTION, adoptUnwitnessedTail, recoverUnwitnessedTail } from './unwitnessed-tail.ts'

type Context = { after: (fn: () => void) => void }

function verify(dir: string, allowUnwitnessedTail = false): VerifyReport {
  const reader = openLedgerReader({ dataDir: dir })
  try {
    return reader.verify({ allowUnwitnessedTail })
  } finally {
    reader.close()
  }
}

const witnessFile = (dir: string) => join(dir, 'keys', 'ledger-head.json')
const readWitness = (dir: string) => JSON.parse(readFileSync(witnessFile(dir), 'utf8'))
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** What an attacker with write access does: a new row that chains correctly onto the last one. */
function appendForged(dir: string, after: LedgerEntry, changes: Record<string, unknown> = {}): void {
  const body = canonicalize({
    ...draft(77),
    index: after.index + 1,
    ts: after.ts,
    prevHash: after.hash,
    ...changes,
  })!
  tamper(dir, (db) =>
    db
      .prepare('INSERT INTO ledger_entries (idx, trace_id, hash, body) VALUES (?, ?, ?, ?)')
      .run(after.index + 1, JSON.parse(body).traceId, sha256(body), body),
  )
}

function filled(t: Context, count: number): { dir: string; entries: LedgerEntry[] } {
  const { dir } = tempDataDir(t)
  const ledger = openLedger({ dataDir: dir, checkpointEveryMs: 0 })
  const entries = Array.from({ length: count }, (_, n) => ledger.append(draft(n)))
  ledger.close()
  return { dir, entries }
}

const isUnwitnessed = (error: HubError) =>
  error.code === 'E_IO' &&
  error.details?.reason === UNWITNESSED_TAIL_REASON &&
  /ledger recover/.test(error.message)

describe('a ledger whose tail the hub cannot account for', () => {
  test('opening it is refused with a stable reason and nothing is signed over the forged row', (t) => {
    const { dir, entries } = filled(t, 3)
    appendForged(dir, entries[2]!)
    const checkpointsBefore = verify(dir, true).checkpoints
    assert.throws(() => openLedger({ dataDir: dir }), isUnwitnessed)
    const report = verify(dir)
    assert.equal(report.ok, false)
    assert.equal(report.broken?.kind, 'unwitnessed')
    assert.equal(report.broken?.index, 3)
    assert.equal(report.checkpoints, checkpointsBefore)
  })

  test('a running writer refuses to chain onto a row inserted behind its back, and does not sign it on close', (t) => {
    const { dir } = tempDataDir(t)
    const ledger = openLedger({ dataDir: dir, checkpointEveryMs: 0 })
    const first = ledger.append(draft(0))
    appendForged(dir, first)
    assert.throws(() => ledger.append(draft(1)), isUnwitnessed)
    ledger.close()
    const report = verify(dir)
    assert.equal(report.broken?.kind, 'unwitnessed')
    assert.equal(report.lastCheckpoint?.index, 0)
  })

  test('a whole chain written without any witness is not adopted', (t) => {
    const { dir } = tempDataDir(t)
    const body = canonicalize({
      ...draft(1),
      index: 0,
      ts: new Date(0).toISOString(),
      prevHash: '0'.repeat(64),
    })!
    const ledger = openLedger({ dataDir: dir })
    ledger.close()
    tamper(dir, (db) =>
      db
        .prepare('INSERT INTO ledger_entries (idx, trace_id, hash, body) VALUES (0, ?, ?, ?)')
        .run('t-1', sha256(body), body),
    )
    assert.throws(() => openLedger({ dataDir: dir }), isUnwitnessed)
    assert.equal(verify(dir).broken?.kind, 'unwitnessed')
  })
})

describe('a crash between commit and witness confirmation', () => {
  /** The files as a SIGKILL after COMMIT but before the second witness write leaves them. */
  function crashedAfterCommit(t: Context): { dir: string; entries: LedgerEntry[] } {
    const { dir, entries } = filled(t, 4)
    const before = readWitness(dir)
    const ledger = openLedger({ dataDir: dir, checkpointEveryMs: 0 })
    const last = ledger.append(draft(4))
    ledger.close()
    tamper(dir, (db) => db.prepare('DELETE FROM ledger_checkpoints WHERE idx = 4').run())
    writeFileSync(witnessFile(dir), JSON.stringify({ ...before, pending: { index: 4, hash: last.hash } }))
    return { dir, entries: [...entries, last] }
  }

  test('the pending witness accounts for the hub’s own entry: verify passes and the next open confirms it', (t) => {
    const { dir, entries } = crashedAfterCommit(t)
    const report = verify(dir)
    assert.equal(report.ok, true, JSON.stringify(report.broken))
    assert.equal(report.unwitnessedTail, 0)
    assert.ok(report.warnings.some((warning) => /not confirmed/.test(warning)))
    const ledger = openLedger({ dataDir: dir })
    assert.deepEqual(readWitness(dir).head, { index: 4, hash: entries[4]!.hash })
    assert.equal(ledger.append(draft(5)).prevHash, entries[4]!.hash)
    ledger.close()
    assert.equal(verify(dir).ok, true)
  })

  test('an edit of that newest entry (hash recomputed) is detected by verify and refused at open', (t) => {
    const { dir, entries } = crashedAfterCommit(t)
    const { hash: _hash, ...unsealed } = entries[4]!
    const body = canonicalize({ ...unsealed, targets: ['innocent.txt'] })!
    tamper(dir, (db) =>
      db.prepare('UPDATE ledger_entries SET body = ?, hash = ? WHERE idx = 4').run(body, sha256(body)),
    )
    const report = verify(dir)
    assert.equal(report.ok, false)
    assert.equal(report.broken?.kind, 'unwitnessed')
    assert.equal(report.broken?.index, 4)
    assert.throws(() => openLedger({ dataDir: dir }), isUnwitnessed)
  })

  test('a crash before the commit leaves a pending head that never landed: nothing is missing', (t) => {
    const { dir, entries } = filled(t, 2)
    const witness = readWitness(dir)
    writeFileSync(
      witnessFile(dir),
      JSON.stringify({ ...witness, pending: { index: 2, hash: 'f'.repeat(64) } }),
    )
    assert.equal(verify(dir).ok, true)
    const ledger = openLedger({ dataDir: dir })
    assert.equal(ledger.append(draft(2)).prevHash, entries[1]!.hash)
    ledger.close()
    assert.equal(verify(dir).ok, true)
  })

  test('every commit writes the witness before it commits (pending) and confirms it after', (t) => {
    const { dir } = tempDataDir(t)
    const seen: unknown[] = []
    const ledger = openLedger({
      dataDir: dir,
      // publish runs after the commit and the confirmation: the witness has no pending head left.
      publish: () => seen.push(readWitness(dir).pending ?? null),
    })
    const first = ledger.append(draft(0))
    ledger.close()
    assert.deepEqual(seen, [null])
    assert.deepEqual(readWitness(dir).head, { index: 0, hash: first.hash })
  })

  test('temp files of an interrupted witness write are removed at open; other files are left', (t) => {
    const { dir } = filled(t, 1)
    const stale = join(dir, 'keys', 'ledger-head.json.0123456789ab.tmp')
    const unrelated = join(dir, 'keys', 'notes.tmp')
    writeFileSync(stale, '{"half":')
    writeFileSync(unrelated, 'keep')
    openLedger({ dataDir: dir }).close()
    assert.equal(existsSync(stale), false)
    assert.equal(existsSync(unrelated), true)
  })
})

describe('recovery commands', () => {
  test('recover archives the unwitnessed rows, removes them, and the hub continues from its own head', (t) => {
    const { dir, entries } = filled(t, 3)
    appendForged(dir, entries[2]!, { action: 'forged' })
    const result = recoverUnwitnessedTail({ dataDir: dir })
    assert.equal(result.action, 'recovered')
    assert.equal(result.from, 3)
    assert.equal(result.to, 3)
    const archived = readFileSync(result.archivePath!, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    assert.equal(archived.length, 1)
    assert.equal(JSON.parse(archived[0].body).action, 'forged')
    assert.equal(verify(dir).ok, true)
    const ledger = openLedger({ dataDir: dir })
    assert.equal(ledger.append(draft(3)).prevHash, entries[2]!.hash)
    ledger.close()
    // The append-only triggers are back after the deliberate removal.
    assert.throws(() => tamperWithTriggers(dir), /append-only/)
    assert.equal(recoverUnwitnessedTail({ dataDir: dir }).action, 'none')
    assert.equal(readdirSync(join(dir, 'ledger-archive')).length, 1)
  })

  test('adopt vouches for the rows and records who did it in a signed entry', (t) => {
    const { dir, entries } = filled(t, 2)
    appendForged(dir, entries[1]!)
    const result = adoptUnwitnessedTail({ dataDir: dir, decidedBy: 'alice' })
    assert.equal(result.action, 'adopted')
    const report = verify(dir)
    assert.equal(report.ok, true, JSON.stringify(report.broken))
    assert.equal(report.entries, 4)
    assert.equal(report.lastCheckpoint?.index, 3)
    const reader = openLedgerReader({ dataDir: dir })
    const [entry] = reader.show({ from: 3 })
    reader.close()
    assert.equal(entry?.action, ADOPT_ACTION)
    assert.equal(entry?.decidedBy, 'alice')
    assert.deepEqual(entry?.targets, ['ledger:2..2'])
  })

  test('both refuse when the chain is broken before the tail', (t) => {
    const { dir, entries } = filled(t, 3)
    appendForged(dir, entries[2]!)
    tamper(dir, (db) => db.prepare("UPDATE ledger_entries SET trace_id = 'x' WHERE idx = 1").run())
    assert.throws(() => recoverUnwitnessedTail({ dataDir: dir }), /broken at entry 1/)
    assert.throws(() => adoptUnwitnessedTail({ dataDir: dir }), /broken at entry 1/)
    assert.equal(verify(dir, true).entries, 1)
  })
})

function tamperWithTriggers(dir: string): void {
  const db = new Database(join(dir, 'ledger.sqlite'))
  try {
    db.prepare('DELETE FROM ledger_entries WHERE idx = 0').run()
  } finally {
    db.close()
  }
}
