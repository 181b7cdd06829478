// Loads one API resource, reloads it on demand, on an interval, and when `refreshKey` changes
// (e.g. when an approval event arrives on the live stream).
import { useCallback, useEffect, useState } from 'react'
import type { ApiOutcome } from '../lib/api-client.ts'

export interface Resource<T> {
  outcome: ApiOutcome<T> | undefined
  reload(): void
}

export function useApiResource<T>(
  load: () => Promise<ApiOutcome<T>>,
  intervalMs = 0,
  refreshKey: unknown = 0,
): Resource<T> {
  const [outcome, setOutcome] = useState<ApiOutcome<T> | undefined>(undefined)
  const [tick, setTick] = useState(0)
  const reload = useCallback(() => setTick((value) => value + 1), [])
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick and refreshKey are reload triggers
  useEffect(() => {
    let cancelled = false
    load().then((result) => {
      if (!cancelled) setOutcome(result)
    })
    return () => {
      cancelled = true
    }
  }, [load, tick, refreshKey])
  useEffect(() => {
    if (intervalMs <= 0) return
    const timer = setInterval(reload, intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs, reload])
  return { outcome, reload }
}
