import { type Bus, systemClock } from '../../bus/index.ts'
import {
  answerRegistryCommands,
  answerResolveCommands,
  answerScenarioRuns,
  FederationService,
  openExecTokenSigner,
  type ScenarioBook,
} from '../../federation/index.ts'
import type { SkillLogger } from '../../skill-api/index.ts'

export interface HubFederation {
  readonly service: FederationService
  close(): Promise<void>
}

/**
 * Seed 001's capability registry and resolver, rebuilt from the log, with the bus commands that
 * reach it: resolve.request, registry.announce / registry.heartbeat and scenario.run
 * (docs/federation.md). Closing stops the commands before the service.
 */
export async function openHubFederation(
  bus: Bus,
  options: { dataDir: string; scenarios: ScenarioBook; logger: SkillLogger },
): Promise<HubFederation> {
  const { logger } = options
  const service = await FederationService.open({
    bus,
    clock: systemClock,
    signer: openExecTokenSigner(options.dataDir),
    scenarios: options.scenarios,
    onError: (error) =>
      // Lease expiries not published, a dispatch or re-plan that failed (retried or reported).
      logger.warn('federation background work failed', { message: (error as Error).message }),
  })
  const subscriptions: { unsubscribe(): Promise<void> | void }[] = []
  const close = async () => {
    for (const subscription of subscriptions.reverse()) await subscription.unsubscribe()
    await service.close()
  }
  try {
    subscriptions.push(await answerResolveCommands(bus, service))
    // Agents on the bus announce (registry.announce) and heartbeat (registry.heartbeat) there too.
    subscriptions.push(
      ...(await answerRegistryCommands(bus, service, (error) =>
        logger.warn('a bus heartbeat was refused', { message: (error as Error).message }),
      )),
    )
    subscriptions.push(await answerScenarioRuns(bus, service, { clock: systemClock }))
  } catch (error) {
    await close()
    throw error
  }
  return { service, close }
}
