// Where `localhub run` reports a failed command: the running hub over HTTP when there is one
// (its live consumers, triage among them, see the event at once), else the data directory's log.
import { postEvents } from '../../bus/index.ts'
import { fail, HubError, ok, type Result } from '../../contracts/index.ts'
import type { CommandIo } from '../io.ts'
import { openLocalBus, serverFor } from './events-bus-access.ts'

export interface BuildFailure {
  project: string
  logPath: string
  exitCode: number
}

/** Publishes event.git.build_failed; says where it went ('the hub at URL' or 'the log in DIR'). */
export async function publishBuildFailure(
  dataDir: string,
  failure: BuildFailure,
  io: CommandIo,
): Promise<Result<{ where: string; id: string }>> {
  const draft = { type: 'event.git.build_failed' as const, payload: failure }
  try {
    const server = serverFor(dataDir)
    if (server !== undefined) {
      for await (const outcome of postEvents(server, [JSON.stringify(draft)])) {
        if (!outcome.ok) return outcome
        return ok({ where: `the hub at ${server.url}`, id: outcome.data.id })
      }
      return fail(new HubError('E_DEPENDENCY_UNAVAILABLE', `the hub at ${server.url} gave no receipt`))
    }
    const bus = await openLocalBus(dataDir, io)
    try {
      const receipt = await bus.publish(draft)
      return ok({ where: `the log in ${dataDir} (no hub running)`, id: receipt.id })
    } finally {
      await bus.close()
    }
  } catch (error) {
    return fail(error)
  }
}
