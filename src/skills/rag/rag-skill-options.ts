import { HubError } from '../../contracts/index.ts'
import { DEFAULT_TOP_K, MAX_TOP_K, type RagStoreOptions, resolveRagConfig } from './rag-options.ts'

// The rag skill's manifest `config` ({ topK, chunking: { size, overlap } }) as store and step
// options. The manifest's semantic checks refuse bad values with a line; this re-checks them for
// callers that build a config by hand.

export interface RagSkillOptions {
  /** Spread into openRagStore({ path, ...store }). */
  store: Pick<RagStoreOptions, 'chunkSizeChars' | 'chunkOverlapChars'>
  /** Passages per query (the rag step's topK). */
  topK: number
}

function integerAt(value: unknown, name: string, minimum: number, maximum: number): number | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'number' && Number.isInteger(value) && value >= minimum && value <= maximum)
    return value
  throw new HubError(
    'E_VALIDATION',
    `rag config ${name} must be an integer from ${minimum} to ${maximum}, got ${String(value)}`,
  )
}

/** Reads `topK` and `chunking` from a rag skill's config; absent keys keep the store's defaults. */
export function ragOptionsOf(config: Readonly<Record<string, unknown>> | undefined): RagSkillOptions {
  const chunking = config?.chunking
  if (
    chunking !== undefined &&
    (chunking === null || typeof chunking !== 'object' || Array.isArray(chunking))
  ) {
    throw new HubError('E_VALIDATION', 'rag config chunking must be a mapping { size, overlap }')
  }
  const parts = (chunking ?? {}) as Record<string, unknown>
  const size = integerAt(parts.size, 'chunking.size', 1, Number.MAX_SAFE_INTEGER)
  const overlap = integerAt(parts.overlap, 'chunking.overlap', 0, Number.MAX_SAFE_INTEGER)
  const store = {
    ...(size === undefined ? {} : { chunkSizeChars: size }),
    ...(overlap === undefined ? {} : { chunkOverlapChars: overlap }),
  }
  // The store's own rules (size ≥ 20, overlap below half the size) apply to the pair.
  resolveRagConfig({ path: ':memory:', ...store })
  return { store, topK: integerAt(config?.topK, 'topK', 1, MAX_TOP_K) ?? DEFAULT_TOP_K }
}
