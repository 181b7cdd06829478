import { DiscardPolicy, type JetStreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream'
import { type KV, Kvm } from '@nats-io/kv'
import type { NatsConnection } from '@nats-io/transport-node'
import type { RegistryDocument } from '../../contracts/index.ts'
import type { HubNames } from './names.ts'
import { nanos } from './nats-options.ts'

const DLQ_DUPLICATE_WINDOW_MS = 2 * 60 * 1000

function isNotFound(error: unknown): boolean {
  return /not found/i.test((error as Error)?.message ?? '')
}

/** The stream's subjects: one per stored type of the catalog (ephemeral types stay on core NATS). */
export function storedSubjects(registry: RegistryDocument, prefix: string): string[] {
  return [
    ...new Set(registry.entries.filter((entry) => entry.stored).map((entry) => `${prefix}.${entry.type}`)),
  ].sort()
}

/** Creates the log and DLQ streams (file storage), or widens the log's subjects to the catalog's. */
export async function ensureStreams(
  jsm: JetStreamManager,
  names: HubNames,
  subjects: string[],
  duplicateWindowMs: number,
): Promise<Set<string>> {
  let current: Set<string>
  try {
    const info = await jsm.streams.info(names.stream)
    current = new Set(info.config.subjects ?? [])
    const missing = subjects.filter((subject) => !current.has(subject))
    if (missing.length > 0) {
      const widened = [...current, ...missing]
      await jsm.streams.update(names.stream, { ...info.config, subjects: widened })
      current = new Set(widened)
    }
  } catch (error) {
    if (!isNotFound(error)) throw error
    await jsm.streams.add({
      name: names.stream,
      description: `Local Hub event log of hub ${names.hubId}`,
      subjects,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      num_replicas: 1,
      duplicate_window: nanos(duplicateWindowMs),
    })
    current = new Set(subjects)
  }
  try {
    await jsm.streams.info(names.dlqStream)
  } catch (error) {
    if (!isNotFound(error)) throw error
    await jsm.streams.add({
      name: names.dlqStream,
      description: `Local Hub dead letters and DLQ retries of hub ${names.hubId}`,
      subjects: [names.dlqFilter, names.redoSubject('>')],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      num_replicas: 1,
      duplicate_window: nanos(DLQ_DUPLICATE_WINDOW_MS),
    })
  }
  return current
}

/** The two KV buckets: session counters (no TTL) and idempotency claims (TTL = the bus window). */
export async function openBuckets(
  nc: NatsConnection,
  names: HubNames,
  dedupeWindowMs: number,
): Promise<{ sessions: KV; idempotency: KV }> {
  const kvm = new Kvm(nc)
  const sessions = await kvm.create(names.sessionBucket, { history: 1 })
  const idempotency = await kvm.create(names.idempotencyBucket, { history: 1, ttl: dedupeWindowMs })
  return { sessions, idempotency }
}
