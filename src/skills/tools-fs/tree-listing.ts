import { createHash } from 'node:crypto'
import { closeSync, constants, lstatSync, openSync, readdirSync, readSync } from 'node:fs'
import { join } from 'node:path'
import { HubError } from '../../contracts/index.ts'
import { type FileIdentity, identityOf } from './file-identity.ts'
import { describeKind } from './path-guard.ts'
import type { TreeEntry } from './plan-types.ts'

export interface ListedEntry extends TreeEntry {
  /** Path relative to the listed root ('' for the root itself). */
  relative: string
  identity: FileIdentity
}

function hashFile(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  try {
    const hash = createHash('sha256')
    const buffer = Buffer.allocUnsafe(1024 * 1024)
    for (let position = 0; ; ) {
      const read = readSync(fd, buffer, 0, buffer.length, position)
      if (read === 0) break
      hash.update(buffer.subarray(0, read))
      position += read
    }
    return hash.digest('hex')
  } finally {
    closeSync(fd)
  }
}

/**
 * Lists a file or a directory tree without following symlinks (a link is listed, never entered),
 * hashing regular files. Refuses trees larger than the limits: a preview must cover everything it
 * vouches for.
 */
export function listTree(
  root: string,
  display: string,
  limits: { maxEntries: number; maxHashBytes: number; hash: boolean },
): { entries: ListedEntry[]; bytes: number } {
  const entries: ListedEntry[] = []
  let bytes = 0
  const visit = (real: string, relative: string): void => {
    if (entries.length >= limits.maxEntries) {
      throw new HubError(
        'E_RESOURCE_LIMIT',
        `${display} holds more than ${limits.maxEntries} entries; too many to preview`,
      )
    }
    const stat = lstatSync(real, { bigint: true })
    const type = describeKind(lstatSync(real))
    const size = Number(stat.size)
    let hash: string | null = null
    if (type === 'file' && limits.hash) {
      bytes += size
      if (bytes > limits.maxHashBytes) {
        throw new HubError(
          'E_RESOURCE_LIMIT',
          `${display} holds more than ${limits.maxHashBytes} bytes; too much to preview`,
        )
      }
      hash = hashFile(real)
    }
    const path = relative === '' ? display : `${display}/${relative}`
    entries.push({ relative, path, type, size, hash, identity: identityOf(stat) })
    if (type === 'directory') {
      for (const name of readdirSync(real).sort())
        visit(join(real, name), relative === '' ? name : `${relative}/${name}`)
    }
  }
  visit(root, '')
  return { entries, bytes }
}
