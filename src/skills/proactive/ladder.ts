import { HubError } from '../../contracts/index.ts'
import { NUDGE_SEVERITIES, type NudgeSeverity } from './triage-rules.ts'

/** The nudge channels, least interrupting first (nudge.proposal's `channel`). */
export const NUDGE_CHANNELS = ['dashboard_only', 'toast', 'voice', 'avatar'] as const
export type NudgeChannel = (typeof NUDGE_CHANNELS)[number]

/** What a rung asks of a nudge: a least severity, and for `_and_actionable` a nudge the person can act on. */
export interface LadderRung {
  readonly level: number
  readonly channel: NudgeChannel
  readonly when: string
}

/** Seed 000's ladder, used when the skill's `policies.ladder` is absent. */
export const DEFAULT_LADDER: readonly LadderRung[] = Object.freeze([
  { level: 1, channel: 'dashboard_only', when: 'low' },
  { level: 2, channel: 'toast', when: 'medium' },
  { level: 3, channel: 'voice', when: 'high_and_actionable' },
])

const ACTIONABLE_SUFFIX = '_and_actionable'

interface CompiledRung {
  readonly channel: NudgeChannel
  readonly level: number
  readonly leastRank: number
  readonly needsActionable: boolean
}

function rankOf(severity: NudgeSeverity): number {
  return NUDGE_SEVERITIES.indexOf(severity)
}

/** The manifest's ladder: a nudge goes up to the highest rung whose `when` it satisfies. */
export class Ladder {
  readonly #rungs: CompiledRung[]

  constructor(rungs: readonly LadderRung[]) {
    this.#rungs = rungs
      .map((rung, index) => {
        const where = `policies.ladder[${index}]`
        if (!NUDGE_CHANNELS.includes(rung?.channel))
          throw new HubError('E_VALIDATION', `${where}.channel must be one of ${NUDGE_CHANNELS.join(', ')}`)
        const when = String(rung.when ?? '')
        const needsActionable = when.endsWith(ACTIONABLE_SUFFIX)
        const severity = (needsActionable ? when.slice(0, -ACTIONABLE_SUFFIX.length) : when) as NudgeSeverity
        if (!NUDGE_SEVERITIES.includes(severity))
          throw new HubError(
            'E_VALIDATION',
            `${where}.when must be a severity (${NUDGE_SEVERITIES.join(', ')}), optionally with ${ACTIONABLE_SUFFIX}`,
          )
        return {
          channel: rung.channel,
          level: Number(rung.level ?? index + 1),
          leastRank: rankOf(severity),
          needsActionable,
        }
      })
      .sort((a, b) => a.level - b.level)
    if (this.#rungs.length === 0)
      throw new HubError('E_VALIDATION', 'policies.ladder needs at least one rung')
  }

  /** The channel a nudge climbs to; the lowest rung's when none is satisfied. */
  channelFor(severity: NudgeSeverity, actionable: boolean): NudgeChannel {
    const rank = rankOf(severity)
    let chosen = this.#rungs[0]!.channel
    for (const rung of this.#rungs) {
      if (rank >= rung.leastRank && (!rung.needsActionable || actionable)) chosen = rung.channel
    }
    return chosen
  }
}

/** One rung down, for a nudge the rate limit or the person's mode holds back. */
export function lowerChannel(channel: NudgeChannel): NudgeChannel {
  if (channel === 'avatar' || channel === 'voice') return 'toast'
  return 'dashboard_only'
}

export function channelRank(channel: NudgeChannel): number {
  return NUDGE_CHANNELS.indexOf(channel)
}
