// What the connected nats-server can do, from its version. The transport runs on 2.9 (Debian's
// nats-server 2.9.10) and says plainly what only newer servers offer.

export interface ServerFeatures {
  version: string
  /** Consumer FilterSubjects (several filters on one consumer): 2.10. */
  multipleFilterSubjects: boolean
  /** Stream subject transforms: 2.10. */
  subjectTransforms: boolean
  /** The `sync_interval` config key (incl. `always`): 2.10; 2.9 always syncs every 2 minutes. */
  syncIntervalConfig: boolean
  /** Per-message TTL (Nats-TTL header, allow_msg_ttl): 2.11. */
  perMessageTtl: boolean
  /** A reason text on +TERM and consumer metadata: 2.10/2.11. */
  termReason: boolean
}

export function parseVersion(version: string): [number, number, number] {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version)
  return match === null ? [0, 0, 0] : [Number(match[1]), Number(match[2]), Number(match[3])]
}

export function atLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = parseVersion(version)
  return a > major || (a === major && b >= minor)
}

export function serverFeatures(version: string): ServerFeatures {
  return Object.freeze({
    version,
    multipleFilterSubjects: atLeast(version, 2, 10),
    subjectTransforms: atLeast(version, 2, 10),
    syncIntervalConfig: atLeast(version, 2, 10),
    perMessageTtl: atLeast(version, 2, 11),
    termReason: atLeast(version, 2, 11),
  })
}

/** Human-readable list of what this server lacks (for docs, `localhub nats config` and logs). */
export function unavailableFeatures(features: ServerFeatures): string[] {
  const missing: string[] = []
  if (!features.multipleFilterSubjects)
    missing.push('consumer FilterSubjects (several filters per consumer) needs 2.10')
  if (!features.subjectTransforms) missing.push('stream subject transforms need 2.10')
  if (!features.syncIntervalConfig)
    missing.push('the sync_interval key (and sync_interval: always) needs 2.10; 2.9 fsyncs every 2 minutes')
  if (!features.perMessageTtl) missing.push('per-message TTL needs 2.11')
  if (!features.termReason) missing.push('a reason on +TERM needs 2.11')
  return missing
}
