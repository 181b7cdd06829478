// The two documented ways out of LEDGER_UNWITNESSED_TAIL (decision 1320): archive and remove the
// entries the hub cannot account for, or have a person vouch for them. Both run with the hub stopped.
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { HubError } from '../contracts/index.ts'
import { writeFileAtomic } from './atomic-file.ts'
import { readHeadWitness, writeHeadWitness } from './head-witness.ts'
import { openLedger } from './ledger.ts'
import { ensureLedgerSchema, type LedgerDatabase, openLedgerDatabase } from './ledger-database.ts'
import { DEFAULT_BUSY_TIMEOUT_MS, type LedgerClock, resolveLedgerSettings } from './ledger-options.ts'
import type { Checkpoint, LedgerHead } from './ledger-types.ts'
import { accountForTail, type TailAccount } from './tail-account.ts'
import { verifyLedgerDatabase } from './verify-chain.ts'

export const ARCHIVE_DIR_NAME = 'ledger-archive'
export const ADOPT_ACTION = 'ledger_adopt'

export interface TailResolutionOptions {
  dataDir?: string
  path?: string
  keysDir?: string
  clock?: LedgerClock
  /** Who vouches, recorded in the adoption entry (default 'user'). */
  decidedBy?: string
}

export interface TailResolution {
  /** 'none' when the tail was already accounted for and nothing changed. */
  action: 'recovered' | 'adopted' | 'none'
  /** The unaccounted range that was handled (absent for 'none'). */
  from?: number
  to?: number
  /** recover: the JSON Lines file holding the removed rows. */
  archivePath?: string
  head: LedgerHead | null
}

type Unaccounted = Extract<TailAccount, { kind: 'unaccounted' }>

interface Opened {
  db: LedgerDatabase
  ledgerId: string
  settings: ReturnType<typeof resolveLedgerSettings>
  account: TailAccount
}

/** Opens the file without the writer's own refusal and checks that only the tail is in question. */
function openForResolution(options: TailResolutionOptions): Opened {
  const settings = resolveLedgerSettings(options)
  const { db, ledgerId } = openLedgerDatabase(settings.path, {
    readonly: false,
    synchronous: 'FULL',
    busyTimeoutMs: DEFAULT_BUSY_TIMEOUT_MS,
  })
  try {
    const account = accountForTail(db, ledgerId, settings.keysDir)
    if (account.kind === 'unaccounted') {
      const report = verifyLedgerDatabase(db, ledgerId, settings.keysDir, { allowUnwitnessedTail: true })
      if (!report.ok) {
        throw new HubError(
          'E_IO',
          `the ledger is broken at entry ${report.broken!.index} (${report.broken!.kind}): ${report.broken!.message}; recover and adopt only handle entries after the witnessed head`,
          { details: { broken: report.broken } },
        )
      }
    }
    return { db, ledgerId, settings, account }
  } catch (error) {
    db.close()
    throw error
  }
}

function archiveRows(db: LedgerDatabase, path: string, account: Unaccounted, now: number): string {
  const entries = db
    .prepare('SELECT idx, trace_id, hash, body FROM ledger_entries WHERE idx >= ? ORDER BY idx')
    .all(account.from)
  const checkpoints = db
    .prepare('SELECT idx, hash, ts, key_id, signature FROM ledger_checkpoints WHERE idx >= ? ORDER BY idx')
    .all(account.from)
  const dir = join(dirname(path), ARCHIVE_DIR_NAME)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-')
  const file = join(dir, `unwitnessed-${stamp}-${account.from}-${account.to}.jsonl`)
  const lines = [
    ...entries.map((row) => JSON.stringify({ table: 'ledger_entries', ...(row as object) })),
    ...checkpoints.map((row) => JSON.stringify({ table: 'ledger_checkpoints', ...(row as object) })),
  ]
  writeFileAtomic(file, `${lines.join('\n')}\n`, 0o600)
  return file
}

/**
 * `localhub ledger recover`: copies the entries (and any checkpoint rows) after the witnessed head
 * to <data>/ledger-archive/unwitnessed-*.jsonl, then removes them, so the chain ends where the hub
 * left it. Refuses when the chain is broken anywhere else.
 */
export function recoverUnwitnessedTail(options: TailResolutionOptions = {}): TailResolution {
  const { db, settings, account } = openForResolution(options)
  try {
    if (account.kind !== 'unaccounted') return { action: 'none', head: account.head }
    const archivePath = archiveRows(db, settings.path, account, settings.clock.now())
    // The triggers guard against accidental writes; this is the one deliberate removal, archived first.
    db.transaction(() => {
      db.exec(
        'DROP TRIGGER IF EXISTS ledger_entries_no_delete; DROP TRIGGER IF EXISTS ledger_checkpoints_no_delete;',
      )
      db.prepare('DELETE FROM ledger_entries WHERE idx >= ?').run(account.from)
      db.prepare('DELETE FROM ledger_checkpoints WHERE idx >= ?').run(account.from)
      ensureLedgerSchema(db)
    }).immediate()
    const witness = readHeadWitness(settings.keysDir)
    // A pending head that never landed would otherwise name the removed range.
    if (witness?.pending != null) writeHeadWitness(settings.keysDir, { ...witness, pending: null })
    return { action: 'recovered', from: account.from, to: account.to, archivePath, head: account.base }
  } finally {
    db.close()
  }
}

/**
 * `localhub ledger adopt`: a person vouches for the entries after the witnessed head. The witness is
 * moved to the chain's end, then an entry recording the adoption is appended and signed, so the
 * audit trail shows who accepted which range.
 */
export function adoptUnwitnessedTail(options: TailResolutionOptions = {}): TailResolution {
  const { db, ledgerId, settings, account } = openForResolution(options)
  let adopted: Unaccounted
  try {
    if (account.kind !== 'unaccounted') return { action: 'none', head: account.head }
    adopted = account
    const last = db
      .prepare('SELECT idx, hash, ts, key_id, signature FROM ledger_checkpoints ORDER BY idx DESC LIMIT 1')
      .get() as { idx: number; hash: string; ts: string; key_id: string; signature: string } | undefined
    const checkpoint: Checkpoint | null =
      last === undefined
        ? null
        : {
            ledgerId,
            index: last.idx,
            hash: last.hash,
            ts: last.ts,
            keyId: last.key_id,
            signature: last.signature,
          }
    writeHeadWitness(settings.keysDir, { ledgerId, head: account.head, checkpoint, pending: null })
  } finally {
    db.close()
  }
  const ledger = openLedger({ ...options, path: settings.path, keysDir: settings.keysDir })
  try {
    const entry = ledger.append({
      traceId: `${ADOPT_ACTION}-${adopted.from}-${adopted.to}`,
      actorSkill: 'cli',
      action: ADOPT_ACTION,
      targets: [`ledger:${adopted.from}..${adopted.to}`],
      decision: 'approved',
      decidedBy: options.decidedBy ?? 'user',
      outcome: 'succeeded',
    })
    ledger.checkpoint()
    return {
      action: 'adopted',
      from: adopted.from,
      to: adopted.to,
      head: { index: entry.index, hash: entry.hash },
    }
  } finally {
    ledger.close()
  }
}
