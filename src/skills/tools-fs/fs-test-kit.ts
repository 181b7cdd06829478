// Helpers for this folder's tests (not exported from index.ts).
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

export interface Sandbox {
  /** Real path of the temp dir holding everything. */
  base: string
  /** The workspace root (inside base). */
  root: string
  /** A sibling of the root: outside the workspace. */
  outside: string
  write(relativeToBase: string, content: string | Buffer): string
}

export function sandbox(t: { after: (fn: () => void) => void }): Sandbox {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'localhub-fs-')))
  t.after(() => rmSync(base, { recursive: true, force: true }))
  const root = join(base, 'workspace')
  const outside = join(base, 'outside')
  mkdirSync(root)
  mkdirSync(outside)
  writeFileSync(join(outside, 'secret.txt'), 'top secret\n')
  return {
    base,
    root,
    outside,
    write(relative, content) {
      const path = join(base, relative)
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, content)
      return path
    },
  }
}

export function code(expected: string): (error: unknown) => boolean {
  return (error) => (error as { code?: string }).code === expected
}
