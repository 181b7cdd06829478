import { createHash, type KeyObject } from 'node:crypto'
import { GENESIS_PREV_HASH } from './entry-hash.ts'
import { type HeadWitness, readHeadWitness } from './head-witness.ts'
import type { LedgerDatabase } from './ledger-database.ts'
import type { Checkpoint, LedgerBreak, LedgerHead, VerifyReport } from './ledger-types.ts'
import { checkpointSignatureValid, loadPublicKey } from './signing-keys.ts'

export interface EntryRow {
  idx: number
  trace_id: string
  hash: string
  body: string
}

interface CheckpointRow {
  idx: number
  hash: string
  ts: string
  key_id: string
  signature: string
}

function earliest(a: LedgerBreak | null, b: LedgerBreak | null): LedgerBreak | null {
  if (a === null) return b
  if (b === null) return a
  return b.index < a.index ? b : a
}

/** One row against its expected position and predecessor; null when it follows correctly. */
export function checkRow(row: EntryRow, expected: number, prevHash: string): LedgerBreak | null {
  if (row.idx !== expected) {
    return {
      index: expected,
      kind: 'missing',
      message: `entry ${expected} is missing (the next stored entry is ${row.idx})`,
    }
  }
  if (createHash('sha256').update(row.body).digest('hex') !== row.hash) {
    return {
      index: expected,
      kind: 'hash-mismatch',
      message: `entry ${expected} was edited: its content does not hash to its stored hash`,
    }
  }
  let body: { index?: unknown; prevHash?: unknown; traceId?: unknown }
  try {
    body = JSON.parse(row.body) as typeof body
  } catch {
    return { index: expected, kind: 'unreadable', message: `entry ${expected} is not JSON` }
  }
  if (body.index !== expected) {
    return {
      index: expected,
      kind: 'index-mismatch',
      message: `entry stored at ${expected} says it is entry ${String(body.index)} (rows were moved or swapped)`,
    }
  }
  if (body.prevHash !== prevHash) {
    return {
      index: expected,
      kind: 'prev-hash-mismatch',
      message: `entry ${expected} does not follow entry ${expected - 1} (an entry before it was changed, removed or inserted)`,
    }
  }
  if (body.traceId !== row.trace_id) {
    return {
      index: expected,
      kind: 'column-mismatch',
      message: `entry ${expected}'s trace_id column was edited`,
    }
  }
  return null
}

function checkCheckpoint(
  checkpoint: Checkpoint,
  ledgerId: string,
  key: { keyId: string; publicKey: KeyObject } | undefined,
  chainLength: number,
  chainHashAt: Map<number, string>,
): LedgerBreak | null {
  const at = checkpoint.index
  if (checkpoint.ledgerId !== ledgerId) {
    return {
      index: at,
      kind: 'checkpoint-signature',
      message: `checkpoint at ${at} belongs to another ledger`,
    }
  }
  if (
    key !== undefined &&
    (checkpoint.keyId !== key.keyId || !checkpointSignatureValid(key.publicKey, checkpoint))
  ) {
    return {
      index: at,
      kind: 'checkpoint-signature',
      message: `the signature of the checkpoint at entry ${at} is not valid`,
    }
  }
  if (at >= chainLength) {
    return {
      index: chainLength,
      kind: 'truncated',
      message: `a signed checkpoint covers entry ${at} but the chain ends at ${chainLength - 1}: the tail was removed`,
    }
  }
  if (chainHashAt.get(at) !== checkpoint.hash) {
    return {
      index: at,
      kind: 'checkpoint-mismatch',
      message: `entry ${at} differs from what its signed checkpoint recorded (the chain was rewritten)`,
    }
  }
  return null
}

function checkWitness(
  witness: HeadWitness,
  ledgerId: string,
  chainLength: number,
  chainHashAt: Map<number, string>,
): LedgerBreak | null {
  if (witness.ledgerId !== ledgerId) {
    return {
      index: 0,
      kind: 'witness',
      message: `the head witness belongs to another ledger (${witness.ledgerId})`,
    }
  }
  const at = witness.head.index
  if (at < 0) return null
  if (at >= chainLength) {
    return {
      index: chainLength,
      kind: 'truncated',
      message: `the chain ends at ${chainLength - 1} but the head witness recorded entry ${at}: ${at - chainLength + 1} entries were removed from the tail`,
    }
  }
  if (chainHashAt.get(at) !== witness.head.hash) {
    return {
      index: at,
      kind: 'witness',
      message: `entry ${at} differs from the head witness (the ledger was rewritten from there)`,
    }
  }
  return null
}

export interface VerifyOptions {
  /** Report entries after the witnessed head as a warning instead of a break (the old behaviour). */
  allowUnwitnessedTail?: boolean
}

