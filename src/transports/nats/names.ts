import { createHash } from 'node:crypto'
import { HubError } from '../../contracts/index.ts'

// Names of everything this transport creates on the server for one hub. The hub id is already
// restricted to letters, digits, _ and - by the bus, which is what stream and bucket names allow.

export interface HubNames {
  hubId: string
  /** `hub.<hubId>` */
  prefix: string
  /** The log: one subject per stored type. */
  stream: string
  /** Dead letters and DLQ retries. */
  dlqStream: string
  dlqSubject(consumerToken: string): string
  dlqFilter: string
  redoSubject(consumerToken: string): string
  sessionBucket: string
  idempotencyBucket: string
}

export function hubNames(subjectPrefix: string): HubNames {
  const match = /^hub\.([A-Za-z0-9_-]+)$/.exec(subjectPrefix)
  if (match === null)
    throw new HubError(
      'E_BAD_REQUEST',
      `nats transport: subject prefix must be hub.<hubId>, got ${subjectPrefix}`,
    )
  const hubId = match[1]!
  const prefix = subjectPrefix
  return Object.freeze({
    hubId,
    prefix,
    stream: `LH_${hubId}`,
    dlqStream: `LH_${hubId}_DLQ`,
    // Under the hub's prefix (so federation permissions for hub.<id>.> cover them); an underscore
    // token never names a catalog type, so these never overlap the log's subjects.
    dlqSubject: (token: string) => `${prefix}._dlq.${token}`,
    dlqFilter: `${prefix}._dlq.>`,
    redoSubject: (token: string) => `${prefix}._redo.${token}`,
    sessionBucket: `lh_${hubId}_session_seq`,
    idempotencyBucket: `lh_${hubId}_idempotency`,
  })
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10)
}

/**
 * A JetStream consumer name (also a subject token) for a bus consumer name: bus names may hold
 * '.', '*' and '>' (generated queue names carry the pattern), which JetStream forbids.
 */
export function consumerToken(busName: string): string {
  const safe = busName.replace(/[^A-Za-z0-9_-]/g, '_')
  if (safe === busName && safe.length <= 48) return safe
  return `${safe.slice(0, 36)}_${shortHash(busName)}`
}

/** A KV key for any text (session ids and dedupe keys are free text; KV keys are not). */
export function kvKey(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** The type an event subject carries, or undefined when it is not under the prefix. */
export function typeOfSubject(prefix: string, subject: string): string | undefined {
  // `startsWith(prefix + '.')` without building that string for every message consumed.
  return subject.charCodeAt(prefix.length) === 46 && subject.startsWith(prefix)
    ? subject.slice(prefix.length + 1)
    : undefined
}
