import { dirname } from 'node:path'
import { HubError } from '../contracts/index.ts'
import { GENESIS_PREV_HASH } from './entry-hash.ts'
import { type HeadWitness, readHeadWitness } from './head-witness.ts'
import type { LedgerDatabase } from './ledger-database.ts'
import type { LedgerHead } from './ledger-types.ts'
import { checkRow, type EntryRow } from './verify-chain.ts'

/** The stable reason a writer refuses a ledger whose tail it cannot account for (details.reason). */
export const UNWITNESSED_TAIL_REASON = 'LEDGER_UNWITNESSED_TAIL'
/** Where the witness says "nothing yet": the head before the first entry. */
export const EMPTY_HEAD: LedgerHead = Object.freeze({ index: -1, hash: GENESIS_PREV_HASH })

/**
 * How the chain's end relates to the head witness:
 * - `witnessed`: it ends exactly at the witnessed head (or is empty with no witness);
 * - `pending-landed`: it ends at the witness's pending head, the entries after the witnessed head
 *   chaining from it: the hub committed them and crashed before confirming the witness;
 * - `behind`: it ends before the witnessed head (the tail was removed);
 * - `unaccounted`: something the hub did not write: rows after the witnessed head, a witnessed head
 *   that differs from the row at its index, or no usable witness for a non-empty chain.
 */
export type TailAccount =
  | { kind: 'witnessed'; head: LedgerHead | null; witness: HeadWitness | undefined }
  | { kind: 'pending-landed'; head: LedgerHead; witness: HeadWitness }
  | { kind: 'behind'; head: LedgerHead | null; witnessed: LedgerHead }
  | {
      kind: 'unaccounted'
      head: LedgerHead
      /** The newest entry the witness vouches for; null when it vouches for none. */
      base: LedgerHead | null
      /** First and last index the witness cannot account for. */
      from: number
      to: number
      reason: string
    }

function rowAt(db: LedgerDatabase, index: number): EntryRow | undefined {
  return db.prepare('SELECT idx, trace_id, hash, body FROM ledger_entries WHERE idx = ?').get(index) as
    | EntryRow
    | undefined
}

function headOf(db: LedgerDatabase): LedgerHead | null {
  const row = db.prepare('SELECT idx, hash FROM ledger_entries ORDER BY idx DESC LIMIT 1').get() as
    | { idx: number; hash: string }
    | undefined
  return row === undefined ? null : { index: row.idx, hash: row.hash }
}

/** True when the rows after `base` chain from it, one by one, and end at `head`. */
function tailChains(db: LedgerDatabase, base: LedgerHead, head: LedgerHead): boolean {
  let prevHash = base.hash
  let expected = base.index + 1
  for (const row of db
    .prepare('SELECT idx, trace_id, hash, body FROM ledger_entries WHERE idx > ? ORDER BY idx')
    .iterate(base.index) as IterableIterator<EntryRow>) {
    if (checkRow(row, expected, prevHash) !== null) return false
    prevHash = row.hash
    expected++
  }
  return expected - 1 === head.index && prevHash === head.hash
}

/** Compares the chain's end with the head witness in keysDir (cost: a few rows and one small file). */
export function accountForTail(db: LedgerDatabase, ledgerId: string, keysDir: string): TailAccount {
  const head = headOf(db)
  let witness: HeadWitness | undefined
  try {
    witness = readHeadWitness(keysDir)
  } catch (error) {
    if (head === null) return { kind: 'witnessed', head, witness: undefined }
    return unaccounted(head, null, (error as Error).message)
  }
  if (witness === undefined) {
    if (head === null) return { kind: 'witnessed', head, witness }
    return unaccounted(head, null, `there is no head witness in ${keysDir}`)
  }
  if (witness.ledgerId !== ledgerId) {
    if (head === null) return { kind: 'witnessed', head, witness: undefined }
    return unaccounted(head, null, `the head witness belongs to another ledger (${witness.ledgerId})`)
  }
  const witnessed = witness.head
  if (head === null || head.index < witnessed.index) {
    return witnessed.index < 0 ? { kind: 'witnessed', head, witness } : { kind: 'behind', head, witnessed }
  }
  if (witnessed.index >= 0 && rowAt(db, witnessed.index)?.hash !== witnessed.hash) {
    return unaccounted(head, null, `entry ${witnessed.index} differs from the head witness`)
  }
  if (head.index === witnessed.index) return { kind: 'witnessed', head, witness }
  const pending = witness.pending
  if (
    pending != null &&
    pending.index === head.index &&
    pending.hash === head.hash &&
    tailChains(db, witnessed, head)
  ) {
    return { kind: 'pending-landed', head, witness }
  }
  return unaccounted(
    head,
    witnessed.index < 0 ? null : witnessed,
    `${head.index - witnessed.index} entries after the witnessed head ${witnessed.index} were not written by this hub`,
  )
}

function unaccounted(head: LedgerHead, base: LedgerHead | null, reason: string): TailAccount {
  return { kind: 'unaccounted', head, base, from: (base?.index ?? -1) + 1, to: head.index, reason }
}

/** The error a writer raises instead of extending a chain it cannot account for. */
export function unwitnessedTailError(
  path: string,
  account: Extract<TailAccount, { kind: 'unaccounted' }>,
): HubError {
  const range =
    account.from === account.to ? `entry ${account.from}` : `entries ${account.from}..${account.to}`
  const data = `--data ${JSON.stringify(dirname(path))}`
  return new HubError(
    'E_IO',
    `[${UNWITNESSED_TAIL_REASON}] ledger ${path}: ${range} cannot be accounted for (${account.reason}); ` +
      `the hub will not sign or extend them. Inspect with \`localhub ledger verify ${data}\`, then either ` +
      `\`localhub ledger recover ${data}\` (archive and remove them) or \`localhub ledger adopt ${data}\` (vouch for them)`,
    {
      details: {
        reason: UNWITNESSED_TAIL_REASON,
        from: account.from,
        to: account.to,
        recover: `localhub ledger recover ${data}`,
        adopt: `localhub ledger adopt ${data}`,
      },
    },
  )
}
