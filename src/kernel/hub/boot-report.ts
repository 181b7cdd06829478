import type { Bus } from '../../bus/index.ts'
import type { HubManifest } from '../../manifest/index.ts'
import { HUB_VERSION } from './hub-version.ts'

/** What a start reports on the bus: skills not ready (skill.failed, hub.degraded), then system.boot.completed. */
export async function reportBoot(
  bus: Bus,
  manifest: HubManifest,
  report: readonly { id: string; status: string; reason?: string; enabled: boolean }[],
  startedAt: number,
  transport: 'sqlite' | 'memory' | 'nats',
  /** Skills that publish their own skill.started / skill.failed (a stdio host): not reported twice. */
  reportsItself: (skillId: string) => boolean = () => false,
): Promise<void> {
  const notReady = report.filter((skill) => skill.enabled && skill.status !== 'ready')
  for (const skill of notReady) {
    if (reportsItself(skill.id)) continue
    await bus.publish({
      type: 'skill.failed',
      severity: 'warn',
      payload: {
        skillId: skill.id,
        reason: (skill.reason ?? skill.status).slice(0, 1000),
        error: { code: 'E_DEPENDENCY_UNAVAILABLE', message: skill.reason ?? skill.status },
        restarts: 0,
        willRestart: false,
      },
    })
  }
  if (notReady.length > 0) {
    await bus.publish({
      type: 'hub.degraded',
      severity: 'warn',
      payload: {
        hubId: manifest.system.id,
        since: new Date(startedAt).toISOString(),
        reasons: notReady.slice(0, 50).map((skill) => ({
          component: skill.id,
          code: 'E_DEPENDENCY_UNAVAILABLE',
          message: (skill.reason ?? skill.status).slice(0, 1000),
        })),
      },
    })
  }
  await bus.publish({
    type: 'system.boot.completed',
    payload: {
      hubId: manifest.system.id,
      version: HUB_VERSION,
      startedAt: new Date(startedAt).toISOString(),
      bootMs: Math.round(Date.now() - startedAt),
      transport,
      skills: report.map((skill) => skill.id),
    },
  })
}
