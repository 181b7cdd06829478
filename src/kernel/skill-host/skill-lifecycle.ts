import type { Bus } from '../../bus/index.ts'
import type { Skill } from '../../manifest/index.ts'
import type { SkillLifecyclePort } from '../../skill-api/index.ts'

/** skill.failed's reason is at most 1000 characters (catalog). */
const REASON_MAX_CHARS = 1000

/**
 * skill.started / skill.failed after a skill opened — a stdio host that crashed and was started again —
 * published by the kernel like the ones of the boot, so the timeline shows every restart.
 */
export function skillLifecyclePort(bus: Bus, skills: readonly Skill[]): SkillLifecyclePort {
  const byId = new Map(skills.map((skill) => [skill.id, skill]))
  const skillOf = (skillId: string): Skill => {
    const skill = byId.get(skillId)
    // Only the manifest's own skills have a lifecycle; anything else is a bug in a module.
    if (skill === undefined) throw new Error(`no skill ${skillId} in the manifest`)
    return skill
  }
  return {
    async started(skillId, info) {
      const skill = skillOf(skillId)
      await bus.publish({
        type: 'skill.started',
        source: 'kernel',
        payload: {
          skillId,
          version: skill.version,
          transport: skill.transport?.type ?? 'inproc',
          ...(info.pid !== undefined && info.pid >= 1 ? { pid: info.pid } : {}),
          ...(info.startMs === undefined ? {} : { startMs: Math.max(0, Math.round(info.startMs)) }),
        },
      })
    },
    async failed(skillId, info) {
      skillOf(skillId)
      await bus.publish({
        type: 'skill.failed',
        source: 'kernel',
        severity: 'warn',
        payload: {
          skillId,
          reason: info.reason.slice(0, REASON_MAX_CHARS) || 'stopped',
          error: { code: 'E_DEPENDENCY_UNAVAILABLE', message: info.reason.slice(0, REASON_MAX_CHARS) },
          restarts: info.restarts,
          willRestart: info.willRestart,
          ...(info.nextRestartInMs === undefined ? {} : { nextRestartInMs: info.nextRestartInMs }),
        },
      })
    },
  }
}
