import type { HubError } from '../../contracts/index.ts'
import type { FrameIssue, FrameSession, FrameSessionOptions, FrameValidator } from '../../frames/index.ts'

// The shapes of the hub's side of a host connection (its implementation is frame-connection.ts).

/** One tool a host serves, as its adapter_manifest_sync entry said. */
export interface HostTool {
  readonly toolId: string
  readonly name: string
  readonly primitive: string
  readonly description: string
  readonly inputSchema: Readonly<Record<string, unknown>>
}

export interface PublishRequest {
  readonly type: string
  readonly payload: Record<string, unknown>
  readonly sessionId?: string
  readonly traceId?: string
  readonly eventGuid: string
}

export interface PermissionRequest {
  readonly requestId: string
  readonly toolId: string | null
  readonly primitive: string
  readonly riskLevel: 'low' | 'medium' | 'high'
  readonly descriptionEn: string
  readonly descriptionKo: string
}

export interface RevokeRequest {
  readonly requestId: string
  readonly receiptId: string
  readonly scope: 'once' | 'session-all'
  readonly reason?: string
}

/** What the hub does with a host's requests; each may throw a HubError (sent back as an error frame). */
export interface ConnectionPorts {
  publish(request: PublishRequest): Promise<void>
  permission(
    request: PermissionRequest,
  ): Promise<{ decision: 'allow_once' | 'denied'; receiptId: string | null }>
  revokeConsent(request: RevokeRequest): Promise<{
    ok: boolean
    revokedAt: string | null
    recordHash: string | null
    error: 'already_revoked' | 'not_found' | 'io_error' | null
  }>
  /** A problem in what the host sent (logged; the session already answered with an error frame). */
  issue?(issue: FrameIssue): void
}

export interface FrameConnectionInit {
  skillId: string
  sessionId: string
  resumeToken: string
  /** Event patterns the host is subscribed to (the manifest's consumes). */
  subscriptions: readonly string[]
  validator: FrameValidator
  session?: FrameSessionOptions
  ports: ConnectionPorts
  /**
   * Tool ids the hub's manifest names (config.tools): a host that does not serve one of them is
   * refused at its manifest sync, like a wrong manifest_hash (decision 1850).
   */
  namedTools?: readonly string[]
  /** The carrier loses frames without closing (NATS): gaps are resumed, not accepted (decision 1851). */
  resumeOnGap?: boolean
  /** Nothing heard for too long: the hub treats the host as crashed. */
  onDead(): void
  /** The host said something that makes restarting pointless (manifest_hash_mismatch, invalid_manifest). */
  onFatal(reason: string): void
}

export interface FrameConnection {
  /** Resolves with the host's tools once the manifest is synced and answered. */
  readonly ready: Promise<readonly HostTool[]>
  readonly session: FrameSession
  call(toolId: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<unknown>
  push(pattern: string, event: { id: string } & Record<string, unknown>): void
  /** Fails every call in flight (the host went away) and closes the session. */
  fail(error: HubError): void
  inFlight(): number
}
