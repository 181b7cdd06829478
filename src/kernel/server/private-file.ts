import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { dirname, join } from 'node:path'

const PRIVATE_FILE_MODE = 0o600
const PRIVATE_DIR_MODE = 0o700

function writeTemporary(path: string, content: string): string {
  mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE })
  const temporary = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`)
  // 'wx' + mode: the file is private from its first byte, never chmod-ed afterwards.
  const fd = openSync(temporary, 'wx', PRIVATE_FILE_MODE)
  try {
    writeSync(fd, content)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  return temporary
}

/** Replaces `path` atomically with a 0600 file (readers see the old or the new content, never half). */
export function writePrivateFile(path: string, content: string): void {
  const temporary = writeTemporary(path, content)
  try {
    renameSync(temporary, path)
  } catch (error) {
    unlinkSync(temporary)
    throw error
  }
}

/**
 * Creates `path` atomically as a 0600 file unless it exists. Returns false when another process
 * created it first (link() fails on an existing name, so two starting servers agree on one file).
 */
export function createPrivateFileExclusive(path: string, content: string): boolean {
  const temporary = writeTemporary(path, content)
  try {
    linkSync(temporary, path)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    unlinkSync(temporary)
  }
}
