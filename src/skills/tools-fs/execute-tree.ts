import { linkSync, lstatSync, renameSync, rmSync, unlinkSync } from 'node:fs'
import { HubError } from '../../contracts/index.ts'
import { sideName, stale, unchanged } from './commit-file-changes.ts'
import { lstatIdentity } from './file-identity.ts'
import type { TreeOperation } from './plan-types.ts'
import { listTree } from './tree-listing.ts'

const UNBOUNDED = { maxEntries: Number.MAX_SAFE_INTEGER, maxHashBytes: Number.MAX_SAFE_INTEGER, hash: true }

/** After the rename the tree must be exactly the one previewed (same inodes, sizes, contents). */
function sameTree(operation: TreeOperation, at: string): boolean {
  let entries: ReturnType<typeof listTree>['entries']
  try {
    entries = listTree(at, operation.display, {
      ...UNBOUNDED,
      maxEntries: operation.listing.length + 1,
    }).entries
  } catch {
    return false
  }
  if (entries.length !== operation.listing.length) return false
  return entries.every((entry, index) => {
    const planned = operation.listing[index]!
    // The renamed top entry's ctime changes with the rename itself.
    return (
      planned.path === entry.relative &&
      planned.hash === entry.hash &&
      unchanged(planned.identity, entry.identity, index !== 0)
    )
  })
}

function renameOrStale(from: string, to: string, what: string): void {
  try {
    renameSync(from, to)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw stale(`${what} disappeared after the preview`)
    if (code === 'EXDEV')
      throw new HubError('E_IO', `${what}: source and destination are on different file systems`)
    throw new HubError('E_IO', `${what}: ${(error as Error).message}`, { cause: error })
  }
}

/**
 * Deletes by first renaming the target aside (one atomic step that takes the name away), then checking
 * that what was taken is exactly what the preview listed: if not, it is put back and nothing is deleted.
 */
export function executeDelete(operation: TreeOperation): void {
  if (!unchanged(operation.expected, lstatIdentity(operation.real)))
    throw stale(`${operation.display} changed after the preview`)
  const aside = sideName(operation.real, 'delete')
  renameOrStale(operation.real, aside, operation.display)
  if (!sameTree(operation, aside)) {
    renameSync(aside, operation.real)
    throw stale(`${operation.display} changed after the preview`)
  }
  rmSync(aside, { recursive: true, force: true })
}

/** Moves without ever overwriting: files by link + unlink (link fails on an existing name). */
export function executeMove(operation: TreeOperation): void {
  if (!unchanged(operation.expected, lstatIdentity(operation.real)))
    throw stale(`${operation.display} changed after the preview`)
  if (lstatIdentity(operation.to) !== undefined) throw stale('the destination appeared after the preview')
  const isDirectory = lstatSync(operation.real).isDirectory()
  if (isDirectory) renameOrStale(operation.real, operation.to, operation.display)
  else {
    try {
      linkSync(operation.real, operation.to)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EEXIST') throw stale('the destination appeared after the preview')
      if (code === 'EXDEV')
        throw new HubError(
          'E_IO',
          `${operation.display}: source and destination are on different file systems`,
        )
      throw new HubError('E_IO', `${operation.display}: ${(error as Error).message}`, { cause: error })
    }
    unlinkSync(operation.real)
  }
  if (!sameTree(operation, operation.to)) {
    // Put it back where it was; the preview no longer describes what moved.
    if (isDirectory) renameSync(operation.to, operation.real)
    else {
      linkSync(operation.to, operation.real)
      unlinkSync(operation.to)
    }
    throw stale(`${operation.display} changed after the preview`)
  }
}
