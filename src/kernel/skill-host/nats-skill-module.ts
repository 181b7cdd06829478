import { HubError } from '../../contracts/index.ts'
import { createFrameValidator, natsFramesAuthOf } from '../../frames/index.ts'
import { hostToolTiersOf } from '../../manifest/index.ts'
import type { SkillModule } from '../../skill-api/index.ts'
import { startNatsAttachPoint } from './nats-attach-point.ts'
import { stdioSkillModule } from './stdio-skill-module.ts'

/** The NATS server(s) skill hosts attach through (comma-separated nats:// or tls:// URLs). */
export const SKILL_NATS_ENV = 'LOCALHUB_SKILL_NATS'
const NATS_URL = /^(nats|tls):\/\/[^\s/,]+(:\d{1,5})?\/?$/

/**
 * Where a hub meets its NATS skill hosts: LOCALHUB_SKILL_NATS, else the servers of a NATS bus given
 * as LOCALHUB_BUS=nats://… (decision 1820). Nothing else is guessed: a skill with neither says so.
 */
export function skillNatsServers(env: Readonly<Record<string, string | undefined>>): string[] {
  for (const name of [SKILL_NATS_ENV, 'LOCALHUB_BUS']) {
    const value = env[name]?.trim()
    if (value === undefined || value === '') continue
    const servers = value.split(',').map((part) => part.trim())
    if (servers.every((server) => NATS_URL.test(server))) return servers
    if (name === SKILL_NATS_ENV)
      throw new HubError(
        'E_VALIDATION',
        `${SKILL_NATS_ENV} must be nats://HOST:PORT[,…], got ${JSON.stringify(value)}`,
        {
          details: {
            issues: [
              {
                path: `/env/${SKILL_NATS_ENV}`,
                expected: 'nats://HOST:PORT[,…]',
                got: value,
                message: 'not a NATS URL list',
              },
            ],
          },
        },
      )
  }
  return []
}

/**
 * `transport: { type: nats, subject, timeoutMs }`: the skill host runs anywhere that reaches the same
 * NATS server and attaches itself (`localhub/skill` with --nats, or the Python host); the hub
 * runs it exactly as a stdio skill (same call steps, rights, events and approvals).
 */
export function natsSkillModule(settings: { manifestDirectory: string }): SkillModule {
  const module = stdioSkillModule({
    manifestDirectory: settings.manifestDirectory,
    openHost(context, ports, session) {
      const servers = skillNatsServers(context.env)
      if (servers.length === 0)
        throw new HubError(
          'E_DEPENDENCY_UNAVAILABLE',
          `skill ${context.skill.id} uses transport nats but the hub knows no NATS server: set ${SKILL_NATS_ENV}=nats://HOST:PORT (docs/frame-protocol.md "Transport: NATS")`,
        )
      const transport = context.skill.transport!
      return startNatsAttachPoint({
        skillId: context.skill.id,
        servers,
        subject: transport.subject!,
        // LOCALHUB_SKILL_NATS_USER / _PASSWORD / _TOKEN / _CA, as a host reads them (decision 1852).
        auth: natsFramesAuthOf([], context.env),
        subscriptions: context.skill.consumes,
        validator: createFrameValidator(),
        namedTools: Object.keys(hostToolTiersOf(context.skill)),
        ports,
        logger: context.logger,
        ...(transport.timeoutMs === undefined ? {} : { startTimeoutMs: transport.timeoutMs }),
        ...(session === undefined ? {} : { session }),
      })
    },
  })
  return { ...module, name: 'nats' }
}
