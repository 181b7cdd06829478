import { readFileSync } from 'node:fs'
import { isAbsolute, join, relative, sep } from 'node:path'
import { IgnoreScope, parseGitignore } from '../tools-fs/index.ts'

/** Folder names never watched, wherever they are: dependencies and version control internals. */
export const ALWAYS_IGNORED_NAMES = Object.freeze(['node_modules', '.git'])

/** Whether `child` is `parent` or inside it. */
export function isInside(parent: string, child: string): boolean {
  const path = relative(parent, child)
  return path === '' || (!path.startsWith('..') && !isAbsolute(path))
}

/**
 * What a watched root ignores: node_modules and .git anywhere, the root's .gitignore (re-read when
 * it changes), extra patterns from the manifest (.gitignore syntax), and folders outside the
 * person's files, such as the hub's own data directory when it lies inside the root.
 */
export class IgnoreRules {
  readonly #root: string
  readonly #extra: readonly string[]
  readonly #excludedFolders: readonly string[]
  #scope = IgnoreScope.root()

  constructor(root: string, extraPatterns: readonly string[], excludedFolders: readonly string[]) {
    this.#root = root
    this.#extra = extraPatterns
    // A folder that holds the root (a root inside the data directory) excludes nothing of it.
    this.#excludedFolders = excludedFolders.filter((folder) => !isInside(folder, root))
    this.reload()
  }

  /** Reads the root's .gitignore again (after it changed). */
  reload(): void {
    let text = ''
    try {
      text = readFileSync(join(this.#root, '.gitignore'), 'utf8')
    } catch {
      // No .gitignore: only the fixed and manifest rules apply.
    }
    this.#scope = IgnoreScope.root().child('', parseGitignore(`${this.#extra.join('\n')}\n${text}`))
  }

  /** `absolute` is a path chokidar reports; `isDirectory` when known. */
  ignores(absolute: string, isDirectory: boolean): boolean {
    if (!isInside(this.#root, absolute)) return false
    const path = relative(this.#root, absolute).split(sep).join('/')
    if (path === '') return false
    if (path.split('/').some((name) => ALWAYS_IGNORED_NAMES.includes(name))) return true
    if (this.#excludedFolders.some((folder) => isInside(folder, absolute))) return true
    return this.#scope.ignores(path, isDirectory)
  }
}
