// Types of scripts/test-loader-cache.mjs for the TypeScript that imports it (run-tests.ts, tests).
export declare const DEFAULT_CACHE_MAX_AGE_MS: number
export declare const DEFAULT_CACHE_MAX_BYTES: number
export declare const DEFAULT_PARTIAL_MAX_AGE_MS: number
export declare function cacheDirectoryName(base?: string): string
export declare function openCacheDirectory(base?: string): string | undefined
export declare function readEntry(directory: string, digest: string): string | undefined
export declare function writeEntry(directory: string, digest: string, code: string): boolean
export interface PruneOptions {
  now?: number
  maxAgeMs?: number
  maxBytes?: number
  partialMaxAgeMs?: number
}
export declare function pruneCache(
  directory: string,
  options?: PruneOptions,
): { removed: number; entries: number; bytes: number }
