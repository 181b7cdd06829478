// Bytes the heap grew by per call of a function, read from V8's heap accounting (the used heap's
// growth plus what each collection in between freed, as bench/allocation-meter.ts reads it), for
// tests that keep a hot path from allocating (decisions 2086, 2087).
import { GCProfiler, getHeapStatistics } from 'node:v8'

/**
 * Bytes allocated per call of `run`: the least of a few readings, since a collection inside one
 * can also count garbage made before it began (never less than what the calls allocated).
 */
export function bytesPerCall(run: () => unknown, calls = 10_000, readings = 5): number {
  for (let index = 0; index < calls; index++) run()
  let least = Number.POSITIVE_INFINITY
  for (let reading = 0; reading < readings; reading++) {
    const profiler = new GCProfiler()
    const usedAtStart = getHeapStatistics().used_heap_size
    profiler.start()
    for (let index = 0; index < calls; index++) run()
    const { statistics } = profiler.stop()
    let freed = 0
    for (const collection of statistics)
      freed +=
        collection.beforeGC.heapStatistics.usedHeapSize - collection.afterGC.heapStatistics.usedHeapSize
    least = Math.min(least, (getHeapStatistics().used_heap_size - usedAtStart + freed) / calls)
  }
  return least
}
