import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from './atomic-file.ts'
import type { Checkpoint, LedgerHead } from './ledger-types.ts'

export const HEAD_WITNESS_FILE = 'ledger-head.json'

/**
 * A small file beside the keys that remembers the chain's head and the newest signed checkpoint.
 * It lets verify() notice a ledger file that was cut back, replaced by an older copy or extended by
 * hand, as long as whoever did it did not also rewrite this file.
 *
 * Every commit writes it twice (decision 1320): before the commit with `pending` = the head the
 * commit will produce, and after it with `head` = that head. A crash between the two leaves a
 * witness whose `pending` names exactly the entries the hub wrote, so they are never confused with
 * rows someone else appended.
 */
export interface HeadWitness {
  ledgerId: string
  head: LedgerHead
  checkpoint: Checkpoint | null
  /** The head of a commit in flight when the witness was written; absent once it is confirmed. */
  pending?: LedgerHead | null
}

export function witnessPath(keysDir: string): string {
  return join(keysDir, HEAD_WITNESS_FILE)
}

export function writeHeadWitness(keysDir: string, witness: HeadWitness): void {
  writeFileAtomic(witnessPath(keysDir), `${JSON.stringify(witness)}\n`, 0o600)
}

function isHead(value: unknown): value is LedgerHead {
  const head = value as LedgerHead | null | undefined
  return Number.isInteger(head?.index) && typeof head?.hash === 'string'
}

/** undefined when absent; throws a readable message when present but not a witness. */
export function readHeadWitness(keysDir: string): HeadWitness | undefined {
  const path = witnessPath(keysDir)
  if (!existsSync(path)) return undefined
  let parsed: HeadWitness
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as HeadWitness
  } catch {
    throw new Error(`${path} is not a ledger head witness (not JSON)`)
  }
  if (
    typeof parsed?.ledgerId !== 'string' ||
    !isHead(parsed.head) ||
    (parsed.checkpoint !== null && typeof parsed.checkpoint?.signature !== 'string') ||
    (parsed.pending !== undefined && parsed.pending !== null && !isHead(parsed.pending))
  ) {
    throw new Error(`${path} is not a ledger head witness`)
  }
  return parsed
}

// Temp files of writeFileAtomic: `<name>.<12 hex>.tmp`.
const STALE_TEMP = /^(ledger-head\.json|ledger-ed25519\.(key|pub))\.[0-9a-f]{12}\.tmp$/

/**
 * Removes temp files an interrupted atomic write (SIGKILL between open and rename) left in the keys
 * folder. Only called by a writer at open, when no write of this ledger is in flight in this process.
 */
export function removeStaleTempFiles(keysDir: string): string[] {
  if (!existsSync(keysDir)) return []
  const removed: string[] = []
  for (const name of readdirSync(keysDir)) {
    if (!STALE_TEMP.test(name)) continue
    rmSync(join(keysDir, name), { force: true })
    removed.push(name)
  }
  return removed
}
