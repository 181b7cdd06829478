import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from './atomic-file.ts'
import type { Checkpoint, LedgerHead } from './ledger-types.ts'

export const HEAD_WITNESS_FILE = 'ledger-head.json'

/**
 * A small file beside the keys that remembers the chain's head after every commit and the newest
 * signed checkpoint. It lets verify() notice a ledger file that was cut back or replaced by an older
 * copy, as long as whoever did it did not also rewrite this file.
 */
export interface HeadWitness {
  ledgerId: string
  head: LedgerHead
  checkpoint: Checkpoint | null
}

export function witnessPath(keysDir: string): string {
  return join(keysDir, HEAD_WITNESS_FILE)
}

export function writeHeadWitness(keysDir: string, witness: HeadWitness): void {
  writeFileAtomic(witnessPath(keysDir), `${JSON.stringify(witness)}\n`, 0o600)
}

/** undefined when absent; throws a readable message when present but not a witness. */
export function readHeadWitness(keysDir: string): HeadWitness | undefined {
  const path = witnessPath(keysDir)
  if (!existsSync(path)) return undefined
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as HeadWitness
  const head = parsed?.head
  if (
    typeof parsed?.ledgerId !== 'string' ||
    typeof head?.index !== 'number' ||
    typeof head?.hash !== 'string' ||
    (parsed.checkpoint !== null && typeof parsed.checkpoint?.signature !== 'string')
  ) {
    throw new Error(`${path} is not a ledger head witness`)
  }
  return parsed
}
