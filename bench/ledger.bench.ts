// Audit ledger: append throughput with the hash chain (canonical JSON + sha256 + signed checkpoints
// every 64 entries, the defaults) and verification speed, against plain inserts of the same entries
// without any chain into an identical SQLite table (WAL, synchronous=FULL, 1,000 rows per transaction).
// 1M entries; BENCH_QUICK=1 uses 100k.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { type LedgerEntryDraft, openLedger } from '../src/ledger/index.ts'
import { median, percentile, report } from './stats.ts'

const ENTRIES = process.env.BENCH_QUICK === '1' ? 100_000 : 1_000_000
const BATCH = 1000

function draft(n: number): LedgerEntryDraft {
  return {
    traceId: `trace-${n >> 4}`,
    actorSkill: 'skill.tools-fs',
    action: n % 3 === 0 ? 'write_file' : 'apply_patch',
    targets: [`/home/user/project/src/file-${n % 997}.ts`],
    beforeHash: 'a'.repeat(64),
    afterHash: 'b'.repeat(64),
    tier: 'write_local_confirm',
    outcome: n % 2 === 0 ? 'attempted' : 'succeeded',
    decision: 'approved',
    decidedBy: 'user',
    approvalId: `ap-${n >> 1}`,
  }
}

const root = mkdtempSync(join(tmpdir(), 'localhub-ledger-bench-'))
try {
  const batches = Array.from({ length: BATCH }, (_, n) => draft(n))

  // Chained ledger.
  const ledger = openLedger({ dataDir: join(root, 'chained') })
  const chainedRates: number[] = []
  let started = process.hrtime.bigint()
  for (let done = 0; done < ENTRIES; done += BATCH) {
    const batchStart = process.hrtime.bigint()
    ledger.appendMany(batches)
    chainedRates.push(BATCH / (Number(process.hrtime.bigint() - batchStart) / 1e9))
  }
  const chainedSeconds = Number(process.hrtime.bigint() - started) / 1e9
  started = process.hrtime.bigint()
  const verdict = ledger.verify()
  const verifySeconds = Number(process.hrtime.bigint() - started) / 1e9
  ledger.close()
  if (!verdict.ok || verdict.entries !== ENTRIES)
    throw new Error(`verify failed: ${JSON.stringify(verdict.broken)}`)

  // Baseline: the same rows, JSON.stringify only, no hash, no chain, no signatures.
  const plain = new Database(join(root, 'plain.sqlite'))
  plain.pragma('journal_mode = WAL')
  plain.pragma('synchronous = FULL')
  plain.exec(
    'CREATE TABLE entries (idx INTEGER PRIMARY KEY, trace_id TEXT NOT NULL, hash TEXT NOT NULL, body TEXT NOT NULL)',
  )
  const insert = plain.prepare('INSERT INTO entries (idx, trace_id, hash, body) VALUES (?, ?, ?, ?)')
  let index = 0
  const insertBatch = plain.transaction(() => {
    const ts = new Date().toISOString()
    for (const entry of batches) {
      insert.run(index, entry.traceId, '', JSON.stringify({ ...entry, index, ts }))
      index++
    }
  })
  const plainRates: number[] = []
  started = process.hrtime.bigint()
  for (let done = 0; done < ENTRIES; done += BATCH) {
    const batchStart = process.hrtime.bigint()
    insertBatch.immediate()
    plainRates.push(BATCH / (Number(process.hrtime.bigint() - batchStart) / 1e9))
  }
  const plainSeconds = Number(process.hrtime.bigint() - started) / 1e9
  started = process.hrtime.bigint()
  let scanned = 0
  for (const _row of plain.prepare('SELECT idx, trace_id, hash, body FROM entries ORDER BY idx').iterate())
    scanned++
  const scanSeconds = Number(process.hrtime.bigint() - started) / 1e9
  plain.close()

  const chainedMedian = median(chainedRates)
  const plainMedian = median(plainRates)
  report({
    bench: 'ledger.append.chained',
    unit: 'entries/s',
    median: Math.round(chainedMedian),
    p99: Math.round(percentile(chainedRates, 0.01)),
    overall: Math.round(ENTRIES / chainedSeconds),
    entries: ENTRIES,
    batch: BATCH,
    baseline: 'plain inserts, no chain',
    baselineMedian: Math.round(plainMedian),
    ratio: Number((chainedMedian / plainMedian).toFixed(3)),
  })
  report({
    bench: 'ledger.append.plain',
    unit: 'entries/s',
    median: Math.round(plainMedian),
    p99: Math.round(percentile(plainRates, 0.01)),
    overall: Math.round(ENTRIES / plainSeconds),
    entries: ENTRIES,
  })
  report({
    bench: 'ledger.verify',
    unit: 'entries/s',
    median: Math.round(ENTRIES / verifySeconds),
    entries: ENTRIES,
    checkpoints: verdict.checkpoints,
    seconds: Number(verifySeconds.toFixed(2)),
    baseline: 'full table scan without checks',
    baselineMedian: Math.round(scanned / scanSeconds),
    ratio: Number((scanSeconds / verifySeconds).toFixed(3)),
  })
} finally {
  rmSync(root, { recursive: true, force: true })
}
