import { lstat, readdir, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'

export interface CollectedFile {
  path: string
  sizeBytes: number
}

export interface SkippedFile {
  path: string
  reason: string
}

export interface CollectResult {
  /** The given paths, absolute (existing or not): indexed sources under them that were not found again are removed. */
  roots: string[]
  files: CollectedFile[]
  skipped: SkippedFile[]
}

export interface CollectOptions {
  cwd: string
  skippedFolders: readonly string[]
  maxFileSizeBytes: number
  signal?: AbortSignal
}

/**
 * Lists the regular files under the given paths. Symbolic links inside folders are not followed
 * (a link cycle or a link to `/` must not turn an index run into a crawl); a link given directly
 * as a path is followed once. Files above the size limit are reported as skipped.
 */
export async function collectFiles(
  paths: readonly string[],
  options: CollectOptions,
): Promise<CollectResult> {
  const skippedFolders = new Set(options.skippedFolders)
  const roots: string[] = []
  const files = new Map<string, CollectedFile>()
  const skipped: SkippedFile[] = []

  const consider = (path: string, sizeBytes: number): void => {
    if (sizeBytes > options.maxFileSizeBytes) {
      skipped.push({ path, reason: `larger than ${options.maxFileSizeBytes} bytes (${sizeBytes})` })
    } else {
      files.set(path, { path, sizeBytes })
    }
  }

  const walk = async (folder: string): Promise<void> => {
    options.signal?.throwIfAborted()
    let entries: import('node:fs').Dirent[]
    try {
      entries = await readdir(folder, { withFileTypes: true })
    } catch (error) {
      skipped.push({ path: folder, reason: `cannot read folder: ${(error as Error).message}` })
      return
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const entry of entries) {
      const full = join(folder, entry.name)
      if (entry.isDirectory()) {
        if (!skippedFolders.has(entry.name)) await walk(full)
      } else if (entry.isFile()) {
        const info = await lstat(full).catch(() => undefined)
        if (info !== undefined) consider(full, info.size)
      }
    }
  }

  for (const given of paths) {
    const path = resolve(options.cwd, given)
    roots.push(path)
    let info: import('node:fs').Stats
    try {
      info = await stat(path)
    } catch {
      skipped.push({ path, reason: 'not found' })
      continue
    }
    if (info.isDirectory()) await walk(path)
    else if (info.isFile()) consider(path, info.size)
    else skipped.push({ path, reason: 'not a regular file or folder' })
  }
  return { roots, files: [...files.values()], skipped }
}
