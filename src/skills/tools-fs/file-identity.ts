import { createHash } from 'node:crypto'
import { type BigIntStats, closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs'
import { HubError } from '../../contracts/index.ts'

/** What makes a file "the same file": any difference between preview and execution makes a plan stale. */
export interface FileIdentity {
  dev: string
  ino: string
  size: number
  mtimeNs: string
  ctimeNs: string
  mode: number
  nlink: number
}

export function identityOf(stat: BigIntStats): FileIdentity {
  return {
    dev: stat.dev.toString(),
    ino: stat.ino.toString(),
    size: Number(stat.size),
    mtimeNs: stat.mtimeNs.toString(),
    ctimeNs: stat.ctimeNs.toString(),
    mode: Number(stat.mode),
    nlink: Number(stat.nlink),
  }
}

export function lstatIdentity(path: string): FileIdentity | undefined {
  try {
    return identityOf(lstatSync(path, { bigint: true }))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new HubError('E_IO', `cannot inspect ${path}: ${(error as Error).message}`, { cause: error })
  }
}

export function sameFile(a: FileIdentity | undefined, b: FileIdentity | undefined): boolean {
  return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

// O_NOFOLLOW: if the last component was swapped for a symlink after resolution, open fails (ELOOP)
// instead of following it. O_NONBLOCK: a FIFO swapped in cannot hang the open.
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

export interface ReadOutcome {
  data: Buffer
  identity: FileIdentity
  /** True when the file is longer than the bytes read. */
  truncated: boolean
}

/**
 * Reads a regular file that path resolution already vetted, refusing anything that changed into a
 * symlink, FIFO, device or another inode in between. `hardLinks: 'refuse'` rejects files with more
 * than one name (their other names may be outside the workspace).
 */
export function readVettedFile(
  path: string,
  options: { maxBytes: number; offset?: number; expected?: FileIdentity; hardLinks: 'refuse' | 'allow' },
): ReadOutcome {
  let fd: number
  try {
    fd = openSync(path, READ_FLAGS)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP')
      throw new HubError('E_PERMISSION_REQUIRED', `${path} became a symlink`, {
        details: { reason: 'symlink' },
      })
    if (code === 'ENOENT') throw new HubError('E_VALIDATION', `${path} does not exist`)
    throw new HubError('E_IO', `cannot open ${path}: ${(error as Error).message}`, { cause: error })
  }
  try {
    const identity = identityOf(fstatSync(fd, { bigint: true }))
    if ((identity.mode & constants.S_IFMT) !== constants.S_IFREG) {
      throw new HubError('E_PERMISSION_REQUIRED', `${path} is not a regular file`, {
        details: { reason: 'not-regular' },
      })
    }
    if (options.expected !== undefined && !sameFile(identity, options.expected)) {
      throw new HubError('E_PERMISSION_REQUIRED', `${path} was replaced while it was being checked`, {
        details: { reason: 'stale-preview' },
      })
    }
    if (options.hardLinks === 'refuse' && identity.nlink > 1) {
      throw new HubError(
        'E_PERMISSION_REQUIRED',
        `${path} has ${identity.nlink} hard links; its other names may be outside the workspace`,
        {
          details: { reason: 'hard-link' },
        },
      )
    }
    const offset = Math.min(options.offset ?? 0, identity.size)
    const length = Math.max(0, Math.min(options.maxBytes, identity.size - offset))
    const data = Buffer.allocUnsafe(length)
    let done = 0
    while (done < length) {
      const read = readSync(fd, data, done, length - done, offset + done)
      if (read === 0) break
      done += read
    }
    return { data: data.subarray(0, done), identity, truncated: offset + done < identity.size }
  } finally {
    closeSync(fd)
  }
}

/** Binary if a NUL byte appears in the first 8 KiB (the heuristic git and ripgrep use). */
export function looksBinary(data: Buffer): boolean {
  return data.subarray(0, 8192).includes(0)
}
