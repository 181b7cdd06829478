import { HubError } from '../contracts/index.ts'
import { GENESIS_PREV_HASH, sealEntry, validateDraft } from './entry-hash.ts'
import { removeStaleTempFiles, writeHeadWitness } from './head-witness.ts'
import { type LedgerDatabase, openLedgerDatabase } from './ledger-database.ts'
import {
  DEFAULT_SHOW_LIMIT,
  type LedgerOptions,
  MAX_SHOW_LIMIT,
  resolveLedgerSettings,
} from './ledger-options.ts'
import type {
  Checkpoint,
  LedgerEntry,
  LedgerEntryDraft,
  LedgerHead,
  ShowQuery,
  VerifyReport,
} from './ledger-types.ts'
import { readEntries } from './read-entries.ts'
import { loadOrCreateSigningKey, type SigningKey, signCheckpoint } from './signing-keys.ts'
import { accountForTail, EMPTY_HEAD, type TailAccount, unwitnessedTailError } from './tail-account.ts'
import { type VerifyOptions, verifyLedgerDatabase } from './verify-chain.ts'

export interface Ledger {
  readonly path: string
  readonly ledgerId: string
  /** Appends one entry (validated, chained, committed) and publishes it; returns it with index and hash. */
  append(draft: LedgerEntryDraft): LedgerEntry
  /** Appends several entries in one transaction (one fsync). */
  appendMany(drafts: readonly LedgerEntryDraft[]): LedgerEntry[]
  head(): LedgerHead | null
  /** Signs the current head now (no-op when it is already signed); returns the newest checkpoint. */
  checkpoint(): Checkpoint | null
  show(query?: ShowQuery): LedgerEntry[]
  verify(options?: VerifyOptions): VerifyReport
  /** Signs the head if needed and closes the file. */
  close(): void
}

interface CheckpointRow {
  idx: number
  hash: string
  ts: string
  key_id: string
  signature: string
}

export function toCheckpoint(ledgerId: string, row: CheckpointRow): Checkpoint {
  return { ledgerId, index: row.idx, hash: row.hash, ts: row.ts, keyId: row.key_id, signature: row.signature }
}

export function validateShowQuery(query: ShowQuery): { traceId?: string; from?: number; limit: number } {
  const limit = query.limit ?? DEFAULT_SHOW_LIMIT
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SHOW_LIMIT) {
    throw new HubError('E_BAD_REQUEST', `limit must be an integer in 1..${MAX_SHOW_LIMIT}`)
  }
  if (query.from !== undefined && (!Number.isInteger(query.from) || query.from < 0)) {
    throw new HubError('E_BAD_REQUEST', 'from must be an integer >= 0')
  }
  if (query.traceId !== undefined && (typeof query.traceId !== 'string' || query.traceId.length === 0)) {
    throw new HubError('E_BAD_REQUEST', 'traceId must be a non-empty string')
  }
  return { ...query, limit }
}

/**
 * Opens the append-only audit ledger (<data>/ledger.sqlite) with its signing key (<data>/keys).
 * Throws E_IO with details.reason LEDGER_UNWITNESSED_TAIL when the chain ends in entries its head
 * witness cannot account for (decision 1320): the hub never signs or extends rows it did not write.
 */
