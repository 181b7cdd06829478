import { join } from 'node:path'
import type { Envelope } from '../../contracts/index.ts'
import { HubError } from '../../contracts/index.ts'
import { defineSkill, type RunState, type SkillContext } from '../../skill-api/index.ts'
import { attentionRoutes } from './attention-routes.ts'
import { AttentionStore, INTERRUPTIBILITY_MODES, type InterruptibilityMode } from './attention-store.ts'
import { DEFAULT_LADDER, Ladder, type LadderRung } from './ladder.ts'
import { NudgeSpeaker, nudgeVoiceOf, speaksNudges } from './nudge-speaker.ts'
import {
  DEFAULT_COALESCE_WINDOW_SEC,
  DEFAULT_MAX_TOASTS_PER_HOUR,
  DEFAULT_MAX_VOICE_NUDGES_PER_HOUR,
  Triage,
  type TriageDecision,
} from './triage.ts'
import { DEFAULT_TRIAGE_RULES, type TriageRule, TriageRuleBook } from './triage-rules.ts'

/** The file in the data directory that keeps rate windows, mode, proposals and feedback. */
export const DEFAULT_ATTENTION_DATABASE = 'proactive.sqlite'
/** Where a run keeps triage's verdict for the `needs_user_attention` condition. */
export const DECISION_KEY = 'skill.proactive:decision'

const CONFIG_KEYS = [
  'interruptibility',
  'rateLimits',
  'rules',
  'coalesceWindowSec',
  'defaultMode',
  'voice',
] as const

/** What the maps and lists of maps of the config hold (checked when the manifest loads). */
const CONFIG_SHAPE = {
  rateLimits: { maxVoiceNudgesPerHour: true, maxToastsPerHour: true },
  rules: [
    {
      id: true,
      match: true,
      envelopeSeverity: true,
      anyFieldAtLeast: true,
      // A free map: payload field → value.
      payloadEquals: true,
      severity: true,
      actionable: true,
      title: true,
      reason: true,
      suggestedActions: true,
      coalesceBy: true,
    } satisfies Record<keyof TriageRule, true>,
  ],
  voice: { engine: true, voicePreset: true, binary: true, uri: true },
} as const satisfies Partial<Record<(typeof CONFIG_KEYS)[number], unknown>>

/** The policies triage reads: the ladder's rungs. */
const POLICY_SHAPE = {
  ladder: [{ level: true, channel: true, when: true } satisfies Record<keyof LadderRung, true>],
} as const

function nonNegativeInteger(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new HubError('E_VALIDATION', `${name} must be a whole number ≥ 0, got ${JSON.stringify(value)}`)
  return value
}

function readMode(value: unknown, modes: readonly string[]): InterruptibilityMode {
  if (value === undefined) return 'available'
  if (!INTERRUPTIBILITY_MODES.includes(value as InterruptibilityMode) || !modes.includes(value as string))
    throw new HubError('E_VALIDATION', `defaultMode must be one of ${modes.join(', ')}`)
  return value as InterruptibilityMode
}

function openTriage(context: SkillContext): {
  triage: Triage
  store: AttentionStore
  modes: readonly string[]
} {
  const config = context.config
  const modes = (config.interruptibility as string[] | undefined) ?? [...INTERRUPTIBILITY_MODES]
  const unknown = modes.filter((mode) => !INTERRUPTIBILITY_MODES.includes(mode as InterruptibilityMode))
  if (unknown.length > 0)
    throw new HubError(
      'E_VALIDATION',
      `interruptibility knows ${INTERRUPTIBILITY_MODES.join(', ')}, not ${unknown.join(', ')}`,
    )
  const limits = (config.rateLimits ?? {}) as Record<string, unknown>
  const ladder = new Ladder((context.skill.policies?.ladder as LadderRung[] | undefined) ?? DEFAULT_LADDER)
  const rules = new TriageRuleBook((config.rules as TriageRule[] | undefined) ?? DEFAULT_TRIAGE_RULES)
  const store = new AttentionStore(join(context.dataDir, DEFAULT_ATTENTION_DATABASE))
  const triage = new Triage({
    rules,
    ladder,
    store,
    limits: {
      maxVoiceNudgesPerHour: nonNegativeInteger(
        limits.maxVoiceNudgesPerHour,
        DEFAULT_MAX_VOICE_NUDGES_PER_HOUR,
        'rateLimits.maxVoiceNudgesPerHour',
      ),
      maxToastsPerHour: nonNegativeInteger(
        limits.maxToastsPerHour,
        DEFAULT_MAX_TOASTS_PER_HOUR,
        'rateLimits.maxToastsPerHour',
      ),
    },
    coalesceWindowMs:
      nonNegativeInteger(config.coalesceWindowSec, DEFAULT_COALESCE_WINDOW_SEC, 'coalesceWindowSec') * 1000,
    defaultMode: readMode(config.defaultMode, modes),
  })
  return { triage, store, modes }
}

