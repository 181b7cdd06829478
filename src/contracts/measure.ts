export interface Measurement {
  /** Approximate size of the JSON text in bytes (exact for ASCII). */
  bytes: number
  depth: number
  /** Set when a limit was passed; measuring stopped there. */
  exceeded?: 'bytes' | 'depth'
}

/**
 * Walks a parsed JSON value to bound its size and nesting without serialising it, stopping as
 * soon as a limit is passed (so a hostile 1 GB object costs no more than the limit).
 */
export function measureJson(value: unknown, maxBytes: number, maxDepth: number): Measurement {
  const state: Measurement = { bytes: 0, depth: 0 }
  walk(value, 1, state, maxBytes, maxDepth)
  return state
}

function walk(value: unknown, depth: number, state: Measurement, maxBytes: number, maxDepth: number): void {
  if (state.exceeded !== undefined) return
  if (depth > state.depth) state.depth = depth
  if (depth > maxDepth) {
    state.exceeded = 'depth'
    return
  }
  if (typeof value === 'string') {
    state.bytes += value.length + 2
  } else if (value === null || typeof value !== 'object') {
    state.bytes += 8
  } else if (Array.isArray(value)) {
    state.bytes += 2
    for (const item of value) {
      state.bytes += 1
      walk(item, depth + 1, state, maxBytes, maxDepth)
      if (state.exceeded !== undefined) return
    }
  } else {
    state.bytes += 2
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue
      state.bytes += key.length + 4
      walk((value as Record<string, unknown>)[key], depth + 1, state, maxBytes, maxDepth)
      if (state.exceeded !== undefined) return
    }
  }
  if (state.bytes > maxBytes) state.exceeded = 'bytes'
}
