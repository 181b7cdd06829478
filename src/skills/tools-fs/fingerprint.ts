import { canonicalJson, sha256Text } from '../../ledger/index.ts'
import type { FileIdentity } from './file-identity.ts'
import type { Operation, Plan } from './plan-types.ts'

function parentIdentity(identity: FileIdentity | null): { dev: string; ino: string } | null {
  return identity === null ? null : { dev: identity.dev, ino: identity.ino }
}

/**
 * sha256 over canonical JSON of everything the preview claims: the tool and its arguments, the diff,
 * the files with their real paths and identities, the full tree listings and the parents' inodes.
 * Re-planning at execution time must produce the same value, or the preview is stale.
 */
export function fingerprintOf(
  plan: Omit<Plan, 'fingerprint' | 'createdAt'>,
  operations: Operation[],
  parents: (FileIdentity | null)[],
): string {
  const material = {
    tool: plan.tool,
    args: plan.args,
    diff: plan.diff,
    files: plan.files,
    operations: operations.map((operation) =>
      operation.kind === 'write'
        ? {
            kind: operation.kind,
            real: operation.real,
            mode: operation.mode,
            expected: operation.expected,
            missingDirs: operation.missingDirs,
          }
        : operation.kind === 'remove-file'
          ? { kind: operation.kind, real: operation.real, expected: operation.expected }
          : {
              kind: operation.kind,
              real: operation.real,
              to: operation.to,
              expected: operation.expected,
              listing: operation.listing,
            },
    ),
    parents: parents.map(parentIdentity),
  }
  return sha256Text(canonicalJson(material))
}

/** Aggregate hash over several files' hashes (a single file's own hash when there is one). */
export function combinedHash(files: { path: string; hash: string | null }[]): string | null {
  if (files.length === 1) return files[0]!.hash
  if (files.every((file) => file.hash === null)) return null
  return sha256Text(canonicalJson(files))
}
