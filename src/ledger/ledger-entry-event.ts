// The ledger.entry event for a committed entry. Built here, typed by the catalog, so a field the
// ledger renames or drops, or a type that drifts, fails the type check instead of the bus at run time.
import type { DraftOf } from '../contracts/index.ts'
import type { LedgerEntry } from './ledger-types.ts'

export function ledgerEntryEvent(entry: LedgerEntry, source: string): DraftOf<'ledger.entry'> {
  return { type: 'ledger.entry', traceId: entry.traceId, source, payload: entry }
}
