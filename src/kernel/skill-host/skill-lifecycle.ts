import type { Bus } from '../../bus/index.ts'
import type { Skill } from '../../manifest/index.ts'
import type { SkillLifecyclePort } from '../../skill-api/index.ts'

/** skill.failed's reason is at most 1000 characters (catalog). */
const REASON_MAX_CHARS = 1000

/** The kernel's lifecycle port, which also knows which skills report their own lifecycle. */
export interface KernelSkillLifecycle extends SkillLifecyclePort {
  /**
   * True once a skill's module reported a start or a stop of its own (a stdio host, from its first
   * start on): the skill host then publishes no skill.started of its own for it when it opens (it
   * would say the skill is up while its host is not, with the hub's pid).
   */
  reportsItself(skillId: string): boolean
}

/**
 * skill.started / skill.failed of a skill whose process starts and stops by itself — a stdio host,
 * its first start and every restart — published by the kernel like the ones of the boot, so the
 * timeline shows every start and every stop.
 */
export function skillLifecyclePort(bus: Bus, skills: readonly Skill[]): KernelSkillLifecycle {
  const byId = new Map(skills.map((skill) => [skill.id, skill]))
  const reporting = new Set<string>()
  const skillOf = (skillId: string): Skill => {
    const skill = byId.get(skillId)
    // Only the manifest's own skills have a lifecycle; anything else is a bug in a module.
    if (skill === undefined) throw new Error(`no skill ${skillId} in the manifest`)
    return skill
  }
  return {
    reportsItself: (skillId) => reporting.has(skillId),
    async started(skillId, info) {
      const skill = skillOf(skillId)
      reporting.add(skillId)
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
      reporting.add(skillId)
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
