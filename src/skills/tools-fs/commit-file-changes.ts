import { randomBytes } from 'node:crypto'
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { HubError } from '../../contracts/index.ts'
import { type FileIdentity, lstatIdentity } from './file-identity.ts'
import type { RemoveFileOperation, WriteOperation } from './plan-types.ts'

const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW

export function sideName(real: string, purpose: string): string {
  return join(
    dirname(real),
    `.${basename(real).slice(0, 100)}.localhub-${purpose}-${randomBytes(6).toString('hex')}`,
  )
}

export function stale(message: string): HubError {
  return new HubError(
    'E_PERMISSION_REQUIRED',
    `stale preview: ${message}; plan again and ask for a new approval`,
    {
      details: { reason: 'stale-preview' },
    },
  )
}

/** Same inode, size, mtime and mode as when planned (ctime only when asked: rename updates it). */
export function unchanged(
  expected: FileIdentity,
  actual: FileIdentity | undefined,
  withCtime = true,
): boolean {
  return (
    actual !== undefined &&
    actual.dev === expected.dev &&
    actual.ino === expected.ino &&
    actual.size === expected.size &&
    actual.mtimeNs === expected.mtimeNs &&
    actual.mode === expected.mode &&
    (!withCtime || actual.ctimeNs === expected.ctimeNs)
  )
}

function checkTargets(operations: (WriteOperation | RemoveFileOperation)[]): void {
  for (const operation of operations) {
    const actual = lstatIdentity(operation.real)
    if (operation.expected === null) {
      if (actual !== undefined) throw stale(`${operation.display} appeared after the preview`)
    } else if (!unchanged(operation.expected, actual))
      throw stale(`${operation.display} changed after the preview`)
  }
}

function writeTemp(operation: WriteOperation): string {
  const temp = sideName(operation.real, 'new')
  const fd = openSync(temp, TEMP_FLAGS, operation.mode)
  try {
    for (let done = 0; done < operation.content.length; ) done += writeSync(fd, operation.content, done)
    fchmodSync(fd, operation.mode) // the umask must not strip the original's bits
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  return temp
}

function fsyncDirectory(path: string): void {
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY)
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    // Best effort: some file systems refuse fsync on directories.
  }
}

type Done =
  | { kind: 'replaced'; real: string; backup: string }
  | { kind: 'created'; real: string }
  | { kind: 'removed'; real: string; backup: string }

/**
 * Applies writes and removals to several files as one unit: temp files are written and synced first,
 * then each target is swapped in with rename (originals kept as hard-linked backups); if any step
 * fails, everything done so far is rolled back, so either all files change or none do.
 */
/** `hooks.beforeSwap` lets tests fail the commit between two swaps to exercise the rollback. */
export function commitFileChanges(
  operations: (WriteOperation | RemoveFileOperation)[],
  hooks: { beforeSwap?: (index: number) => void } = {},
): void {
  checkTargets(operations)
  const createdDirs: string[] = []
  const temps = new Map<WriteOperation, string>()
  const done: Done[] = []
  try {
    for (const operation of operations) {
      if (operation.kind !== 'write') continue
      for (const dir of operation.missingDirs) {
        mkdirSync(dir) // not recursive: an existing (possibly swapped-in) directory is an error
        createdDirs.push(dir)
      }
      temps.set(operation, writeTemp(operation))
    }
    // Second look right before swapping, to keep the window between check and rename small.
    checkTargets(operations)
    for (const [index, operation] of operations.entries()) {
      hooks.beforeSwap?.(index)
      if (operation.kind === 'remove-file') {
        const backup = sideName(operation.real, 'old')
        renameSync(operation.real, backup)
        done.push({ kind: 'removed', real: operation.real, backup })
        continue
      }
      const temp = temps.get(operation)!
      if (operation.expected === null) {
        linkSync(temp, operation.real) // fails if the name appeared meanwhile: never clobbers
        unlinkSync(temp)
        temps.delete(operation)
        done.push({ kind: 'created', real: operation.real })
      } else {
        const backup = sideName(operation.real, 'old')
        linkSync(operation.real, backup)
        renameSync(temp, operation.real)
        temps.delete(operation)
        done.push({ kind: 'replaced', real: operation.real, backup })
      }
    }
  } catch (error) {
    rollBack(done, temps, createdDirs)
    if (error instanceof HubError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw stale('a file appeared after the preview')
    throw new HubError(
      'E_IO',
      `could not apply the changes (nothing was changed): ${(error as Error).message}`,
      { cause: error },
    )
  }
  for (const step of done) if (step.kind !== 'created') rmSync(step.backup, { force: true })
  for (const dir of new Set(operations.map((operation) => dirname(operation.real)))) fsyncDirectory(dir)
}

function rollBack(done: Done[], temps: Map<WriteOperation, string>, createdDirs: string[]): void {
  for (const step of [...done].reverse()) {
    try {
      if (step.kind === 'created') unlinkSync(step.real)
      else renameSync(step.backup, step.real)
    } catch {
      // Keep going: restore as much as possible.
    }
  }
  for (const temp of temps.values()) rmSync(temp, { force: true })
  for (const dir of createdDirs.reverse()) {
    try {
      rmdirSync(dir)
    } catch {
      // Not empty any more (someone else wrote there): leave it.
    }
  }
}
