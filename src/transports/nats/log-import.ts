import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { Kvm } from '@nats-io/kv'
import type { NatsConnection } from '@nats-io/transport-node'
import { type Envelope, HubError, type RegistryDocument } from '../../contracts/index.ts'
import { encodeEnvelope, storedHeaders } from './message-codec.ts'
import { hubNames, kvKey } from './names.ts'
import { DEFAULT_DUPLICATE_WINDOW_MS } from './nats-options.ts'
import { ensureStreams, openBuckets, storedSubjects } from './stream-setup.ts'

// Copies an existing event log into a hub's stream LH_<hubId> in the transport's own wire format
// (decision 1607): Nats-Msg-Id = event id, Lh-Type, Lh-Session-Seq. Into an empty stream the seqs
// are kept: the stream starts at the first event's seq, and a seq missing from the source (deleted
// by retention) is held by a placeholder on `hub.<id>._gap` that is purged at the end. A stream
// that already holds events gets the copies appended (new seqs).
// Idempotent without the duplicate window (decision 1640): every copy carries its source seq
// (Lh-Source-Seq); a kept-seq copy's stream seq is its source seq, and an appending copy says which
// stream seq it follows (Nats-Expected-Last-Sequence), so copies land in source order with nothing
// between them. Whatever a killed run left behind, the stream's last message says where the copy
// stands; the Nats-Msg-Id window is a second net.

/** The source log's seq of a copied event (absent on events the hub itself wrote). */
export const HEADER_SOURCE_SEQ = 'Lh-Source-Seq'

/** Publishes in flight at once (each is acknowledged before the batch counts as copied). */
export const DEFAULT_IMPORT_BATCH = 500

export interface ImportedEvent {
  /** The seq in the source log. */
  seq: number
  envelope: Envelope
}

export interface LogImportPlan {
  /** Whether seqs are kept (the stream was empty when the copy began). */
  preserveSeqs: boolean
  /** Source seqs up to here are in the stream already. */
  afterSeq: number
  /** The plan was found in the stream itself (its last message is a copy), not given by the caller. */
  foundInStream?: boolean
}

/** The source seq the stream's last message was copied from; undefined when it is not a copy. */
async function lastCopiedSourceSeq(
  manager: JetStreamManager,
  stream: string,
  lastSeq: number,
): Promise<{ sourceSeq: number; streamSeq: number } | undefined> {
  if (lastSeq === 0) return undefined
  let message: Awaited<ReturnType<JetStreamManager['streams']['getMessage']>>
  try {
    message = await manager.streams.getMessage(stream, { seq: lastSeq })
  } catch (error) {
    // Purged or deleted (a kept-seq copy's gap placeholders are purged at the end).
    if (/not found/i.test((error as Error).message)) return undefined
    throw error
  }
  const value = message?.header?.get(HEADER_SOURCE_SEQ)
  const sourceSeq = value === undefined || value === '' ? Number.NaN : Number(value)
  return Number.isSafeInteger(sourceSeq) ? { sourceSeq, streamSeq: lastSeq } : undefined
}

export interface LogImportProgress {
  copied: number
  lastSourceSeq: number
}

function gapSubject(prefix: string): string {
  return `${prefix}._gap`
}

async function setGapSubject(manager: JetStreamManager, stream: string, subject: string, present: boolean) {
  const info = await manager.streams.info(stream)
  const subjects = new Set(info.config.subjects ?? [])
  if (subjects.has(subject) === present) return
  if (present) subjects.add(subject)
  else subjects.delete(subject)
  await manager.streams.update(stream, { ...info.config, subjects: [...subjects] })
}

/**
 * Decides how a copy into the hub's stream goes: a first copy into an empty stream keeps seqs; a
 * copy that resumes keeps the mode it started with (`resumed`), and continues after the stream's
 * last seq (preserving) or after the source seq of the stream's last message when that is a copy,
 * else after `resumed.afterSeq` (appending). Without `resumed` (the caller's record lost), a stream
 * whose last message is a copy resumes from it too.
 */
export async function planLogImport(
  connection: NatsConnection,
  hubId: string,
  resumed: LogImportPlan | undefined,
): Promise<LogImportPlan> {
  const names = hubNames(`hub.${hubId}`)
  const manager = await jetstreamManager(connection)
  const info = await manager.streams.info(names.stream)
  const copied = await lastCopiedSourceSeq(manager, names.stream, info.state.last_seq)
  if (resumed !== undefined) {
    if (resumed.preserveSeqs) return { preserveSeqs: true, afterSeq: info.state.last_seq }
    return { preserveSeqs: false, afterSeq: copied?.sourceSeq ?? resumed.afterSeq }
  }
  if (copied !== undefined)
    return {
      preserveSeqs: copied.sourceSeq === copied.streamSeq,
      afterSeq: copied.sourceSeq,
      foundInStream: true,
    }
  // New means never written: a stream emptied later has used seqs the copy could not take again.
  return info.state.last_seq === 0
    ? { preserveSeqs: true, afterSeq: 0 }
    : { preserveSeqs: false, afterSeq: 0 }
}

