// Reads the Prometheus text format of GET /metrics, enough for sparklines: per metric family the
// sum over its label sets of counters, gauges and histogram/summary counts. Lines it cannot read
// are skipped (the endpoint is ours, but a parser must not trust its input).

export interface MetricTotals {
  /** name → type from `# TYPE` (counter, gauge, histogram, summary, untyped). */
  types: Record<string, string>
  /** Family name (histograms: `<name>_count`) → value summed over label sets. */
  values: Record<string, number>
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+\S+)?$/
export const MAX_METRIC_LINES = 100_000

export function parsePrometheusText(text: string, prefix = 'localhub_'): MetricTotals {
  const types: Record<string, string> = Object.create(null)
  const values: Record<string, number> = Object.create(null)
  const lines = text.split('\n', MAX_METRIC_LINES)
  for (const raw of lines) {
    const line = raw.trim()
    if (line === '') continue
    if (line.startsWith('#')) {
      const type = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line)
      if (type !== null && type[1]!.startsWith(prefix)) types[type[1]!] = type[2]!
      continue
    }
    const match = SAMPLE.exec(line)
    if (match === null) continue
    const name = match[1]!
    if (!name.startsWith(prefix)) continue
    const value = Number(match[3])
    if (!Number.isFinite(value)) continue
    // Buckets and sums say nothing a sparkline of rates needs; counts and plain samples do.
    if (name.endsWith('_bucket') || name.endsWith('_sum')) continue
    values[name] = (values[name] ?? 0) + value
  }
  return { types, values }
}

/** Whether a series only grows (a rate is worth showing) rather than a level (gauge). */
export function isCumulative(name: string, types: Record<string, string>): boolean {
  if (name.endsWith('_count') || name.endsWith('_total')) return true
  return types[name] === 'counter'
}

/** Points of an SVG polyline for values scaled into width × height (higher is up). */
export function sparklinePoints(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return ''
  const finite = values.map((value) => (Number.isFinite(value) ? value : 0))
  const min = Math.min(...finite)
  const max = Math.max(...finite)
  const span = max - min || 1
  const step = finite.length > 1 ? width / (finite.length - 1) : 0
  return finite
    .map(
      (value, index) =>
        `${(index * step).toFixed(1)},${(height - ((value - min) / span) * height).toFixed(1)}`,
    )
    .join(' ')
}

/** One histogram family summed over its label sets: cumulative counts per upper bound, ascending. */
export interface HistogramTotals {
  /** [upper bound `le`, cumulative count]; the last bound is Infinity (`+Inf`). */
  buckets: [number, number][]
  count: number
  sum: number
}

const LE_LABEL = /(?:^|[{,])\s*le="([^"]*)"/

/** The histogram families of a /metrics text (seed metrics ttft_ms, rag_ms, tool_ms, …). */
export function parseHistograms(text: string, prefix = 'localhub_'): Record<string, HistogramTotals> {
  const types: Record<string, string> = Object.create(null)
  const bounds: Record<string, Map<number, number>> = Object.create(null)
  const result: Record<string, HistogramTotals> = Object.create(null)
  const lines = text.split('\n', MAX_METRIC_LINES)
  const family = (name: string): HistogramTotals => {
    const existing = result[name]
    if (existing !== undefined) return existing
    const created: HistogramTotals = { buckets: [], count: 0, sum: 0 }
    result[name] = created
    return created
  }
  for (const raw of lines) {
    const line = raw.trim()
    const type = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line)
    if (type !== null) {
      if (type[1]!.startsWith(prefix)) types[type[1]!] = type[2]!
      continue
    }
    const match = SAMPLE.exec(line)
    if (match === null) continue
    const value = Number(match[3])
    if (!Number.isFinite(value)) continue
    const sample = match[1]!
    const suffix = /_(bucket|count|sum)$/.exec(sample)
    if (suffix === null) continue
    const name = sample.slice(0, -suffix[0].length)
    if (types[name] !== 'histogram') continue
    if (suffix[1] === 'count') family(name).count += value
    else if (suffix[1] === 'sum') family(name).sum += value
    else {
      const le = LE_LABEL.exec(match[2] ?? '')?.[1]
      const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le)
      if (le === undefined || Number.isNaN(bound)) continue
      const counts = bounds[name] ?? new Map<number, number>()
      bounds[name] = counts
      counts.set(bound, (counts.get(bound) ?? 0) + value)
    }
  }
  for (const [name, map] of Object.entries(bounds)) {
    family(name).buckets = [...map.entries()].sort((a, b) => a[0] - b[0])
  }
  return result
}

/** The buckets observed between two readings (the later minus the earlier, per bound). */
export function bucketDelta(
  later: readonly [number, number][],
  earlier: readonly [number, number][] | undefined,
): [number, number][] {
  const before = new Map(earlier ?? [])
  return later.map(([bound, count]) => [bound, Math.max(0, count - (before.get(bound) ?? 0))])
}

/**
 * The q-quantile (0..1) of cumulative buckets, interpolated inside the bucket that holds it as
 * Prometheus' histogram_quantile does; undefined with no observations. A quantile in the +Inf
 * bucket is reported as the highest finite bound.
 */
export function histogramQuantile(buckets: readonly [number, number][], q: number): number | undefined {
  const total = buckets.at(-1)?.[1] ?? 0
  if (total <= 0) return undefined
  const rank = q * total
  let previousBound = 0
  let previousCount = 0
  for (const [bound, count] of buckets) {
    if (count >= rank && count > previousCount) {
      if (bound === Number.POSITIVE_INFINITY) return previousBound
      return previousBound + (bound - previousBound) * ((rank - previousCount) / (count - previousCount))
    }
    if (bound !== Number.POSITIVE_INFINITY) previousBound = bound
    previousCount = count
  }
  return previousBound
}

/** Milliseconds for people: 0.42 ms, 12 ms, 1.3 s. */
export function formatMs(value: number | undefined): string {
  if (value === undefined) return '–'
  if (value >= 1_000) return `${(value / 1_000).toFixed(1)} s`
  if (value >= 10) return `${Math.round(value)} ms`
  return `${value.toFixed(1)} ms`
}

/** Milliseconds per unit of a duration histogram, read from its name; undefined when not a duration. */
export function durationScaleMs(name: string): number | undefined {
  if (name.endsWith('_ms')) return 1
  if (name.endsWith('_seconds')) return 1_000
  return undefined
}
