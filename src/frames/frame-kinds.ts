// Who may send what (docs/frame-protocol.md "Kinds by sender role"): the allow-list the hub and
// every host check on each received frame.

export const FRAME_KINDS = [
  'user_input',
  'chat_request',
  'assistant_chunk',
  'progress_event',
  'tool_call',
  'tool_result',
  'coordinator_phase',
  'worker_status',
  'permission_request',
  'permission_response',
  'session_event',
  'error',
  'payload_start',
  'payload_delta',
  'payload_end',
  'backpressure',
  'resume_request',
  'resume_response',
  'resume_rejected',
  'heartbeat',
  'notification_push',
  'plugin_op',
  'adapter_manifest_sync',
  'consent_revoke_request',
  'consent_revoke_response',
] as const

export type FrameKind = (typeof FRAME_KINDS)[number]

/** The three roles of this hub's sessions: the hub, a skill host, a terminal client. */
export type FrameRole = 'backend' | 'tool' | 'tui'

export const KINDS_BY_ROLE: Readonly<Record<FrameRole, ReadonlySet<FrameKind>>> = Object.freeze({
  backend: new Set<FrameKind>([
    'tool_call',
    'notification_push',
    'session_event',
    'permission_request',
    'permission_response',
    'consent_revoke_response',
    'assistant_chunk',
    'coordinator_phase',
    'worker_status',
    'progress_event',
    'payload_start',
    'payload_delta',
    'payload_end',
    'heartbeat',
    'backpressure',
    'resume_response',
    'resume_rejected',
    'error',
  ]),
  tool: new Set<FrameKind>([
    'adapter_manifest_sync',
    'tool_result',
    'notification_push',
    'progress_event',
    'worker_status',
    'permission_request',
    'consent_revoke_request',
    'payload_start',
    'payload_delta',
    'payload_end',
    'heartbeat',
    'backpressure',
    'resume_request',
    'error',
  ]),
  tui: new Set<FrameKind>([
    'user_input',
    'chat_request',
    'permission_response',
    'consent_revoke_request',
    'session_event',
    'plugin_op',
    'resume_request',
    'heartbeat',
    'backpressure',
    'error',
  ]),
})

/** Resume control frames travel on a fresh connection before numbering resumes: frame_seq 0, not counted. */
export const RESUME_KINDS: ReadonlySet<string> = new Set([
  'resume_request',
  'resume_response',
  'resume_rejected',
])

/** Whether a frame takes the next number of its direction (everything but heartbeats and resume control). */
export function isNumbered(kind: string): boolean {
  return kind !== 'heartbeat' && !RESUME_KINDS.has(kind)
}

export function isFrameKind(value: unknown): value is FrameKind {
  return typeof value === 'string' && (FRAME_KINDS as readonly string[]).includes(value)
}

export function maySend(role: FrameRole, kind: string): boolean {
  return isFrameKind(kind) && KINDS_BY_ROLE[role].has(kind)
}
