import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, isAbsolute, join } from 'node:path'

/** The path of `name` on $PATH (or `name` itself when absolute), undefined when it is not there. */
export function findExecutable(
  name: string,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const candidates = isAbsolute(name)
    ? [name]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => join(dir, name))
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) continue
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // Not here; the next folder of PATH may have it.
    }
  }
  return undefined
}
