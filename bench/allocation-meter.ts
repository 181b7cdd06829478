// Bytes a thread allocated on its heap between start() and stop(): the growth of the used heap plus
// what each collection in between freed (V8's GCProfiler reports the heap before and after each
// one), and the collections themselves. Used by the kernel-chat and ingest benchmarks.
import { GCProfiler, getHeapStatistics } from 'node:v8'

export interface Allocation {
  bytes: number
  /** Young-generation collections. */
  scavenges: number
  otherCollections: number
  pauseMs: number
}

export function allocationMeter() {
  const profiler = new GCProfiler()
  let usedAtStart = 0
  return {
    start(): void {
      usedAtStart = getHeapStatistics().used_heap_size
      profiler.start()
    },
    stop(): Allocation {
      const { statistics } = profiler.stop()
      let freed = 0
      let pauseMs = 0
      let scavenges = 0
      for (const collection of statistics) {
        freed +=
          collection.beforeGC.heapStatistics.usedHeapSize - collection.afterGC.heapStatistics.usedHeapSize
        pauseMs += collection.cost / 1000
        if (collection.gcType === 'Scavenge') scavenges++
      }
      const bytes = getHeapStatistics().used_heap_size - usedAtStart + freed
      return { bytes, scavenges, otherCollections: statistics.length - scavenges, pauseMs }
    },
  }
}
