// The on-disk cache of scripts/test-loader-hooks.mjs (decisions 2057, 2062): one file per compiled
// module, named by a digest of everything that shapes the output. Shards and every test process
// share it, so an entry is written aside and renamed into place (a reader sees all of it or
// nothing), carries a trailer naming its digest (a file cut short by a crash is a miss, not bad
// code), and old entries are pruned by scripts/run-tests.ts once per run. Any failure of the cache
// only costs a compile: a test never fails because $TMPDIR is missing, full or not ours.
// Plain JavaScript: the loader imports it before any TypeScript can run.
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fstatSync,
  futimesSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { threadId } from 'node:worker_threads'

const DAY_MS = 24 * 60 * 60 * 1000
/** An entry not used for this long is pruned: edited sources and old esbuild or Node versions. */
export const DEFAULT_CACHE_MAX_AGE_MS = 7 * DAY_MS
/** Past this many bytes the least recently used entries go (one compile of the tree is ~20 MB). */
export const DEFAULT_CACHE_MAX_BYTES = 256 * 1024 * 1024
/** A half-written file this old belongs to a process that died; a younger one may still be written. */
export const DEFAULT_PARTIAL_MAX_AGE_MS = 10 * 60 * 1000
/** A hit refreshes its entry's mtime at most this often, so pruning by age keeps what is used. */
const TOUCH_AFTER_MS = DAY_MS
const ENTRY = /^[0-9a-f]{64}\.mjs$/
const PARTIAL = /\.partial$/

function ownUid() {
  try {
    return userInfo().uid
  } catch {
    return -1 // no passwd entry (some containers)
  }
}

/** `$TMPDIR/localhub-test-loader-<uid>`: one per user, so no one else's entries are loaded. */
export function cacheDirectoryName(base = tmpdir()) {
  const uid = ownUid()
  return join(base, `localhub-test-loader-${uid === -1 ? 'user' : uid}`)
}

/**
 * The cache directory, created when missing (a clean CI machine), or undefined when it cannot be
 * used: not creatable, or not a directory of ours that only we may write (anyone able to write
 * into it could plant the code our tests run).
 */
export function openCacheDirectory(base = tmpdir()) {
  const directory = cacheDirectoryName(base)
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 })
    const stat = lstatSync(directory)
    const uid = ownUid()
    if (!stat.isDirectory() || (uid !== -1 && stat.uid !== uid) || (stat.mode & 0o022) !== 0) return undefined
    return directory
  } catch {
    return undefined
  }
}

function trailer(digest) {
  return `\n//# localhub-test-loader ${digest}\n`
}

/** The compiled code kept under `digest`, or undefined when it is missing or incomplete. */
export function readEntry(directory, digest) {
  let fd
  try {
    fd = openSync(join(directory, `${digest}.mjs`), 'r')
  } catch {
    return undefined
  }
  try {
    const text = readFileSync(fd, 'utf8')
    const end = trailer(digest)
    if (!text.endsWith(end)) return undefined
    const stat = fstatSync(fd)
    if (Date.now() - stat.mtimeMs > TOUCH_AFTER_MS) futimesSync(fd, stat.atime, new Date())
    return text.slice(0, -end.length)
  } catch {
    return undefined
  } finally {
    closeSync(fd)
  }
}

/**
 * Keeps `code` under `digest`. Written to a name no other writer uses (process, thread and a
 * random part: two shards, or two threads of one process, may compile the same file at once) and
 * renamed over the entry, which is atomic: a concurrent reader sees the old entry, the new one or
 * none. A write that fails (disk full, read-only) leaves no entry; the caller has its code anyway.
 */
export function writeEntry(directory, digest, code) {
  const entry = join(directory, `${digest}.mjs`)
  const partial = `${entry}.${process.pid}-${threadId}-${randomBytes(4).toString('hex')}.partial`
  try {
    writeFileSync(partial, code + trailer(digest))
    renameSync(partial, entry)
    return true
  } catch {
    rmSync(partial, { force: true })
    return false
  }
}

/**
 * Bounds the cache: removes entries unused for `maxAgeMs`, half-written files older than
 * `partialMaxAgeMs`, then the least recently used entries until the rest fit in `maxBytes`.
 * Anything else in the directory is left alone. Returns what it removed and what is left.
 */
export function pruneCache(directory, options = {}) {
  const now = options.now ?? Date.now()
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_CACHE_MAX_AGE_MS
  const maxBytes = options.maxBytes ?? DEFAULT_CACHE_MAX_BYTES
  const partialMaxAgeMs = options.partialMaxAgeMs ?? DEFAULT_PARTIAL_MAX_AGE_MS
  const kept = []
  let removed = 0
  let names = []
  try {
    names = readdirSync(directory)
  } catch {
    return { removed, entries: 0, bytes: 0 }
  }
  const remove = (path) => {
    try {
      rmSync(path, { force: true })
      removed++
    } catch {
      // another run pruned it, or it is not ours to remove: nothing is lost either way
    }
  }
  for (const name of names) {
    const isEntry = ENTRY.test(name)
    if (!isEntry && !PARTIAL.test(name)) continue
    const path = join(directory, name)
    let stat
    try {
      stat = statSync(path)
    } catch {
      continue
    }
    const age = now - stat.mtimeMs
    if (isEntry ? age > maxAgeMs : age > partialMaxAgeMs) remove(path)
    else if (isEntry) kept.push({ path, bytes: stat.size, mtimeMs: stat.mtimeMs })
  }
  let bytes = kept.reduce((sum, entry) => sum + entry.bytes, 0)
  kept.sort((a, b) => a.mtimeMs - b.mtimeMs)
  let entries = kept.length
  for (const entry of kept) {
    if (bytes <= maxBytes) break
    remove(entry.path)
    bytes -= entry.bytes
    entries--
  }
  return { removed, entries, bytes }
}
