import type { Envelope } from '../../contracts/index.ts'

/** Sessions whose last active channel is remembered; the oldest is forgotten first. */
export const DEFAULT_MAX_REMEMBERED_SESSIONS = 10_000
/** routing.agent_id of a reply when the message named none (the Pinchy dialect's default). */
export const DEFAULT_AGENT_ID = 'default'

/** Seed 004's routing.target: where a gateway delivers a reply. */
export interface ReplyTarget {
  platform?: string
  channel_id?: string
  thread_id?: string
  address?: string
}

/** What a reply needs of the message it answers: its Pinchy routing and where it came from. */
export interface InboundRouting {
  agentId: string
  isolationKey?: string
  target?: ReplyTarget
  /** The channel the message arrived on (source.platform and source.channel_id), if it says. */
  channel?: ReplyTarget
}

const TARGET_KEYS = ['platform', 'channel_id', 'thread_id', 'address'] as const

function objectAt(value: unknown, key: string): Record<string, unknown> | undefined {
  const inner = (value as Record<string, unknown> | undefined)?.[key]
  return inner !== null && typeof inner === 'object' && !Array.isArray(inner)
    ? (inner as Record<string, unknown>)
    : undefined
}

/** The string fields of a target; undefined when none is set. */
function targetOf(value: Record<string, unknown> | undefined): ReplyTarget | undefined {
  if (value === undefined) return undefined
  const target: ReplyTarget = {}
  for (const key of TARGET_KEYS)
    if (typeof value[key] === 'string' && value[key] !== '') target[key] = value[key]
  return Object.keys(target).length === 0 ? undefined : target
}

/**
 * Reads the Pinchy routing and source the dialect keeps under meta.pinchy of a converted message
 * (src/dialects/pinchy.ts); a canonical message has none, and gets the default agent.
 */
export function inboundRoutingOf(message: Envelope | undefined): InboundRouting {
  const pinchy = objectAt(message?.meta, 'pinchy')
  const routing = objectAt(pinchy, 'routing')
  const source = objectAt(pinchy, 'source')
  const agentId = typeof routing?.agent_id === 'string' ? routing.agent_id : DEFAULT_AGENT_ID
  const target = targetOf(objectAt(routing, 'target'))
  const channel = targetOf(
    source === undefined ? undefined : { platform: source.platform, channel_id: source.channel_id },
  )
  return {
    agentId,
    ...(typeof routing?.isolation_key === 'string' ? { isolationKey: routing.isolation_key } : {}),
    ...(target === undefined ? {} : { target }),
    ...(channel?.channel_id === undefined ? {} : { channel }),
  }
}

/**
 * Each session's last active channel (seed 004: a reply without routing.target goes there), in
 * memory: after a restart a session's channel is known again from its next message.
 */
export class LastActiveChannels {
  readonly #channels = new Map<string, ReplyTarget>()
  readonly #limit: number

  constructor(limit: number = DEFAULT_MAX_REMEMBERED_SESSIONS) {
    this.#limit = limit
  }

  /** Records where a session was just active; re-inserting keeps the map in recency order. */
  record(sessionId: string, channel: ReplyTarget): void {
    this.#channels.delete(sessionId)
    this.#channels.set(sessionId, channel)
    if (this.#channels.size > this.#limit) this.#channels.delete(this.#channels.keys().next().value!)
  }

  get(sessionId: string): ReplyTarget | undefined {
    return this.#channels.get(sessionId)
  }
}

/** The message's routing.target, else the session's last active channel, else none (the gateway decides). */
export function replyTargetFor(
  inbound: InboundRouting,
  sessionId: string,
  channels: LastActiveChannels,
): ReplyTarget | undefined {
  if (inbound.channel !== undefined) channels.record(sessionId, inbound.channel)
  return inbound.target ?? channels.get(sessionId)
}
