import { useEffect, useState } from 'react'
import type { ApiClient, ApiOutcome } from '../lib/api-client.ts'
import {
  bucketDelta,
  durationScaleMs,
  formatMs,
  type HistogramTotals,
  histogramQuantile,
  isCumulative,
  parseHistograms,
  parsePrometheusText,
} from '../lib/prometheus.ts'
import { OutcomeNotice } from './not-available.tsx'
import { Sparkline } from './sparkline.tsx'

const POLL_MS = 2_000
const SAMPLES = 60

interface Series {
  values: number[]
  /** Last raw value of a cumulative series, to turn totals into rates. */
  last?: number
  cumulative: boolean
}

interface Latency {
  /** p95 in ms of what each poll added (the last value again when nothing was observed). */
  values: number[]
  latest: HistogramTotals
  /** Milliseconds per unit of the histogram (1 for *_ms, 1000 for *_seconds). */
  scale: number
}

/**
 * Polls GET /metrics. Latency histograms (the seed metrics ttft_ms, rag_ms, tool_ms, …) show p50
 * and p95 in ms since the hub started, with a sparkline of each poll's p95; counters become
 * per-second rates; gauges stay levels.
 */
export function MetricsView({ api }: { api: ApiClient }) {
  const [series, setSeries] = useState<Record<string, Series>>({})
  const [latencies, setLatencies] = useState<Record<string, Latency>>({})
  const [outcome, setOutcome] = useState<ApiOutcome<string> | undefined>(undefined)
  useEffect(() => {
    let cancelled = false
    const poll = async () => {
      const result = await api.text('/metrics')
      if (cancelled) return
      setOutcome(result)
      if (result.kind !== 'ok') return
      const { types, values } = parsePrometheusText(result.data)
      const histograms = parseHistograms(result.data)
      setLatencies((previous) => {
        const next: Record<string, Latency> = {}
        for (const [name, totals] of Object.entries(histograms)) {
          const scale = durationScaleMs(name)
          if (scale === undefined) continue
          const old = previous[name]
          const added = histogramQuantile(bucketDelta(totals.buckets, old?.latest.buckets), 0.95)
          const point = added === undefined ? (old?.values.at(-1) ?? 0) : added * scale
          next[name] = { latest: totals, scale, values: [...(old?.values ?? []), point].slice(-SAMPLES) }
        }
        return next
      })
      setSeries((previous) => {
        const next: Record<string, Series> = {}
        for (const [name, value] of Object.entries(values)) {
          // A duration histogram's count is shown as its latency, not as a rate.
          const family = name.slice(0, -'_count'.length)
          if (
            name.endsWith('_count') &&
            types[family] === 'histogram' &&
            durationScaleMs(family) !== undefined
          )
            continue
          const old = previous[name]
          const cumulative = isCumulative(name, types)
          const point = cumulative
            ? old?.last === undefined
              ? 0
              : Math.max(0, value - old.last) / (POLL_MS / 1_000)
            : value
          next[name] = { cumulative, last: value, values: [...(old?.values ?? []), point].slice(-SAMPLES) }
        }
        return next
      })
    }
    poll()
    const timer = setInterval(poll, POLL_MS)
    return () => {
      cancelled = true
      clearInterval(timer)
    }
  }, [api])
  const latencyNames = Object.keys(latencies).sort()
  const names = Object.keys(series).sort()
  const label = (name: string) => name.replace(/^localhub_/, '')
  return (
    <div className="metrics">
      <OutcomeNotice outcome={outcome?.kind === 'ok' ? { kind: 'ok', data: '' } : outcome} what="metrics" />
      {latencyNames.length > 0 ? (
        <ul className="metric-list latency-list">
          {latencyNames.map((name) => {
            const entry = latencies[name]!
            const inMs = (value: number | undefined) =>
              value === undefined ? undefined : value * entry.scale
            const p50 = inMs(histogramQuantile(entry.latest.buckets, 0.5))
            const p95 = inMs(histogramQuantile(entry.latest.buckets, 0.95))
            return (
              <li key={name} data-testid="latency-metric" data-metric={label(name)}>
                <code>{label(name)}</code>
                <Sparkline
                  values={entry.values}
                  label={`${label(name)} p95 over the last ${entry.values.length} samples`}
                />
                <span className="value" data-testid="latency-value">
                  {entry.latest.count === 0
                    ? 'no samples yet'
                    : `p50 ${formatMs(p50)} · p95 ${formatMs(p95)} · ${entry.latest.count}×`}
                </span>
              </li>
            )
          })}
        </ul>
      ) : null}
      {names.length > 0 ? (
        <ul className="metric-list">
          {names.map((name) => {
            const entry = series[name]!
            const latest = entry.values.at(-1) ?? 0
            return (
              <li key={name} data-testid="metric">
                <code>{label(name)}</code>
                <Sparkline
                  values={entry.values}
                  label={`${name} over the last ${entry.values.length} samples`}
                />
                <span className="value">
                  {entry.cumulative ? `${latest.toFixed(1)}/s` : latest.toLocaleString()}
                </span>
              </li>
            )
          })}
        </ul>
      ) : null}
    </div>
  )
}