/** Checks the whole chain, every signed checkpoint and the head witness; reports the earliest problem. */
export function verifyLedgerDatabase(
  db: LedgerDatabase,
  ledgerId: string,
  keysDir: string,
  options: VerifyOptions = {},
): VerifyReport {
  const warnings: string[] = []
  const checkpoints: Checkpoint[] = (
    db
      .prepare('SELECT idx, hash, ts, key_id, signature FROM ledger_checkpoints ORDER BY idx')
      .all() as CheckpointRow[]
  ).map((row) => ({
    ledgerId,
    index: row.idx,
    hash: row.hash,
    ts: row.ts,
    keyId: row.key_id,
    signature: row.signature,
  }))
  let witness: HeadWitness | undefined
  try {
    witness = readHeadWitness(keysDir)
  } catch (error) {
    warnings.push((error as Error).message)
  }
  // The witness keeps the newest checkpoint too, so deleting checkpoint rows from the file does not hide it.
  const witnessed = witness?.checkpoint ?? null
  if (witnessed !== null && !checkpoints.some((checkpoint) => checkpoint.index === witnessed.index)) {
    checkpoints.push(witnessed)
  }

  const wanted = new Set(checkpoints.map((checkpoint) => checkpoint.index))
  if (witness !== undefined) wanted.add(witness.head.index)
  const chainHashAt = new Map<number, string>()
  let broken: LedgerBreak | null = null
  let length = 0
  let prevHash = GENESIS_PREV_HASH
  for (const row of db
    .prepare('SELECT idx, trace_id, hash, body FROM ledger_entries ORDER BY idx')
    .iterate() as IterableIterator<EntryRow>) {
    broken = checkRow(row, length, prevHash)
    if (broken !== null) break
    if (wanted.has(row.idx)) chainHashAt.set(row.idx, row.hash)
    prevHash = row.hash
    length++
  }
  const chainBroken = broken !== null
  const head: LedgerHead | null = !chainBroken && length > 0 ? { index: length - 1, hash: prevHash } : null

  const key = loadPublicKey(keysDir)
  if (checkpoints.length > 0 && key === undefined)
    warnings.push(`no public key in ${keysDir}: checkpoint signatures were not checked`)
  let lastCheckpoint: Checkpoint | null = null
  for (const checkpoint of checkpoints) {
    const problem = checkCheckpoint(checkpoint, ledgerId, key, length, chainHashAt)
    if (problem !== null) broken = earliest(broken, problem)
    else if (lastCheckpoint === null || checkpoint.index > lastCheckpoint.index) lastCheckpoint = checkpoint
  }

  let unwitnessedTail = 0
  let witnessedUpTo = -1
  if (witness === undefined) {
    if (checkpoints.length > 0) {
      broken = earliest(broken, {
        index: length,
        kind: 'witness',
        message: `the head witness in ${keysDir} is missing: truncation of the tail cannot be ruled out`,
      })
    } else unwitnessedTail = length
  } else {
    const problem = checkWitness(witness, ledgerId, length, chainHashAt)
    if (problem !== null) broken = earliest(broken, problem)
    else {
      witnessedUpTo = witness.head.index
      const pending = witness.pending
      // The whole chain was checked above, so a pending head equal to the chain's end vouches for it.
      if (pending != null && !chainBroken && pending.index === length - 1 && pending.hash === prevHash) {
        if (pending.index > witnessedUpTo) {
          warnings.push(
            `entries ${witnessedUpTo + 1}..${pending.index} were committed but their witness was not confirmed (a crash between commit and witness write); the pending witness accounts for them`,
          )
        }
        witnessedUpTo = pending.index
      }
      unwitnessedTail = Math.max(0, length - 1 - witnessedUpTo)
    }
  }
  if (unwitnessedTail > 0) {
    const message = `${unwitnessedTail} entries after the witnessed head (${witnessedUpTo}) were not written by this hub as far as its witness knows: rows added by hand or by another program; run \`localhub ledger recover\` or \`localhub ledger adopt\``
    if (options.allowUnwitnessedTail === true) warnings.push(message)
    else broken = earliest(broken, { index: witnessedUpTo + 1, kind: 'unwitnessed', message })
  }
  const unsignedTail = lastCheckpoint === null ? length : length - 1 - lastCheckpoint.index
  if (broken === null && unsignedTail > 0) {
    warnings.push(
      `${unsignedTail} entries after the last signed checkpoint are vouched for only by the head witness`,
    )
  }
  return {
    ok: broken === null,
    entries: length,
    head,
    checkpoints: checkpoints.length,
    lastCheckpoint,
    unsignedTail,
    unwitnessedTail,
    broken,
    warnings,
  }
}
