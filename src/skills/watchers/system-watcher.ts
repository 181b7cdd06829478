import type { Clock } from '../../bus/index.ts'
import type { Severity } from '../../contracts/index.ts'
import type { SkillLogger } from '../../skill-api/index.ts'
import type { SystemSample } from './system-sampler.ts'

export const SYSTEM_METRICS = ['cpu', 'ram', 'disk', 'vram'] as const
export type SystemMetric = (typeof SYSTEM_METRICS)[number]

/** Seed 000's interval. */
export const DEFAULT_SAMPLE_EVERY_SEC = 5
/** A steady state is still reported this often, so the dashboard sees the machine, in seconds. */
export const DEFAULT_REPORT_EVERY_SEC = 60
/** Thresholds for metrics the manifest leaves out (seed 000 names cpu, vram and disk). */
export const DEFAULT_THRESHOLDS: Readonly<Record<SystemMetric, number>> = Object.freeze({
  cpu: 0.9,
  ram: 0.9,
  disk: 0.95,
  vram: 0.9,
})
/** A metric over its threshold is back to normal only below threshold − hysteresis. */
export const DEFAULT_HYSTERESIS = 0.05

/** What event.system.health carries: fractions in use, vram 0 where there is no GPU to ask. */
export interface HealthReport {
  readonly payload: { cpu: number; ram: number; vram: number; disk: number }
  readonly severity: Severity
  /** Metrics over their threshold, worst first. */
  readonly over: readonly SystemMetric[]
}

export interface SystemWatcherOptions {
  readonly clock: Clock
  readonly sampleEveryMs: number
  readonly reportEveryMs: number
  readonly thresholds: Readonly<Record<SystemMetric, number>>
  readonly hysteresis: number
  readonly sample: () => Promise<SystemSample>
  readonly publish: (report: HealthReport) => Promise<void>
  readonly logger: SkillLogger
}

/** 0 normal, 1 over the threshold (warn), 2 halfway from the threshold to full (error). */
type Level = 0 | 1 | 2

const SEVERITY_OF_LEVEL: readonly Severity[] = ['info', 'warn', 'error']

function round(value: number): number {
  return Math.round(value * 1000) / 1000
}

/**
 * Samples every `sampleEveryMs` and publishes event.system.health when the overall severity
 * changes, and otherwise once every `reportEveryMs`: a machine that stays busy does not flood the
 * bus. Each metric has hysteresis: it rises a level at its limit and falls back only below the
 * limit minus `hysteresis`, so a value hovering at a threshold does not flap.
 */
export class SystemWatcher {
  readonly #options: SystemWatcherOptions
  readonly #levels = new Map<SystemMetric, Level>()
  #timer: unknown
  #lastSeverity: Severity | undefined
  #lastReportAt = Number.NEGATIVE_INFINITY
  #closed = false

  constructor(options: SystemWatcherOptions) {
    this.#options = options
  }

  /** The first sample after `delayMs` (the skill waits a sample interval: see skill-module.ts). */
  start(delayMs = 0): void {
    if (delayMs <= 0) void this.tick()
    else this.#timer = this.#options.clock.setTimeout(() => void this.tick(), delayMs)
  }

  close(): void {
    this.#closed = true
    this.#options.clock.clearTimeout(this.#timer)
  }

  /** One sample and, when due, one report; then the next sample is scheduled. */
  async tick(): Promise<HealthReport | undefined> {
    const { clock } = this.#options
    let report: HealthReport | undefined
    try {
      report = this.evaluate(await this.#options.sample())
      const now = clock.now()
      if (report.severity !== this.#lastSeverity || now - this.#lastReportAt >= this.#options.reportEveryMs) {
        this.#lastSeverity = report.severity
        this.#lastReportAt = now
        await this.#options.publish(report)
      } else report = undefined
    } catch (error) {
      this.#options.logger.warn('system sample failed', { error: (error as Error).message })
      report = undefined
    }
    if (!this.#closed) {
      clock.clearTimeout(this.#timer)
      this.#timer = clock.setTimeout(() => void this.tick(), this.#options.sampleEveryMs)
    }
    return report
  }

  /** Moves each metric's level with hysteresis and builds the report (no publishing). */
  evaluate(sample: SystemSample): HealthReport {
    const { thresholds, hysteresis } = this.#options
    const over: { metric: SystemMetric; level: Level; excess: number }[] = []
    for (const metric of SYSTEM_METRICS) {
      const value = sample[metric]
      if (value === undefined) continue
      const threshold = thresholds[metric]
      const critical = threshold + (1 - threshold) / 2
      const before = this.#levels.get(metric) ?? 0
      let level: Level = before
      if (value >= critical) level = 2
      else if (value >= threshold) level = before === 2 && value >= critical - hysteresis ? 2 : 1
      else if (before > 0 && value >= threshold - hysteresis) level = before === 2 ? 1 : before
      else level = 0
      this.#levels.set(metric, level)
      if (level > 0) over.push({ metric, level, excess: value - threshold })
    }
    over.sort((a, b) => b.level - a.level || b.excess - a.excess)
    const worst = over[0]?.level ?? 0
    return {
      payload: {
        cpu: round(sample.cpu),
        ram: round(sample.ram),
        vram: round(sample.vram ?? 0),
        disk: round(sample.disk),
      },
      severity: SEVERITY_OF_LEVEL[worst]!,
      over: over.map((entry) => entry.metric),
    }
  }
}