export function openLedger(options: LedgerOptions = {}): Ledger {
  const settings = resolveLedgerSettings(options)
  const { db, ledgerId } = openLedgerDatabase(settings.path, { readonly: false, ...settings })
  let key: SigningKey
  // The highest head this ledger is known to have reached; a file that falls behind it was cut back,
  // and appending would paper over the cut (the new witness would match the shortened chain).
  let knownHead: LedgerHead | null = null
  try {
    removeStaleTempFiles(settings.keysDir)
    const account = accountForTail(db, ledgerId, settings.keysDir)
    if (account.kind === 'unaccounted') throw unwitnessedTailError(settings.path, account)
    const signed = (db.prepare('SELECT count(*) AS n FROM ledger_checkpoints').get() as { n: number }).n
    key = loadOrCreateSigningKey(settings.keysDir, signed === 0)
    knownHead = account.kind === 'behind' ? account.witnessed : account.head
    // A commit that landed before its witness was confirmed: confirm it now.
    if (account.kind === 'pending-landed') {
      writeHeadWitness(settings.keysDir, { ...account.witness, head: account.head, pending: null })
    }
  } catch (error) {
    db.close()
    throw error
  }
  const statements = prepare(db)
  let closed = false
  /** Refuses a head this handle cannot account for: cut back, or extended by someone else. */
  const refuseUnaccounted = (head: LedgerHead | null): void => {
    // Fast path: the head this handle (or its open) already accounted for.
    if (head === null ? knownHead === null : head.index === knownHead?.index && head.hash === knownHead.hash)
      return
    const account: TailAccount = accountForTail(db, ledgerId, settings.keysDir)
    if (account.kind === 'unaccounted') throw unwitnessedTailError(settings.path, account)
    const reached = account.kind === 'behind' ? account.witnessed : knownHead
    if (reached !== null && (head === null || head.index < reached.index)) {
      throw new HubError(
        'E_IO',
        `ledger ${settings.path} ends at ${head?.index ?? -1} but reached ${reached.index} before: its tail was removed; run \`localhub ledger verify\``,
      )
    }
  }

  const lastCheckpoint = (): Checkpoint | null => {
    const row = statements.lastCheckpoint.get() as CheckpointRow | undefined
    return row === undefined ? null : toCheckpoint(ledgerId, row)
  }
  const currentHead = (): LedgerHead | null => {
    const row = statements.head.get() as { idx: number; hash: string } | undefined
    return row === undefined ? null : { index: row.idx, hash: row.hash }
  }
  const signHead = (head: LedgerHead): Checkpoint => {
    const checkpoint = signCheckpoint(key, {
      ledgerId,
      index: head.index,
      hash: head.hash,
      ts: new Date(settings.clock.now()).toISOString(),
    })
    statements.insertCheckpoint.run(
      checkpoint.index,
      checkpoint.hash,
      checkpoint.ts,
      checkpoint.keyId,
      checkpoint.signature,
    )
    return checkpoint
  }
  const due = (head: LedgerHead, last: Checkpoint | null): boolean => {
    if (last === null) return true
    if (head.index - last.index >= settings.checkpointEveryEntries) return true
    return (
      settings.checkpointEveryMs > 0 &&
      settings.clock.now() - Date.parse(last.ts) >= settings.checkpointEveryMs
    )
  }

  // IMMEDIATE: the head is read inside the write lock, so two writers can never fork the chain.
  const appendTransaction = db.transaction((drafts: LedgerEntryDraft[]) => {
    let head = currentHead()
    refuseUnaccounted(head)
    const before = head
    const entries: LedgerEntry[] = []
    const ts = new Date(settings.clock.now()).toISOString()
    for (const draft of drafts) {
      const { entry, body } = sealEntry(
        draft,
        head === null ? 0 : head.index + 1,
        ts,
        head?.hash ?? GENESIS_PREV_HASH,
      )
      statements.insert.run(entry.index, entry.traceId, entry.hash, body)
      entries.push(entry)
      head = { index: entry.index, hash: entry.hash }
    }
    const previousCheckpoint = lastCheckpoint()
    let checkpoint = previousCheckpoint
    if (head !== null && due(head, checkpoint)) checkpoint = signHead(head)
    // Written under the write lock, before COMMIT: if the process dies after the commit but before
    // the witness is confirmed, the entries are still known to be the hub's own (decision 1320).
    if (head !== null) {
      writeHeadWitness(settings.keysDir, {
        ledgerId,
        head: before ?? EMPTY_HEAD,
        checkpoint: previousCheckpoint,
        pending: head,
      })
    }
    return { entries, head, checkpoint }
  })

  const publishAll = (entries: LedgerEntry[]): void => {
    if (settings.publish === undefined) return
    for (const entry of entries) {
      const report = (error: unknown) => settings.onPublishError?.(error, entry)
      try {
        const outcome = settings.publish(entry)
        if (outcome instanceof Promise) outcome.catch(report)
      } catch (error) {
        report(error)
      }
    }
  }

  const ensureOpen = (): void => {
    if (closed) throw new HubError('E_IO', `ledger ${settings.path} is closed`)
  }

  const appendMany = (drafts: readonly LedgerEntryDraft[]): LedgerEntry[] => {
    ensureOpen()
    if (!Array.isArray(drafts)) throw new HubError('E_VALIDATION', 'appendMany takes a list of entries')
    const clean = drafts.map(validateDraft)
    if (clean.length === 0) return []
    let result: ReturnType<typeof appendTransaction>
    try {
      result = appendTransaction.immediate(clean)
    } catch (error) {
      if (error instanceof HubError) throw error
      throw new HubError('E_IO', `ledger append failed: ${(error as Error).message}`, { cause: error })
    }
    knownHead = result.head
    if (result.head !== null) {
      writeHeadWitness(settings.keysDir, { ledgerId, head: result.head, checkpoint: result.checkpoint })
    }
    publishAll(result.entries)
    return result.entries
  }

  const checkpointNow = (): Checkpoint | null => {
    ensureOpen()
    const outcome = db
      .transaction(() => {
        const head = currentHead()
        refuseUnaccounted(head)
        const last = lastCheckpoint()
        if (head === null) return { head, checkpoint: last }
        return { head, checkpoint: last !== null && last.index === head.index ? last : signHead(head) }
      })
      .immediate()
    if (outcome.head !== null) {
      knownHead = outcome.head
      writeHeadWitness(settings.keysDir, { ledgerId, head: outcome.head, checkpoint: outcome.checkpoint })
    }
    return outcome.checkpoint
  }

  return {
    path: settings.path,
    ledgerId,
    append: (draft) => appendMany([draft])[0]!,
    appendMany,
    head: () => {
      ensureOpen()
      return currentHead()
    },
    checkpoint: checkpointNow,
    show: (query = {}) => {
      ensureOpen()
      return readEntries(db, validateShowQuery(query))
    },
    verify: (verifyOptions = {}) => {
      ensureOpen()
      return verifyLedgerDatabase(db, ledgerId, settings.keysDir, verifyOptions)
    },
    close: () => {
      if (closed) return
      try {
        checkpointNow()
      } catch {
        // A ledger found cut back or extended by hand is not signed over on the way out; verify() reports it.
      } finally {
        closed = true
        db.close()
      }
    },
  }
}

function prepare(db: LedgerDatabase) {
  return {
    head: db.prepare('SELECT idx, hash FROM ledger_entries ORDER BY idx DESC LIMIT 1'),
    insert: db.prepare('INSERT INTO ledger_entries (idx, trace_id, hash, body) VALUES (?, ?, ?, ?)'),
    lastCheckpoint: db.prepare(
      'SELECT idx, hash, ts, key_id, signature FROM ledger_checkpoints ORDER BY idx DESC LIMIT 1',
    ),
    insertCheckpoint: db.prepare(
      'INSERT INTO ledger_checkpoints (idx, hash, ts, key_id, signature) VALUES (?, ?, ?, ?, ?)',
    ),
  }
}
