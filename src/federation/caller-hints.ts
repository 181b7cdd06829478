import { type AgentCaller, agentsOwnedBy } from './agent-ownership.ts'

// `member:self` and `browser:current` (seed 001) name the caller's own device. When a paired
// device resolves over HTTP, the hub knows it (the token's peer id, decision 2012), so the hints
// become `member:<peerId>` / `browser:<peerId>`, the agents that device may run (decision 2015).
// Anyone else — the owner, an unpaired member, the bus — has no device: the hint is left alone
// and the resolver refuses it with the reason.

const CALLER_HINT = /^(member|browser):(self|current)$/

/** `hint` with a caller-naming form replaced by the caller's own agent, when it has one. */
export function bindCallerHint(hint: unknown, caller: AgentCaller | undefined): unknown {
  if (typeof hint !== 'string' || caller === undefined) return hint
  const found = CALLER_HINT.exec(hint)
  if (found === null || agentsOwnedBy(caller).length === 0) return hint
  return `${found[1]}:${caller.peerId}`
}

/** A copy of the plan body whose `preferAgent` and `steps[].prefer` name the caller's agents. */
export function bindCallerHints(plan: unknown, caller: AgentCaller | undefined): unknown {
  if (caller === undefined || plan === null || typeof plan !== 'object' || Array.isArray(plan)) return plan
  const body = plan as Record<string, unknown>
  const copy: Record<string, unknown> = { ...body }
  if ('preferAgent' in body) copy.preferAgent = bindCallerHint(body.preferAgent, caller)
  if (Array.isArray(body.steps)) {
    copy.steps = body.steps.map((step) => {
      if (step === null || typeof step !== 'object' || !('prefer' in step)) return step
      const withHint = step as Record<string, unknown>
      return { ...withHint, prefer: bindCallerHint(withHint.prefer, caller) }
    })
  }
  return copy
}
