import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import canonicalize from 'canonicalize'
import type { HubError } from '../contracts/index.ts'
import { openLedger, openLedgerReader } from './index.ts'
import { draft, tamper, tempDataDir } from './ledger-test-kit.ts'
import type { LedgerEntry, VerifyReport } from './ledger-types.ts'

const COUNT = 10

/** Ten entries, checkpoints signed at 0, 4, 8 and (on close) 9. */
function setup(t: { after: (fn: () => void) => void }): { dir: string; entries: LedgerEntry[] } {
  const { dir } = tempDataDir(t)
  const ledger = openLedger({ dataDir: dir, checkpointEveryEntries: 4, checkpointEveryMs: 0 })
  const entries = Array.from({ length: COUNT }, (_, n) => ledger.append(draft(n)))
  ledger.close()
  return { dir, entries }
}

function verify(dir: string): VerifyReport {
  const reader = openLedgerReader({ dataDir: dir })
  try {
    return reader.verify()
  } finally {
    reader.close()
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

function bodyOf(entry: LedgerEntry, changes: Record<string, unknown> = {}): string {
  const { hash: _hash, ...rest } = entry
  return canonicalize({ ...rest, ...changes })!
}

function assertBroken(report: VerifyReport, index: number, kind: string): void {
  assert.equal(report.ok, false, 'verify must fail')
  assert.equal(report.broken?.index, index, JSON.stringify(report.broken))
  assert.equal(report.broken?.kind, kind, JSON.stringify(report.broken))
  assert.ok(report.broken!.message.length > 10)
}

describe('verify detects tampering with ledger.sqlite', () => {
  test('an untouched ledger verifies', (t) => {
    const { dir, entries } = setup(t)
    const report = verify(dir)
    assert.equal(report.ok, true, JSON.stringify(report.broken))
    assert.deepEqual(report.head, { index: 9, hash: entries[9]!.hash })
    assert.equal(report.checkpoints, 4)
    assert.equal(report.unsignedTail, 0)
    assert.equal(report.unwitnessedTail, 0)
  })

  test('a row edited in place (content changed, hash left)', (t) => {
    const { dir, entries } = setup(t)
    tamper(dir, (db) =>
      db
        .prepare('UPDATE ledger_entries SET body = ? WHERE idx = 3')
        .run(bodyOf(entries[3]!, { action: 'read_file' })),
    )
    assertBroken(verify(dir), 3, 'hash-mismatch')
  })

  test('a row edited with its hash recomputed breaks the link to the next entry', (t) => {
    const { dir, entries } = setup(t)
    const body = bodyOf(entries[3]!, { targets: ['innocent.txt'] })
    tamper(dir, (db) =>
      db.prepare('UPDATE ledger_entries SET body = ?, hash = ? WHERE idx = 3').run(body, sha256(body)),
    )
    assertBroken(verify(dir), 4, 'prev-hash-mismatch')
  })

  test('the last row edited with its hash recomputed contradicts the signed checkpoint', (t) => {
    const { dir, entries } = setup(t)
    const body = bodyOf(entries[9]!, { outcome: 'failed' })
    tamper(dir, (db) =>
      db.prepare('UPDATE ledger_entries SET body = ?, hash = ? WHERE idx = 9').run(body, sha256(body)),
    )
    assertBroken(verify(dir), 9, 'checkpoint-mismatch')
  })

  test('the indexed trace_id column edited', (t) => {
    const { dir } = setup(t)
    tamper(dir, (db) => db.prepare("UPDATE ledger_entries SET trace_id = 'other' WHERE idx = 5").run())
    assertBroken(verify(dir), 5, 'column-mismatch')
  })

  test('a row deleted', (t) => {
    const { dir } = setup(t)
    tamper(dir, (db) => db.prepare('DELETE FROM ledger_entries WHERE idx = 6').run())
    assertBroken(verify(dir), 6, 'missing')
  })

  test('two rows swapped', (t) => {
    const { dir, entries } = setup(t)
    tamper(dir, (db) => {
      const update = db.prepare('UPDATE ledger_entries SET body = ?, hash = ?, trace_id = ? WHERE idx = ?')
      update.run(bodyOf(entries[5]!), entries[5]!.hash, entries[5]!.traceId, 2)
      update.run(bodyOf(entries[2]!), entries[2]!.hash, entries[2]!.traceId, 5)
    })
    assertBroken(verify(dir), 2, 'index-mismatch')
  })

  test('a forged row inserted in the middle (later rows shifted, forged hash valid)', (t) => {
    const { dir, entries } = setup(t)
    tamper(dir, (db) => {
      for (let idx = COUNT - 1; idx >= 6; idx--)
        db.prepare('UPDATE ledger_entries SET idx = ? WHERE idx = ?').run(idx + 1, idx)
      const forged = canonicalize({ ...draft(99), index: 6, ts: entries[5]!.ts, prevHash: entries[5]!.hash })!
      db.prepare('INSERT INTO ledger_entries (idx, trace_id, hash, body) VALUES (6, ?, ?, ?)').run(
        't-0',
        sha256(forged),
        forged,
      )
    })
    // The forged row itself is self-consistent; the entry after it is the first that cannot follow.
    assertBroken(verify(dir), 7, 'index-mismatch')
  })

  test('a body that is not JSON (hash made to match)', (t) => {
    const { dir } = setup(t)
    tamper(dir, (db) =>
      db.prepare('UPDATE ledger_entries SET body = ?, hash = ? WHERE idx = 1').run('{oops', sha256('{oops')),
    )
    assertBroken(verify(dir), 1, 'unreadable')
  })

  test('the tail truncated (entries only)', (t) => {
    const { dir } = setup(t)
    tamper(dir, (db) => db.prepare('DELETE FROM ledger_entries WHERE idx >= 7').run())
    assertBroken(verify(dir), 7, 'truncated')
  })

  test('the tail truncated together with the checkpoints that covered it', (t) => {
    const { dir } = setup(t)
    tamper(dir, (db) => {
      db.prepare('DELETE FROM ledger_entries WHERE idx >= 5').run()
      db.prepare('DELETE FROM ledger_checkpoints WHERE idx >= 5').run()
    })
    // The signed checkpoint kept in the head witness still names entry 9.
    assertBroken(verify(dir), 5, 'truncated')
  })

  test('truncation between checkpoints is caught by the head witness', (t) => {
    const { dir, keep } = tempDataDir(t)
    const ledger = openLedger({ dataDir: dir, checkpointEveryEntries: 100, checkpointEveryMs: 0 })
    for (let n = 0; n < 6; n++) ledger.append(draft(n))
    // Simulate a crash: the handle is never closed, so the head (5) is witnessed but not signed.
    assert.equal(ledger.verify().unsignedTail, 5)
    tamper(dir, (db) => db.prepare('DELETE FROM ledger_entries WHERE idx >= 4').run())
    assertBroken(verify(dir), 4, 'truncated')
    // The live writer notices the cut instead of chaining over it, and so does a restarted one.
    assert.throws(
      () => ledger.append(draft(9)),
      (error: HubError) => error.code === 'E_IO' && /tail was removed/.test(error.message),
    )
    ledger.close()
    assertBroken(verify(dir), 4, 'truncated')
    const restarted = keep(openLedger({ dataDir: dir }))
    assert.throws(() => restarted.append(draft(9)), /tail was removed/)
  })

  test('the head witness deleted after truncation', (t) => {
    const { dir } = setup(t)
    tamper(dir, (db) => db.prepare('DELETE FROM ledger_entries WHERE idx >= 8').run())
    rmSync(join(dir, 'keys', 'ledger-head.json'))
    assertBroken(verify(dir), 8, 'truncated')
  })

  test('the head witness deleted with the ledger intact is reported too', (t) => {
    const { dir } = setup(t)
    rmSync(join(dir, 'keys', 'ledger-head.json'))
    assertBroken(verify(dir), COUNT, 'witness')
  })

  test('a forged checkpoint signature', (t) => {
    const { dir } = setup(t)
    tamper(dir, (db) =>
      db
        .prepare('UPDATE ledger_checkpoints SET signature = ? WHERE idx = 4')
        .run(Buffer.alloc(64, 7).toString('base64')),
    )
    assertBroken(verify(dir), 4, 'checkpoint-signature')
  })

  test('a whole new chain with a forged witness but no key: the signed checkpoint in the witness does not match', (t) => {
    const { dir, entries } = setup(t)
    const path = join(dir, 'keys', 'ledger-head.json')
    const witness = JSON.parse(readFileSync(path, 'utf8'))
    tamper(dir, (db) => {
      db.prepare('DELETE FROM ledger_entries WHERE idx >= 6').run()
      db.prepare('DELETE FROM ledger_checkpoints WHERE idx >= 6').run()
    })
    writeFileSync(path, JSON.stringify({ ...witness, head: { index: 5, hash: entries[5]!.hash } }))
    assertBroken(verify(dir), 6, 'truncated')
  })
})

describe('rows appended after the witnessed head (decision 1320)', () => {
  test('a forged row that chains correctly breaks verify unless the unwitnessed tail is allowed', (t) => {
    const { dir, entries } = setup(t)
    tamper(dir, (db) => {
      const forged = canonicalize({
        ...draft(50),
        index: COUNT,
        ts: entries[9]!.ts,
        prevHash: entries[9]!.hash,
      })!
      db.prepare('INSERT INTO ledger_entries (idx, trace_id, hash, body) VALUES (?, ?, ?, ?)').run(
        COUNT,
        't-2',
        sha256(forged),
        forged,
      )
    })
    const report = verify(dir)
    assertBroken(report, COUNT, 'unwitnessed')
    assert.equal(report.unwitnessedTail, 1)
    const reader = openLedgerReader({ dataDir: dir })
    const allowed = reader.verify({ allowUnwitnessedTail: true })
    reader.close()
    assert.equal(allowed.ok, true)
    assert.equal(allowed.unsignedTail, 1)
    assert.ok(allowed.warnings.some((warning) => /after the witnessed head/.test(warning)))
  })
})

describe('what verify cannot prove (documented limits)', () => {
  test('rolling back to an older signed checkpoint while rewriting the witness and checkpoint rows goes unnoticed', (t) => {
    const { dir, entries } = setup(t)
    const path = join(dir, 'keys', 'ledger-head.json')
    assert.equal(verify(dir).ok, true)
    tamper(dir, (db) => {
      db.prepare('DELETE FROM ledger_entries WHERE idx > 4').run()
      db.prepare('DELETE FROM ledger_checkpoints WHERE idx > 4').run()
    })
    const witness = JSON.parse(readFileSync(path, 'utf8'))
    const checkpointAt4 = { ...witness.checkpoint, index: 4, hash: entries[4]!.hash }
    // The attacker cannot sign, so reuses the stored signature of checkpoint 4 from the table.
    tamper(dir, (db) => {
      const row = db.prepare('SELECT ts, signature FROM ledger_checkpoints WHERE idx = 4').get() as {
        ts: string
        signature: string
      }
      checkpointAt4.ts = row.ts
      checkpointAt4.signature = row.signature
    })
    writeFileSync(
      path,
      JSON.stringify({ ...witness, head: { index: 4, hash: entries[4]!.hash }, checkpoint: checkpointAt4 }),
    )
    assert.equal(
      verify(dir).ok,
      true,
      'this attack needs an external copy of the head to detect (decision 1003)',
    )
  })
})
