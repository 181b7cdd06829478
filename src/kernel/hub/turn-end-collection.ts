import { getHeapSpaceStatistics } from 'node:v8'

/**
 * Share of the young generation in use above which a finished turn empties it (decision 2090).
 * Below it, the next turn's garbage fits in what is left and no collection lands on its first token.
 */
export const DEFAULT_YOUNG_COLLECT_SHARE = 0.5

export interface YoungGeneration {
  /** Bytes in use and bytes the young generation holds now (in use + available). */
  usage(): { usedBytes: number; capacityBytes: number }
  /** Runs a young-generation collection now (a scavenge). */
  collect(): void
}

export interface TurnEndCollector {
  /** Called as a turn's answer ends, with no other turn in flight; true when it collected. */
  atTurnEnd(): boolean
}

export interface TurnEndCollectorOptions {
  /** Absent when the process was started without `--expose-gc`: then nothing is collected. */
  young?: YoungGeneration | undefined
  share?: number
}

/** The young generation of this process, when `--expose-gc` made `gc` available. */
export function processYoungGeneration(): YoungGeneration | undefined {
  const collectGarbage = globalThis.gc
  if (typeof collectGarbage !== 'function') return undefined
  return {
    usage() {
      for (const space of getHeapSpaceStatistics()) {
        if (space.space_name !== 'new_space') continue
        return {
          usedBytes: space.space_used_size,
          capacityBytes: space.space_used_size + space.space_available_size,
        }
      }
      return { usedBytes: 0, capacityBytes: 0 }
    },
    collect: () => collectGarbage({ type: 'minor' }),
  }
}

/**
 * Empties the young generation at the end of a turn when it is more than `share` full, so the
 * scavenge the next turn would have met happens after this answer instead of inside the next
 * one's first token. Idle-time collection, as browsers schedule it between frames.
 */
export function createTurnEndCollector(options: TurnEndCollectorOptions = {}): TurnEndCollector {
  const share = options.share ?? DEFAULT_YOUNG_COLLECT_SHARE
  if (!(share > 0 && share <= 1)) throw new RangeError(`share must be in (0, 1], got ${share}`)
  const young = options.young
  return {
    atTurnEnd() {
      if (young === undefined) return false
      const { usedBytes, capacityBytes } = young.usage()
      if (capacityBytes === 0 || usedBytes <= capacityBytes * share) return false
      young.collect()
      return true
    },
  }
}
