import { useEffect, useState } from 'react'
import type { ApiClient, ApiOutcome } from '../lib/api-client.ts'
import { isCumulative, parsePrometheusText } from '../lib/prometheus.ts'
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

/** Polls GET /metrics; counters and histogram counts become per-second rates, gauges stay levels. */
export function MetricsView({ api }: { api: ApiClient }) {
  const [series, setSeries] = useState<Record<string, Series>>({})
  const [outcome, setOutcome] = useState<ApiOutcome<string> | undefined>(undefined)
  useEffect(() => {
    let cancelled = false
    const poll = async () => {
      const result = await api.text('/metrics')
      if (cancelled) return
      setOutcome(result)
      if (result.kind !== 'ok') return
      const { types, values } = parsePrometheusText(result.data)
      setSeries((previous) => {
        const next: Record<string, Series> = {}
        for (const [name, value] of Object.entries(values)) {
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
  const names = Object.keys(series).sort()
  return (
    <div className="metrics">
      <OutcomeNotice outcome={outcome?.kind === 'ok' ? { kind: 'ok', data: '' } : outcome} what="metrics" />
      {names.length > 0 ? (
        <ul className="metric-list">
          {names.map((name) => {
            const entry = series[name]!
            const latest = entry.values.at(-1) ?? 0
            return (
              <li key={name} data-testid="metric">
                <code>{name.replace(/^localhub_/, '')}</code>
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
