import type { Bus, BusOptions } from '../../src/bus/index.ts'

/** One transport under test. */
export interface ConformanceTarget {
  /** Opens a bus; opening again after close() is a restart on the same store (when persistent). */
  open(options?: Partial<Omit<BusOptions, 'transport'>>): Promise<Bus>
  /** For a transport that cannot persist: an attempt to ask for persistence, which must be refused clearly. */
  requestPersistence?: () => Promise<unknown>
  cleanup(): Promise<void>
}

export type ConformanceFactory = () => Promise<ConformanceTarget>
