// What a principal is: who holds a token, and which event types it may publish and read.
// docs/principals-and-pairing.md describes the roles; decision 2010 the storage.

/** owner: everything. member: a person's device (defaults below). custom: only the patterns given. */
export const PRINCIPAL_ROLES = ['owner', 'member', 'custom'] as const
export type PrincipalRole = (typeof PRINCIPAL_ROLES)[number]

/**
 * What a member device may publish: a person's own input (chat, voice, the dashboard's ui events),
 * the two registry messages an agent sends (its announce command and heartbeats; the hub checks
 * that the device owns the agent, decision 2014) and plan requests (`resolve.request`, also the
 * grant POST /resolve asks for). Not `registry.>`: registry.capability.announced and
 * registry.lease.expired are the hub's own records. NATS patterns: `>` covers every deeper type.
 */
export const DEFAULT_MEMBER_PUBLISH: readonly string[] = Object.freeze([
  'chat.>',
  'voice.>',
  'ui.>',
  'registry.announce',
  'registry.heartbeat',
  'resolve.request',
])

/**
 * What a member device may read: the conversation and its answers, voice, the hub's state and the
 * federation's routing. Left out on purpose: ledger, approval, grant, control_room, action and tool
 * (administration and tool arguments), memory, rag, llm and chat.prompt-like internals are not
 * listed either (llm.* carries prompts; the answer reaches members as stream.* and chat.message).
 */
export const DEFAULT_MEMBER_SUBSCRIBE: readonly string[] = Object.freeze([
  'chat.>',
  'stream.>',
  'turn.>',
  'session.>',
  'voice.>',
  'stt.>',
  'tts.>',
  'avatar.>',
  'ui.>',
  'nudge.>',
  'timer.>',
  'registry.>',
  'resolve.>',
  'route.>',
  'exec.>',
  'pipeline.>',
  'system.>',
  'hub.>',
  'skill.>',
  'error.>',
])

/** A principal as stored (the token only as its sha256). */
export interface StoredPrincipal {
  id: string
  name?: string
  role: PrincipalRole
  publish: string[]
  subscribe: string[]
  /** Set for a paired device: its peer id (seed 004). */
  peerId?: string
  /** `sha256:<hex>` of the paired device's ed25519 public key. */
  fingerprint?: string
  createdAt: string
  revokedAt?: string
  /** Hex sha256 of the token. */
  tokenSha256: string
}

/** A principal as shown to the owner: everything but the token hash. */
export type PrincipalView = Omit<StoredPrincipal, 'tokenSha256'>

export interface CreatePrincipalInput {
  role: PrincipalRole
  name?: string
  /** member: added to the defaults; custom: the only patterns; owner: not allowed. */
  publish?: readonly string[]
  subscribe?: readonly string[]
  peerId?: string
  fingerprint?: string
}

/** The answer to a create: the token is shown this once and never stored in clear. */
export interface CreatedPrincipal {
  principal: PrincipalView
  token: string
}