function decisionOf(run: RunState): TriageDecision | undefined {
  return run.data.get(DECISION_KEY) as TriageDecision | undefined
}

/**
 * skill.proactive.triage: a `call` step scores the run's signal with the manifest's rules, climbs
 * the ladder, applies the person's mode and the rate limits, publishes the nudge.proposal and,
 * when the entry provides it, the ui.nudge the dashboard lists, and prepares the nudge.dispatch
 * the pipeline's `if` step emits.
 */
export const proactiveSkillModule = defineSkill({
  name: 'proactive',
  configKeys: CONFIG_KEYS,
  configShape: CONFIG_SHAPE,
  policyShape: POLICY_SHAPE,
  conditions: ['needs_user_attention'],
  emits: ['nudge.proposal', 'nudge.dispatch'],
  open(context) {
    const { triage, store, modes } = openTriage(context)
    const clock = context.clock
    const onMode = (event: Envelope) => {
      const mode = (event.payload as { mode?: string }).mode
      if (mode !== undefined && modes.includes(mode)) triage.setMode(mode as InterruptibilityMode)
    }
    const onFeedback = (event: Envelope) => {
      const { target, helpful } = event.payload as { target?: string; helpful?: boolean }
      if (typeof target === 'string' && typeof helpful === 'boolean') triage.feedback(target, helpful)
    }
    const consumes = context.skill.consumes
    // ui.nudge is optional (seed 000's manifest does not name it): published when provided.
    const showsNudges = context.skill.provides.includes('ui.nudge')
    // Voice nudges are spoken when the entry provides the speech events and hears its dispatches.
    const speaker = speaksNudges(context)
      ? new NudgeSpeaker({
          context,
          voice: nudgeVoiceOf(context),
          mode: () => triage.mode(),
          logger: context.logger,
        })
      : undefined
    return {
      runtime: {
        status: () => ({ state: 'ready' }),
        async invoke({ run, emitter }) {
          if (run.signal === undefined) return
          const now = clock.now()
          const decision = triage.decide(run.signal, now)
          run.data.set(DECISION_KEY, decision)
          if (decision.kind !== 'nudge') return
          const proposal = await emitter.emit('nudge.proposal', decision.proposal, {
            severity: decision.proposal.severity === 'low' ? 'info' : 'warn',
          })
          triage.recordProposal(proposal.id, decision, now)
          speaker?.remember(proposal.id, decision.proposal.title, decision.proposal.reason)
          run.data.set('payload:nudge.dispatch', {
            proposalId: proposal.id,
            channel: decision.channel,
            rateLimited: decision.rateLimited,
          })
          // What the dashboard lists (and a voice skill may speak), on the channel triage chose.
          if (showsNudges)
            await emitter.emit('ui.nudge', {
              proposalId: proposal.id,
              channel: decision.channel,
              title: decision.proposal.title,
              severity: decision.proposal.severity,
              ...(decision.proposal.reason === '' ? {} : { body: decision.proposal.reason }),
            })
        },
      },
      conditions: {
        // The ladder (or the limits) chose more than the dashboard list: the person is told.
        needs_user_attention: (run) => {
          const decision = decisionOf(run)
          return (
            decision?.kind === 'nudge' &&
            (decision.proposal.channel !== 'dashboard_only' || decision.rateLimited)
          )
        },
      },
      subscriptions: [
        ...(consumes.includes('ui.interruptibility')
          ? [
              {
                pattern: 'ui.interruptibility',
                handler: onMode,
                options: { durable: `${context.skill.id}.mode`, from: 'new' as const },
              },
            ]
          : []),
        ...(consumes.includes('ui.feedback')
          ? [
              {
                pattern: 'ui.feedback',
                handler: onFeedback,
                options: { durable: `${context.skill.id}.feedback`, from: 'new' as const },
              },
            ]
          : []),
        ...(speaker === undefined
          ? []
          : [{ pattern: 'nudge.dispatch', handler: speaker.onDispatch, options: { from: 'new' as const } }]),
      ],
      routes: [attentionRoutes(triage, clock)],
      async close() {
        await speaker?.idle()
        store.close()
      },
    }
  },
})
