import { homedir } from 'node:os'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { HubError } from '../contracts/index.ts'
import type { Skill } from './manifest-types.ts'

// Where a built-in skill keeps its data (docs/decisions/1402): `storage.path` relative to the
// hub's data directory and inside it, or an absolute (or ~/) path the person chose on purpose.

/** Why a `storage.path` text cannot be used, or undefined when it can. */
export function storagePathProblem(path: string): { problem: string; fix: string } | undefined {
  if (path.length === 0 || path.includes('\0'))
    return { problem: 'the path is empty or has a NUL byte', fix: 'write a file name such as memory.sqlite' }
  if (path === '~' || path.startsWith('~/') || isAbsolute(path)) return undefined
  const parts = path.split(/[\\/]/).filter((part) => part !== '' && part !== '.')
  if (parts.includes('..')) {
    return {
      problem: "relative storage paths are taken inside the hub's data directory; '..' would leave it",
      fix: 'write a path inside the data directory, or an absolute path if the file must live elsewhere',
    }
  }
  if (parts[0] === 'data' && parts.length > 1) {
    return {
      problem: `relative storage paths are taken inside the hub's data directory (--data), so this would be <data>/${parts.join('/')}`,
      fix: `write ${parts.slice(1).join('/')} (without the data/ prefix)`,
    }
  }
  if (parts.length === 0)
    return {
      problem: 'the path names the data directory itself, not a file',
      fix: 'write a file name such as rag.sqlite',
    }
  return undefined
}

/**
 * The absolute file a built-in skill stores its data in: `<dataDir>/<defaultFile>` without
 * `storage.path`; a relative path inside dataDir; an absolute or `~/` path as written.
 */
export function storagePathOf(
  skill: Pick<Skill, 'id' | 'storage'>,
  dataDir: string,
  defaultFile: string,
): string {
  const base = resolve(dataDir)
  const path = skill.storage?.path
  if (path === undefined) return resolve(base, defaultFile)
  const found = storagePathProblem(path)
  if (found !== undefined) {
    throw new HubError('E_VALIDATION', `storage.path of skill ${skill.id}: ${found.problem} — ${found.fix}`)
  }
  if (path === '~') return homedir()
  if (path.startsWith('~/')) return resolve(homedir(), path.slice(2))
  if (isAbsolute(path)) return resolve(path)
  const file = resolve(base, path)
  const inside = relative(base, file)
  if (inside === '' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new HubError('E_VALIDATION', `storage.path of skill ${skill.id} leaves the data directory ${base}`)
  }
  return file
}
