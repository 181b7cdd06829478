import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { MetricsSink } from '../../skill-api/index.ts'

// Buckets in milliseconds, from a fast local step to a slow first token on CPU.
const STEP_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000]

export interface HubMetrics extends MetricsSink {
  readonly registry: Registry
  published(type: string, outcome: 'ok' | 'duplicate' | 'rejected'): void
  setGauge(name: 'bus_dlq_entries' | 'bus_log_seq' | 'skills_degraded', value: number): void
}

/** Prometheus metrics of one hub, in a registry of its own (never prom-client's global one). */
export function createHubMetrics(): HubMetrics {
  const registry = new Registry()
  const histograms = new Map<string, Histogram<string>>()
  for (const name of [
    'ttft_ms',
    'rag_ms',
    'tool_ms',
    'stt_ms',
    'tts_ms',
    'avatar_ms',
    'voice_rtt_ms',
    'turn_ms',
  ]) {
    histograms.set(
      name,
      new Histogram({
        name: `localhub_${name}`,
        help: `Seed 000 metric ${name} (milliseconds)`,
        labelNames: ['skill', 'outcome', 'pipeline'],
        buckets: STEP_BUCKETS_MS,
        registers: [registry],
      }),
    )
  }
  const publishedCounter = new Counter({
    name: 'localhub_bus_published_total',
    help: 'Events offered to the bus by the kernel and its routes, by type and outcome',
    labelNames: ['type', 'outcome'],
    registers: [registry],
  })
  const gauges = {
    bus_dlq_entries: new Gauge({
      name: 'localhub_bus_dlq_entries',
      help: 'Entries in the dead-letter queue',
      registers: [registry],
    }),
    bus_log_seq: new Gauge({
      name: 'localhub_bus_log_seq',
      help: 'Highest seq in the event log',
      registers: [registry],
    }),
    skills_degraded: new Gauge({
      name: 'localhub_skills_degraded',
      help: 'Skills not ready',
      registers: [registry],
    }),
  }
  return {
    registry,
    observe(metric, milliseconds, labels = {}) {
      histograms.get(metric)?.observe(labels, milliseconds)
    },
    published(type, outcome) {
      publishedCounter.inc({ type, outcome })
    },
    setGauge(name, value) {
      gauges[name].set(value)
    },
  }
}
