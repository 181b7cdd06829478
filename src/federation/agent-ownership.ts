import { HubError } from '../contracts/index.ts'

// Which agents a caller other than the owner may speak for (decision 2014). A paired device `P`
// owns exactly `agent://member/P` and `agent://browser/P`: the peer id is the identity the owner
// approved during pairing (decision 2013), and an exact match is the only safe rule, because
// peer ids may hold `.`, `_` and `-` (the characters an agent id could use as a separator), so
// a prefix rule would let `laptop` speak for the device paired as `laptop-2`. `hub` agents and
// callers without a peer id own nothing.

/** Who calls, when it is not the owner (the owner is `undefined`: it may speak for every agent). */
export interface AgentCaller {
  /** The principal's id (named in refusals). */
  principal: string
  /** The paired device's peer id, if the principal came from pairing. */
  peerId?: string
}

/** Kinds of agent a paired device may run; `hub` agents are the hub's own. */
export const PEER_AGENT_KINDS = ['member', 'browser'] as const
const AGENT_ID = /^[A-Za-z0-9._-]+$/

/** The agent URIs `caller` may announce, heartbeat, start and report for (empty when none). */
export function agentsOwnedBy(caller: AgentCaller): string[] {
  const peerId = caller.peerId
  if (peerId === undefined || !AGENT_ID.test(peerId)) return []
  return PEER_AGENT_KINDS.map((kind) => `agent://${kind}/${peerId}`)
}

/** Whether `caller` (undefined: the owner) may speak for `agent`. */
export function ownsAgent(caller: AgentCaller | undefined, agent: string): boolean {
  return caller === undefined || agentsOwnedBy(caller).includes(agent)
}

/** Throws E_PERMISSION_REQUIRED (403) naming the agent when `caller` may not act as `agent`. */
export function checkAgentOwned(caller: AgentCaller | undefined, agent: string, action: string): void {
  if (ownsAgent(caller, agent)) return
  const owned = agentsOwnedBy(caller as AgentCaller)
  const hint =
    owned.length > 0
      ? `it may use ${owned.join(' or ')}`
      : 'only a paired device runs agents (agent://member/<peerId> or agent://browser/<peerId>)'
  throw new HubError(
    'E_PERMISSION_REQUIRED',
    `${(caller as AgentCaller).principal} may not ${action} ${agent}: ${hint}`,
    {
      details: {
        reason: 'agent_not_owned',
        agent,
        principal: (caller as AgentCaller).principal,
        allowed: owned,
      },
    },
  )
}
