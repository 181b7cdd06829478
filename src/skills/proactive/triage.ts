import type { Envelope } from '../../contracts/index.ts'
import type { AttentionStore, InterruptibilityMode } from './attention-store.ts'
import { channelRank, type Ladder, lowerChannel, type NudgeChannel } from './ladder.ts'
import { NUDGE_SEVERITIES, type NudgeSeverity, type TriageRuleBook } from './triage-rules.ts'

/** The sliding window of the rate limits, in milliseconds. */
export const RATE_WINDOW_MS = 3_600_000
/** Seed 000's limits. */
export const DEFAULT_MAX_VOICE_NUDGES_PER_HOUR = 2
export const DEFAULT_MAX_TOASTS_PER_HOUR = 6
/** A proposal with the same key inside this window is a duplicate, in seconds. */
export const DEFAULT_COALESCE_WINDOW_SEC = 600
/** Feedback moves a rule's severity at most this many steps down, or up. */
export const MAX_FEEDBACK_STEPS_DOWN = 2
export const MAX_FEEDBACK_STEPS_UP = 1

export interface RateLimits {
  readonly maxVoiceNudgesPerHour: number
  readonly maxToastsPerHour: number
}

/** What triage decided for one signal. */
export type TriageDecision =
  | { readonly kind: 'ignored' }
  | { readonly kind: 'coalesced'; readonly ruleId: string }
  | {
      readonly kind: 'nudge'
      readonly ruleId: string
      readonly coalesceKey: string
      readonly proposal: {
        title: string
        reason: string
        severity: NudgeSeverity
        suggestedActions?: string[]
        channel: NudgeChannel
      }
      /** Where it is delivered: the ladder's channel, lowered by the mode and the limits. */
      readonly channel: NudgeChannel
      readonly rateLimited: boolean
      readonly mode: InterruptibilityMode
    }

export interface TriageOptions {
  readonly rules: TriageRuleBook
  readonly ladder: Ladder
  readonly store: AttentionStore
  readonly limits: RateLimits
  readonly coalesceWindowMs: number
  readonly defaultMode: InterruptibilityMode
}

/** The highest channel each mode allows without asking the rate limits. */
const MODE_CEILING: Record<InterruptibilityMode, NudgeChannel> = {
  dnd: 'dashboard_only',
  focus: 'toast',
  available: 'avatar',
}

/**
 * Scores a signal with the rules, climbs the ladder, then lowers the channel for the person's mode
 * and the rate limits. Decisions are recorded in the same transaction that counted the window.
 */
export class Triage {
  readonly #options: TriageOptions

  constructor(options: TriageOptions) {
    this.#options = options
  }

  get limits(): RateLimits {
    return this.#options.limits
  }

  mode(): InterruptibilityMode {
    return this.#options.store.mode() ?? this.#options.defaultMode
  }

  setMode(mode: InterruptibilityMode): void {
    this.#options.store.setMode(mode)
  }

  /** How many deliveries each limited channel has in the window ending at `now`. */
  usage(now: number): { voice: number; toast: number } {
    const since = now - RATE_WINDOW_MS
    const { store } = this.#options
    return {
      voice: store.deliveriesSince(['voice', 'avatar'], since),
      toast: store.deliveriesSince(['toast'], since),
    }
  }

  decide(signal: Envelope, now: number): TriageDecision {
    const { rules, ladder, store, coalesceWindowMs } = this.#options
    const match = rules.match(signal)
    if (match === undefined) return { kind: 'ignored' }
    return store.transaction(() => {
      store.prune(now)
      if (store.proposedSince(match.coalesceKey, now - coalesceWindowMs))
        return { kind: 'coalesced' as const, ruleId: match.rule.id }
      const offset = store.ruleOffset(match.rule.id)
      const rank = Math.min(
        NUDGE_SEVERITIES.length - 1,
        Math.max(0, NUDGE_SEVERITIES.indexOf(match.rule.severity) + offset),
      )
      const severity = NUDGE_SEVERITIES[rank]!
      const wanted = ladder.channelFor(severity, match.rule.actionable)
      const mode = this.mode()
      let channel = wanted
      while (channelRank(channel) > channelRank(MODE_CEILING[mode])) channel = lowerChannel(channel)
      let rateLimited = false
      for (;;) {
        const limit = this.#limitOf(channel)
        if (limit === undefined) break
        const used = store.deliveriesSince(limit.channels, now - RATE_WINDOW_MS)
        if (used < limit.max) break
        rateLimited = true
        channel = lowerChannel(channel)
      }
      // The dashboard list has no limit, so only limited channels are counted.
      if (channel !== 'dashboard_only') store.recordDelivery(channel, now)
      // The key is taken now, before the proposal is published, so a concurrent run coalesces.
      store.recordProposal(`signal:${signal.id}`, match.rule.id, match.coalesceKey, now)
      return {
        kind: 'nudge' as const,
        ruleId: match.rule.id,
        coalesceKey: match.coalesceKey,
        proposal: {
          title: match.title,
          reason: match.reason,
          severity,
          ...(match.rule.suggestedActions === undefined
            ? {}
            : { suggestedActions: [...match.rule.suggestedActions] }),
          channel: wanted,
        },
        channel,
        rateLimited,
        mode,
      }
    })
  }

  /** Remembers a proposal's id once published, for coalescing and feedback. */
  recordProposal(id: string, decision: Extract<TriageDecision, { kind: 'nudge' }>, now: number): void {
    this.#options.store.recordProposal(id, decision.ruleId, decision.coalesceKey, now)
  }

  /** ui.feedback on a proposal: helpful moves its rule one step up, not helpful one step down. */
  feedback(proposalId: string, helpful: boolean): string | undefined {
    const { store } = this.#options
    const ruleId = store.ruleOfProposal(proposalId)
    if (ruleId === undefined) return undefined
    const offset = store.ruleOffset(ruleId) + (helpful ? 1 : -1)
    store.setRuleOffset(ruleId, Math.max(-MAX_FEEDBACK_STEPS_DOWN, Math.min(MAX_FEEDBACK_STEPS_UP, offset)))
    return ruleId
  }

  #limitOf(channel: NudgeChannel): { channels: NudgeChannel[]; max: number } | undefined {
    const { limits } = this.#options
    if (channel === 'voice' || channel === 'avatar')
      return { channels: ['voice', 'avatar'], max: limits.maxVoiceNudgesPerHour }
    if (channel === 'toast') return { channels: ['toast'], max: limits.maxToastsPerHour }
    return undefined
  }
}
