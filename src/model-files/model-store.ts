import { readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { HubError } from '../contracts/index.ts'

/** Model files live here, under the data directory. */
export const MODELS_DIRECTORY = 'models'
/** Suffix of a download in progress (resumed by the next pull). */
export const PARTIAL_SUFFIX = '.part'

const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/

export interface ModelFile {
  name: string
  path: string
  sizeBytes: number
  /** True for a download that has not finished. */
  partial: boolean
}

export function modelsDirectoryOf(dataDir: string): string {
  return join(dataDir, MODELS_DIRECTORY)
}

/**
 * Where a model setting points: a bare file name (`qwen2.5-0.5b.gguf`, as `localhub models pull`
 * stores it) is looked up in <data>/models; anything with a path separator is used as given.
 */
export function resolveModelFile(dataDir: string, pathOrName: string): string {
  return /[\\/]/.test(pathOrName) || !MODEL_NAME_PATTERN.test(pathOrName)
    ? pathOrName
    : join(modelsDirectoryOf(dataDir), pathOrName)
}

/** A model file name: letters, digits, `.`, `_`, `-`; no path. */
export function checkModelName(name: string): string {
  if (!MODEL_NAME_PATTERN.test(name) || name.endsWith(PARTIAL_SUFFIX) || name.includes('..'))
    throw new HubError(
      'E_VALIDATION',
      `${JSON.stringify(name)} is not a model file name (letters, digits, . _ -)`,
    )
  return name
}

/** The name a URL's last path segment gives, checked. */
export function modelNameOfUrl(url: URL): string {
  const segment = decodeURIComponent(url.pathname.split('/').filter(Boolean).at(-1) ?? '')
  if (segment === '') throw new HubError('E_VALIDATION', `the URL ${url.href} names no file; pass --name`)
  return checkModelName(segment)
}

/** The model files of a data directory, finished and partial, sorted by name. */
export function listModelFiles(dataDir: string): ModelFile[] {
  const directory = modelsDirectoryOf(dataDir)
  let names: string[]
  try {
    names = readdirSync(directory)
  } catch {
    return []
  }
  return names
    .filter((name) => !name.startsWith('.'))
    .sort()
    .map((name) => {
      const path = join(directory, name)
      const partial = name.endsWith(PARTIAL_SUFFIX)
      return {
        name: partial ? name.slice(0, -PARTIAL_SUFFIX.length) : name,
        path,
        sizeBytes: statSync(path).size,
        partial,
      }
    })
}

/** Removes a model file (and any partial download of it); false when there was neither. */
export function removeModelFile(dataDir: string, name: string): boolean {
  const path = join(modelsDirectoryOf(dataDir), checkModelName(name))
  let removed = false
  for (const candidate of [path, `${path}${PARTIAL_SUFFIX}`]) {
    try {
      statSync(candidate)
      rmSync(candidate)
      removed = true
    } catch {
      // not there
    }
  }
  return removed
}
