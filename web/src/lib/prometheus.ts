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
