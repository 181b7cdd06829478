import { compileTypePattern } from '../../bus/index.ts'
import type { Envelope, Severity } from '../../contracts/index.ts'
import { HubError } from '../../contracts/index.ts'

/** How urgent a nudge is, lowest first (the nudge.proposal severities). */
export const NUDGE_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const
export type NudgeSeverity = (typeof NUDGE_SEVERITIES)[number]

/**
 * One rule of the manifest's `rules`: which signals it matches and the nudge it proposes. A signal
 * matches when its type matches `match` and, when given, its envelope severity is in
 * `envelopeSeverity` or one of its numeric payload fields is at least `anyFieldAtLeast`, and every
 * field of `payloadEquals` has that value.
 */
export interface TriageRule {
  readonly id: string
  readonly match: string
  readonly envelopeSeverity?: readonly Severity[]
  readonly anyFieldAtLeast?: number
  readonly payloadEquals?: Readonly<Record<string, string | number | boolean>>
  readonly severity: NudgeSeverity
  readonly actionable: boolean
  /** Templates: `{field}` is the payload's field, `{field%}` a 0..1 fraction as a percentage. */
  readonly title: string
  readonly reason: string
  readonly suggestedActions?: readonly string[]
  /** Payload field whose value tells duplicates apart (a build's project); the rule alone when absent. */
  readonly coalesceBy?: string
}

/** Rules in force when the manifest names none: system health over its thresholds and failed builds. */
export const DEFAULT_TRIAGE_RULES: readonly TriageRule[] = Object.freeze([
  {
    id: 'system-health-critical',
    match: 'event.system.health',
    envelopeSeverity: ['error'],
    anyFieldAtLeast: 0.97,
    severity: 'high',
    actionable: true,
    title: 'The machine is running out of resources',
    reason: 'cpu {cpu%}, ram {ram%}, disk {disk%}, vram {vram%}',
    suggestedActions: ['close what you do not need', 'free disk space'],
  },
  {
    id: 'system-health-high',
    match: 'event.system.health',
    envelopeSeverity: ['warn'],
    anyFieldAtLeast: 0.9,
    severity: 'medium',
    actionable: false,
    title: 'System resources are high',
    reason: 'cpu {cpu%}, ram {ram%}, disk {disk%}, vram {vram%}',
  },
  {
    id: 'build-failed',
    match: 'event.git.build_failed',
    severity: 'high',
    actionable: true,
    title: 'The build of {project} failed',
    reason: 'exit code {exitCode}; the log is {logPath}',
    suggestedActions: ['open the build log'],
    coalesceBy: 'project',
  },
  {
    // The title is hashed in the stored event, so the nudge names the time and the calendar.
    id: 'calendar-upcoming',
    match: 'calendar.event',
    payloadEquals: { change: 'upcoming' },
    severity: 'medium',
    actionable: false,
    title: 'A calendar item starts at {startsAt}',
    reason: 'from the {calendar} calendar',
    coalesceBy: 'eventId',
  },
])

/** What a matching rule proposes for one signal, before the ladder and the limits. */
export interface RuleMatch {
  readonly rule: TriageRule
  readonly title: string
  readonly reason: string
  /** Duplicates within the coalescing window share this key. */
  readonly coalesceKey: string
}

function fill(template: string, payload: Record<string, unknown>): string {
  return template.replace(/\{([A-Za-z0-9_]+)(%?)\}/g, (_whole, field: string, percent: string) => {
    const value = payload[field]
    if (value === undefined || value === null) return '?'
    if (percent === '%' && typeof value === 'number') return `${Math.round(value * 100)}%`
    return typeof value === 'object' ? JSON.stringify(value) : String(value)
  })
}

function conditionHolds(rule: TriageRule, signal: Envelope): boolean {
  const payload = (signal.payload ?? {}) as Record<string, unknown>
  const equals = Object.entries(rule.payloadEquals ?? {})
  if (!equals.every(([field, value]) => payload[field] === value)) return false
  const bySeverity = rule.envelopeSeverity
  const byField = rule.anyFieldAtLeast
  if (bySeverity === undefined && byField === undefined) return true
  if (bySeverity?.includes(signal.severity) === true) return true
  if (byField === undefined) return false
  return Object.values(payload).some((value) => typeof value === 'number' && value >= byField)
}

/** Checks the manifest's `rules` and compiles their patterns once. */
export class TriageRuleBook {
  readonly #rules: { rule: TriageRule; matches: (type: string) => boolean }[]

  constructor(rules: readonly TriageRule[]) {
    this.#rules = rules.map((rule, index) => {
      const where = `rules[${index}]`
      if (typeof rule?.id !== 'string' || typeof rule.match !== 'string')
        throw new HubError('E_VALIDATION', `${where} needs an id and a match pattern`)
      if (!NUDGE_SEVERITIES.includes(rule.severity))
        throw new HubError('E_VALIDATION', `${where}.severity must be one of ${NUDGE_SEVERITIES.join(', ')}`)
      if (typeof rule.title !== 'string' || rule.title === '')
        throw new HubError('E_VALIDATION', `${where} needs a title`)
      if (rule.envelopeSeverity !== undefined && !Array.isArray(rule.envelopeSeverity))
        throw new HubError('E_VALIDATION', `${where}.envelopeSeverity must be a list of severities`)
      if (rule.anyFieldAtLeast !== undefined && typeof rule.anyFieldAtLeast !== 'number')
        throw new HubError('E_VALIDATION', `${where}.anyFieldAtLeast must be a number`)
      if (
        rule.payloadEquals !== undefined &&
        (rule.payloadEquals === null ||
          typeof rule.payloadEquals !== 'object' ||
          Array.isArray(rule.payloadEquals))
      )
        throw new HubError('E_VALIDATION', `${where}.payloadEquals must map fields to values`)
      return {
        rule: { ...rule, actionable: rule.actionable === true },
        matches: compileTypePattern(rule.match),
      }
    })
  }

  get ids(): string[] {
    return this.#rules.map((entry) => entry.rule.id)
  }

  /** The first rule (in manifest order) that matches the signal, or undefined: no nudge. */
  match(signal: Envelope): RuleMatch | undefined {
    const payload = (signal.payload ?? {}) as Record<string, unknown>
    for (const { rule, matches } of this.#rules) {
      if (!matches(signal.type) || !conditionHolds(rule, signal)) continue
      const by = rule.coalesceBy === undefined ? '' : String(payload[rule.coalesceBy] ?? '')
      return {
        rule,
        title: fill(rule.title, payload).slice(0, 200),
        reason: fill(rule.reason ?? '', payload).slice(0, 2000),
        coalesceKey: `${rule.id}:${by}`,
      }
    }
    return undefined
  }
}