/** Waits for every publish of a batch; checks kept seqs. */
async function settle(
  pending: { seq: number; ack: ReturnType<JetStreamClient['publish']>; placeholder: boolean }[],
  preserveSeqs: boolean,
): Promise<void> {
  for (const [index, item] of pending.entries()) {
    let ack: Awaited<typeof item.ack>
    try {
      ack = await item.ack
    } catch (error) {
      // The publishes after a refused one are refused too; their errors say nothing more.
      for (const rest of pending.slice(index + 1)) rest.ack.catch(() => undefined)
      if (/wrong last sequence/i.test((error as Error).message))
        throw new HubError(
          'E_BAD_REQUEST',
          `the stream refused the copy's expected last seq (${(error as Error).message}): another writer added to it during the copy — stop the hub and run the copy again, it resumes where the stream stands (after a purge, nats-server 2.9 needs a restart first)`,
        )
      throw error
    }
    if (preserveSeqs && ack.seq !== item.seq && !(ack.duplicate && !item.placeholder))
      throw new HubError(
        'E_BAD_REQUEST',
        `the stream gave seq ${ack.seq} to source seq ${item.seq}: another writer is using the stream; stop the hub and run the copy again`,
      )
  }
  pending.length = 0
}

/** Copies `events` (ascending source seqs, all after plan.afterSeq) into the hub's stream. */
export async function importLog(
  connection: NatsConnection,
  hubId: string,
  plan: LogImportPlan,
  events: AsyncIterable<ImportedEvent[]>,
  onBatch: (progress: LogImportProgress) => void | Promise<void>,
  batchSize = DEFAULT_IMPORT_BATCH,
): Promise<LogImportProgress> {
  const names = hubNames(`hub.${hubId}`)
  const manager = await jetstreamManager(connection)
  const js = jetstream(connection)
  const gap = gapSubject(names.prefix)
  let streamLast = (await manager.streams.info(names.stream)).state.last_seq
  // An appending copy says which stream seq each publish follows; a kept-seq copy does not need to
  // (the seq is the check) and cannot: nats-server 2.9 compares with a stale last seq after the
  // purge that moves an empty stream's first seq, until it restarts.
  const expect = (after: number) => (plan.preserveSeqs ? {} : { expect: { lastSequence: after } })
  let placeholders = false
  const progress: LogImportProgress = { copied: 0, lastSourceSeq: plan.afterSeq }
  const pending: Parameters<typeof settle>[0] = []
  for await (const page of events) {
    for (const { seq, envelope } of page) {
      if (plan.preserveSeqs && seq > streamLast + 1) {
        if (streamLast === 0 && (await manager.streams.info(names.stream)).state.messages === 0) {
          // An empty stream starts at the first seq: purging up to it moves the stream's first seq.
          await settle(pending, true)
          await manager.streams.purge(names.stream, { seq })
        } else {
          if (!placeholders) await setGapSubject(manager, names.stream, gap, true)
          placeholders = true
          for (let hole = streamLast + 1; hole < seq; hole++)
            pending.push({ seq: hole, ack: js.publish(gap, new Uint8Array(0)), placeholder: true })
          streamLast = seq - 1
        }
      } else if (plan.preserveSeqs && seq <= streamLast) continue
      const sessionSeq = envelope.sessionSeq
      const headers = storedHeaders(envelope, sessionSeq)
      headers.set(HEADER_SOURCE_SEQ, String(seq))
      pending.push({
        seq,
        placeholder: false,
        ack: js.publish(`${names.prefix}.${envelope.type}`, encodeEnvelope(envelope), {
          msgID: envelope.id,
          headers,
          ...expect(streamLast),
        }),
      })
      streamLast = plan.preserveSeqs ? seq : streamLast + 1
      progress.copied++
      progress.lastSourceSeq = seq
      if (pending.length >= batchSize) {
        await settle(pending, plan.preserveSeqs)
        await onBatch({ ...progress })
      }
    }
  }
  await settle(pending, plan.preserveSeqs)
  await onBatch({ ...progress })
  if (placeholders || (await manager.streams.info(names.stream)).config.subjects?.includes(gap)) {
    await manager.streams.purge(names.stream, { filter: gap })
    await setGapSubject(manager, names.stream, gap, false)
  }
  return progress
}

/**
 * Creates the hub's streams and KV buckets exactly as the transport does at open, without a bus
 * (no catalog compiled): subjects from the catalog's stored types.
 */
export async function prepareHubStream(
  connection: NatsConnection,
  hubId: string,
  registry: RegistryDocument,
  dedupeWindowMs: number,
  duplicateWindowMs = DEFAULT_DUPLICATE_WINDOW_MS,
): Promise<void> {
  const names = hubNames(`hub.${hubId}`)
  await ensureStreams(
    await jetstreamManager(connection),
    names,
    storedSubjects(registry, names.prefix),
    duplicateWindowMs,
  )
  await openBuckets(connection, names, dedupeWindowMs)
}

/** Raises each session's sessionSeq counter to at least the highest the source gave it. */
export async function raiseSessionCounters(
  connection: NatsConnection,
  hubId: string,
  maxima: Iterable<[sessionId: string, sessionSeq: number]>,
): Promise<number> {
  const names = hubNames(`hub.${hubId}`)
  const bucket = await new Kvm(connection).open(names.sessionBucket)
  let raised = 0
  for (const [sessionId, highest] of maxima) {
    const key = kvKey(sessionId)
    const entry = await bucket.get(key)
    const current = entry === null || entry.operation !== 'PUT' ? 0 : Number(entry.string()) || 0
    if (current >= highest) continue
    if (entry === null) await bucket.create(key, String(highest))
    else await bucket.update(key, String(highest), entry.revision)
    raised++
  }
  return raised
}
