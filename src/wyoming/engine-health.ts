import { parseWyomingUri } from './wyoming-events.ts'

/**
 * Health of a voice skill's engine choice that does not depend on the engine itself: an engine the
 * skill does not know, or a Wyoming engine without a usable `uri`. Undefined for a known local
 * engine, whose own checks (binary, model, voice) follow.
 */
export function engineChoiceHealth(
  engine: string,
  engines: readonly string[],
  uri: string | undefined,
): { state: 'ready' | 'unavailable'; reason?: string } | undefined {
  if (!engines.includes(engine))
    return { state: 'unavailable', reason: `engine ${engine} is not built in; use ${engines.join(', ')}` }
  if (engine !== 'wyoming') return undefined
  if (uri === undefined)
    return { state: 'unavailable', reason: 'engine wyoming needs config uri: tcp://host:port of the service' }
  try {
    parseWyomingUri(uri)
  } catch (error) {
    return { state: 'unavailable', reason: (error as Error).message }
  }
  // Reachability shows at the first turn: the service may start after the hub.
  return { state: 'ready' }
}
