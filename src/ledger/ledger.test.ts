import assert from 'node:assert/strict'
import { createHash, createPublicKey, verify } from 'node:crypto'
import { readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import Database from 'better-sqlite3'
import canonicalize from 'canonicalize'
import { createAjv, type HubError } from '../contracts/index.ts'
import { openLedger, openLedgerReader } from './index.ts'
import { draft, tempDataDir } from './ledger-test-kit.ts'
import type { LedgerEntry } from './ledger-types.ts'

const SCHEMA_PATH = new URL('../../catalog/events/ledger/entry/v1/schema.json', import.meta.url)

describe('append and show', () => {
  test('entries chain from 64 zeros; each hash is sha256 of the canonical entry without its hash', (t) => {
    const { dir, keep } = tempDataDir(t)
    let now = Date.parse('2026-03-01T10:00:00Z')
    const ledger = keep(openLedger({ dataDir: dir, clock: { now: () => now } }))
    const first = ledger.append(
      draft(0, {
        beforeHash: 'a'.repeat(64),
        decidedBy: 'user:ada',
        approvalId: 'ap-1',
        decision: 'approved',
      }),
    )
    now += 1000
    const second = ledger.append(draft(1))
    assert.equal(first.index, 0)
    assert.equal(first.prevHash, '0'.repeat(64))
    assert.equal(first.ts, '2026-03-01T10:00:00.000Z')
    assert.equal(second.index, 1)
    assert.equal(second.prevHash, first.hash)
    for (const entry of [first, second]) {
      const { hash, ...rest } = entry
      assert.equal(hash, createHash('sha256').update(canonicalize(rest)!).digest('hex'))
    }
    assert.deepEqual(ledger.show(), [first, second])
    assert.deepEqual(ledger.head(), { index: 1, hash: second.hash })
  })

  test('show filters by trace, pages from an index and returns the newest entries by default', (t) => {
    const { dir, keep } = tempDataDir(t)
    const ledger = keep(openLedger({ dataDir: dir }))
    const entries = ledger.appendMany(Array.from({ length: 10 }, (_, n) => draft(n)))
    assert.deepEqual(
      ledger.show({ limit: 3 }).map((e) => e.index),
      [7, 8, 9],
    )
    assert.deepEqual(
      ledger.show({ from: 2, limit: 3 }).map((e) => e.index),
      [2, 3, 4],
    )
    assert.deepEqual(
      ledger.show({ traceId: 't-1' }).map((e) => e.index),
      [1, 4, 7],
    )
    assert.deepEqual(
      ledger.show({ traceId: 't-1', from: 5 }).map((e) => e.index),
      [7],
    )
    assert.deepEqual(ledger.show({ traceId: 'nope' }), [])
    assert.deepEqual(ledger.show({ from: 9 }), [entries[9]])
    for (const bad of [{ limit: 0 }, { limit: 1.5 }, { limit: 10_001 }, { from: -1 }, { traceId: '' }]) {
      assert.throws(
        () => ledger.show(bad),
        (error: HubError) => error.code === 'E_BAD_REQUEST',
      )
    }
  })

  test('hostile drafts are refused with issues and leave the chain untouched', (t) => {
    const { dir, keep } = tempDataDir(t)
    const ledger = keep(openLedger({ dataDir: dir }))
    ledger.append(draft(0))
    const hostile: unknown[] = [
      null,
      'write_file',
      [],
      { ...draft(1), traceId: undefined },
      { ...draft(1), extra: 1 },
      JSON.parse('{"traceId":"t","actorSkill":"a","action":"x","targets":[],"__proto__":{"polluted":1}}'),
      { ...draft(1), constructor: 'x' },
      { ...draft(1), action: 'x'.repeat(201) },
      { ...draft(1), targets: 'a' },
      { ...draft(1), targets: [''] },
      { ...draft(1), targets: ['x'.repeat(4097)] },
      { ...draft(1), targets: Array.from({ length: 1001 }, () => 'a') },
      { ...draft(1), decision: 'maybe' },
      { ...draft(1), tier: 'root' },
      { ...draft(1), outcome: 42 },
      { ...draft(1), beforeHash: '' },
    ]
    for (const input of hostile) {
      assert.throws(
        () => ledger.append(input as never),
        (error: HubError) => error.code === 'E_VALIDATION' && Array.isArray(error.details?.issues),
        JSON.stringify(input)?.slice(0, 80),
      )
    }
    // One bad draft in a batch rejects the whole batch.
    assert.throws(() => ledger.appendMany([draft(1), { ...draft(2), tier: 'x' } as never]))
    assert.equal(ledger.show().length, 1)
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    assert.equal(ledger.verify().ok, true)
  })

  test('every entry is published after commit and matches the catalog schema (minus the fields it lacks)', (t) => {
    const { dir, keep } = tempDataDir(t)
    const published: LedgerEntry[] = []
    const ledger = keep(openLedger({ dataDir: dir, publish: (entry) => published.push(entry) }))
    const appended = ledger.appendMany([
      draft(0, { outcome: 'attempted', approvalId: 'ap-9', decision: 'approved', decidedBy: 'user' }),
      draft(1, { outcome: 'failed', errorCode: 'E_IO', afterHash: 'b'.repeat(64) }),
      draft(2, { outcome: 'denied', decision: 'denied', decidedBy: 'user', tier: 'destructive_two_step' }),
    ])
    assert.deepEqual(published, appended)
    const validate = createAjv().compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')))
    for (const entry of published) {
      const { decidedBy: _d, outcome: _o, errorCode: _e, ...payload } = entry
      assert.equal(validate(payload), true, JSON.stringify(validate.errors))
    }
  })

  test('a failing publisher never fails or undoes the append', async (t) => {
    const { dir, keep } = tempDataDir(t)
    const errors: string[] = []
    let calls = 0
    const ledger = keep(
      openLedger({
        dataDir: dir,
        publish: () => {
          calls++
          if (calls === 1) throw new Error('bus down')
          return Promise.reject(new Error('bus slow'))
        },
        onPublishError: (error) => errors.push((error as Error).message),
      }),
    )
    ledger.append(draft(0))
    ledger.append(draft(1))
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(errors, ['bus down', 'bus slow'])
    assert.equal(ledger.show().length, 2)
  })
})

describe('storage rules', () => {
  test('rows cannot be updated or deleted through SQLite while the triggers stand', (t) => {
    const { dir, keep } = tempDataDir(t)
    const ledger = openLedger({ dataDir: dir })
    ledger.append(draft(0))
    ledger.close()
    const db = keep(new Database(join(dir, 'ledger.sqlite')))
    assert.throws(() => db.prepare("UPDATE ledger_entries SET trace_id = 'x'").run(), /append-only/)
    assert.throws(() => db.prepare('DELETE FROM ledger_entries').run(), /append-only/)
    assert.throws(() => db.prepare('DELETE FROM ledger_checkpoints').run(), /append-only/)
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal')
  })

  test('two handles on one file append in turn without forking the chain', (t) => {
    const { dir } = tempDataDir(t)
    const a = openLedger({ dataDir: dir })
    const b = openLedger({ dataDir: dir })
    for (let n = 0; n < 20; n++) (n % 2 === 0 ? a : b).append(draft(n))
    b.close()
    const report = a.verify()
    a.close()
    assert.equal(report.ok, true, JSON.stringify(report.broken))
    assert.equal(report.entries, 20)
  })

  test('a closed ledger refuses work; reopening continues the same chain', (t) => {
    const { dir, keep } = tempDataDir(t)
    const ledger = openLedger({ dataDir: dir })
    const first = ledger.append(draft(0))
    ledger.close()
    ledger.close()
    assert.throws(() => ledger.append(draft(1)), /closed/)
    const again = keep(openLedger({ dataDir: dir }))
    assert.equal(again.ledgerId, ledger.ledgerId)
    assert.equal(again.append(draft(1)).prevHash, first.hash)
  })

  test('a file that is not SQLite is reported, not overwritten', async (t) => {
    const { dir } = tempDataDir(t)
    const { writeFileSync } = await import('node:fs')
    writeFileSync(join(dir, 'ledger.sqlite'), 'garbage'.repeat(100))
    assert.throws(
      () => openLedger({ dataDir: dir }),
      (error: HubError) => error.code === 'E_IO' && /not an SQLite/.test(error.message),
    )
    assert.throws(
      () => openLedgerReader({ dataDir: join(dir, 'none') }),
      (error: HubError) => error.code === 'E_IO',
    )
  })

  test('options are validated', () => {
    for (const bad of [{ checkpointEveryEntries: 0 }, { checkpointEveryMs: -1 }, { synchronous: 'OFF' }]) {
      assert.throws(
        () => openLedger({ dataDir: '/nonexistent', ...(bad as object) }),
        (error: HubError) => error.code === 'E_BAD_REQUEST',
      )
    }
  })
})

describe('signed checkpoints', () => {
  test('the key is made on first use with a 0600 private key; checkpoints verify with the public key', (t) => {
    const { dir } = tempDataDir(t)
    const ledger = openLedger({ dataDir: dir, checkpointEveryEntries: 3, checkpointEveryMs: 0 })
    ledger.appendMany([draft(0)])
    for (let n = 1; n < 8; n++) ledger.append(draft(n))
    assert.equal(statSync(join(dir, 'keys', 'ledger-ed25519.key')).mode & 0o777, 0o600)
    const report = ledger.verify()
    assert.equal(report.ok, true)
    assert.deepEqual(
      new Database(join(dir, 'ledger.sqlite'), { readonly: true })
        .prepare('SELECT idx FROM ledger_checkpoints')
        .all(),
      [{ idx: 0 }, { idx: 3 }, { idx: 6 }],
    )
    assert.equal(report.lastCheckpoint?.index, 6)
    assert.equal(report.unsignedTail, 1)
    const checkpoint = report.lastCheckpoint!
    const publicKey = createPublicKey(readFileSync(join(dir, 'keys', 'ledger-ed25519.pub')))
    const message = canonicalize({
      ledgerId: checkpoint.ledgerId,
      index: 6,
      hash: checkpoint.hash,
      ts: checkpoint.ts,
    })!
    assert.equal(
      verify(null, Buffer.from(message), publicKey, Buffer.from(checkpoint.signature, 'base64')),
      true,
    )
    ledger.close()
    const closed = openLedgerReader({ dataDir: dir }).verify()
    assert.equal(closed.lastCheckpoint?.index, 7, 'close() signs the head')
    assert.equal(closed.unsignedTail, 0)
  })

  test('a checkpoint is also due when the last one is older than checkpointEveryMs', (t) => {
    const { dir, keep } = tempDataDir(t)
    let now = 1_000_000
    const ledger = keep(
      openLedger({
        dataDir: dir,
        clock: { now: () => now },
        checkpointEveryEntries: 1000,
        checkpointEveryMs: 5000,
      }),
    )
    ledger.append(draft(0))
    now += 4000
    ledger.append(draft(1))
    assert.equal(ledger.checkpoint()?.index, 1)
    ledger.append(draft(2))
    assert.equal(ledger.verify().lastCheckpoint?.index, 1)
    now += 6000
    ledger.append(draft(3))
    assert.equal(ledger.verify().lastCheckpoint?.index, 3)
  })

  test('a missing private key is not silently replaced once checkpoints exist', (t) => {
    const { dir } = tempDataDir(t)
    const ledger = openLedger({ dataDir: dir })
    ledger.append(draft(0))
    ledger.close()
    rmSync(join(dir, 'keys', 'ledger-ed25519.key'))
    assert.throws(
      () => openLedger({ dataDir: dir }),
      (error: HubError) => error.code === 'E_IO' && /signing key/.test(error.message),
    )
  })
})
