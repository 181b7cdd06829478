import type { KeyObject } from 'node:crypto'
import { randomBytes, randomUUID } from 'node:crypto'
import { HubError } from '../contracts/index.ts'
import type { PrincipalStore, PrincipalView } from '../principals/index.ts'
import { ed25519KeyOf, fingerprintOf, pairingMessage, rawKeyOf, signatureValid } from './pairing-keys.ts'
import { type PairingOptions, type ResolvedPairingOptions, resolvePairingOptions } from './pairing-options.ts'

/** Seed 004's pairing error codes (pairing.failed error_code). */
export type PairingErrorCode = 'SIGNATURE_INVALID' | 'CHALLENGE_FAILED' | 'TIMEOUT' | 'UNREACHABLE'
export const COMPONENT_TYPES = ['tool_host', 'listener', 'subscriber', 'provider'] as const
export type ComponentType = (typeof COMPONENT_TYPES)[number]

export interface StartInput {
  peerId: string
  publicKey: string
  x25519PublicKey?: string
  deviceName?: string
  componentType?: ComponentType
}

export interface StartAnswer {
  pairingId: string
  /** 32 random bytes, base64. */
  challenge: string
  expiresAt: string
  /** Signed into the message, so the answer binds to this hub. */
  hubId: string
  /** What the owner sees when approving: compare it with the device's own display. */
  fingerprint: string
}

export interface CompleteInput {
  pairingId: string
  signature: string
}

export interface CompleteAnswer {
  token: string
  principal: PrincipalView
}

export type PairingStatus = 'pending' | 'approved' | 'completed' | 'failed'

export interface PairingView {
  pairingId: string
  peerId: string
  deviceName?: string
  componentType: ComponentType
  fingerprint: string
  status: PairingStatus
  createdAt: string
  expiresAt: string
  approvedAt?: string
}

interface Pairing extends PairingView {
  key: KeyObject
  publicKey: string
  x25519PublicKey?: string
  challenge: string
  expiresAtMs: number
  finishedAtMs?: number
  attempts: number
}

export interface PairingPorts {
  principals: Pick<PrincipalStore, 'create' | 'revoke' | 'byPeer' | 'list'>
  /** Publishes a pairing.* event (the hub's bus); a failure to publish does not change the answer. */
  publish(draft: { type: string; payload: Record<string, unknown>; traceId?: string }): Promise<unknown>
  hubId: string
  now?: () => number
}

const PEER_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/

/** The remote_uri of pairing events: the device dials the hub, so it is named by its peer id. */
export function peerUri(peerId: string): string {
  return `urn:localhub:peer:${encodeURIComponent(peerId)}`
}

/** A refusal of a completion, with the seed 004 code in details.pairingError. */
function pairingError(code: PairingErrorCode, message: string, pairingId: string): HubError {
  return new HubError(code === 'TIMEOUT' ? 'E_TIMEOUT' : 'E_PERMISSION_REQUIRED', message, {
    details: { pairingError: code, pairingId },
  })
}

/**
 * Seed 004 pairing, device to hub (decision 2013): a device starts with its ed25519 key and gets a
 * challenge; the owner approves the pairing (a person confirms the device by its fingerprint);
 * the device signs the challenge bound to the pairing, its peer id and this hub, and gets a member
 * token whose principal carries the peer id and the key's fingerprint. Each challenge answers once.
 */
export class PairingService {
  readonly #ports: PairingPorts
  readonly #options: ResolvedPairingOptions
  readonly #now: () => number
  readonly #pairings = new Map<string, Pairing>()

  constructor(ports: PairingPorts, options: PairingOptions = {}) {
    this.#ports = ports
    this.#options = resolvePairingOptions(options)
    this.#now = ports.now ?? Date.now
  }

  async start(input: StartInput, context: { traceId?: string } = {}): Promise<StartAnswer> {
    if (typeof input.peerId !== 'string' || !PEER_ID_PATTERN.test(input.peerId))
      throw new HubError('E_VALIDATION', `peerId must match ${PEER_ID_PATTERN}`)
    const raw = rawKeyOf(input.publicKey, 'publicKey')
    const key = ed25519KeyOf(raw)
    if (input.x25519PublicKey !== undefined) rawKeyOf(input.x25519PublicKey, 'x25519PublicKey')
    const componentType = input.componentType ?? 'subscriber'
    if (!COMPONENT_TYPES.includes(componentType))
      throw new HubError('E_VALIDATION', `componentType must be one of ${COMPONENT_TYPES.join(', ')}`)
    this.#prune()
    if (this.#pairings.size >= this.#options.maxPairings)
      throw new HubError(
        'E_RESOURCE_LIMIT',
        `at most ${this.#options.maxPairings} pairings at once; try later`,
      )
    const now = this.#now()
    const pairing: Pairing = {
      pairingId: randomUUID(),
      peerId: input.peerId,
      ...(input.deviceName === undefined ? {} : { deviceName: input.deviceName }),
      componentType,
      fingerprint: fingerprintOf(raw),
      status: 'pending',
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.#options.ttlMs).toISOString(),
      expiresAtMs: now + this.#options.ttlMs,
      key,
      publicKey: input.publicKey,
      ...(input.x25519PublicKey === undefined ? {} : { x25519PublicKey: input.x25519PublicKey }),
      challenge: randomBytes(32).toString('base64'),
      attempts: 0,
    }
    this.#pairings.set(pairing.pairingId, pairing)
    await this.#emit(
      'pairing.started',
      {
        pairing_id: pairing.pairingId,
        remote_uri: peerUri(pairing.peerId),
        remote_component_type: componentType,
      },
      context.traceId,
    )
    return {
      pairingId: pairing.pairingId,
      challenge: pairing.challenge,
      expiresAt: pairing.expiresAt,
      hubId: this.#ports.hubId,
      fingerprint: pairing.fingerprint,
    }
  }

  /** Pairings waiting for the owner or for the device, newest first. */
  list(): PairingView[] {
    this.#prune()
    return [...this.#pairings.values()]
      .filter((pairing) => pairing.status === 'pending' || pairing.status === 'approved')
      .filter((pairing) => pairing.expiresAtMs > this.#now())
      .reverse()
      .map(viewOf)
  }

  /** The owner confirms the device (by its fingerprint); the device may then complete. */
  approve(pairingId: string): PairingView {
    const pairing = this.#pairings.get(pairingId)
    if (pairing === undefined) throw new HubError('E_BAD_REQUEST', `no pairing with id '${pairingId}'`)
    if (pairing.expiresAtMs <= this.#now())
      throw new HubError(
        'E_TIMEOUT',
        `pairing ${pairingId} expired at ${pairing.expiresAt}; the device must start again`,
      )
    if (pairing.status !== 'pending' && pairing.status !== 'approved')
      throw new HubError('E_BAD_REQUEST', `pairing ${pairingId} is ${pairing.status}`)
    if (pairing.status === 'pending') {
      pairing.status = 'approved'
      pairing.approvedAt = new Date(this.#now()).toISOString()
    }
    return viewOf(pairing)
  }

  /**
   * Checks in this order: known pairing; already answered or failed (CHALLENGE_FAILED); expired
   * (TIMEOUT); the signature (SIGNATURE_INVALID, the pairing fails after maxSignatureAttempts);
   * approved by the owner (else E_BAD_REQUEST with details.status 'awaiting_approval', nothing
   * consumed, so the device asks again).
   */
  async complete(input: CompleteInput, context: { traceId?: string } = {}): Promise<CompleteAnswer> {
    const pairing = this.#pairings.get(input.pairingId)
    if (pairing === undefined)
      throw new HubError('E_BAD_REQUEST', `no pairing with id '${input.pairingId}' (unknown or forgotten)`, {
        details: { pairingId: input.pairingId },
      })
    const now = this.#now()
    if (pairing.status === 'completed' || pairing.status === 'failed')
      return this.#refuse(
        pairing,
        'CHALLENGE_FAILED',
        `the challenge of pairing ${pairing.pairingId} was already used`,
        context,
      )
    if (pairing.expiresAtMs <= now)
      return this.#refuse(
        pairing,
        'TIMEOUT',
        `the challenge expired at ${pairing.expiresAt}; start again`,
        context,
      )
    const message = pairingMessage({
      hubId: this.#ports.hubId,
      pairingId: pairing.pairingId,
      peerId: pairing.peerId,
      challenge: pairing.challenge,
    })
    if (!signatureValid(pairing.key, message, input.signature)) {
      pairing.attempts++
      if (pairing.attempts >= this.#options.maxSignatureAttempts) {
        pairing.status = 'failed'
        pairing.finishedAtMs = now
      }
      return this.#refuse(
        pairing,
        'SIGNATURE_INVALID',
        'the signature does not verify with the key the pairing started with',
        context,
      )
    }
    if (pairing.status !== 'approved')
      throw new HubError('E_BAD_REQUEST', `pairing ${pairing.pairingId} waits for the owner's approval`, {
        details: { status: 'awaiting_approval', pairingId: pairing.pairingId, expiresAt: pairing.expiresAt },
      })
    pairing.status = 'completed'
    pairing.finishedAtMs = now
    // One device, one token: pairing the same peer again replaces its earlier principal.
    const earlier = this.#ports.principals.byPeer(pairing.peerId)
    if (earlier !== undefined) this.#ports.principals.revoke(earlier.id)
    const created = this.#ports.principals.create({
      role: 'member',
      // A principal's name holds 100 characters; a peer id may hold 128.
      name: (pairing.deviceName ?? pairing.peerId).slice(0, 100),
      peerId: pairing.peerId,
      fingerprint: pairing.fingerprint,
    })
    await this.#emit(
      'pairing.completed',
      {
        pairing_id: pairing.pairingId,
        remote_component_id: pairing.peerId,
        remote_component_type: pairing.componentType,
        remote_public_key_ed25519: pairing.publicKey,
        // Seed 004 requires the field; a device that sent no x25519 key gets an empty one.
        remote_public_key_x25519: pairing.x25519PublicKey ?? '',
        mtls_cert_fingerprint: pairing.fingerprint,
      },
      context.traceId,
    )
    return { token: created.token, principal: created.principal }
  }

  /** Revokes the active principal of a paired peer (owner). */
  revokePeer(peerId: string): PrincipalView {
    const found = this.#ports.principals.byPeer(peerId)
    if (found === undefined)
      throw new HubError('E_BAD_REQUEST', `no paired peer '${peerId}' with an active token`)
    return this.#ports.principals.revoke(found.id)
  }

  async #refuse(
    pairing: Pairing,
    code: PairingErrorCode,
    message: string,
    context: { traceId?: string },
  ): Promise<never> {
    await this.#emit(
      'pairing.failed',
      {
        pairing_id: pairing.pairingId,
        remote_uri: peerUri(pairing.peerId),
        error_code: code,
        error_message: message,
      },
      context.traceId,
    )
    throw pairingError(code, message, pairing.pairingId)
  }

  async #emit(type: string, payload: Record<string, unknown>, traceId: string | undefined): Promise<void> {
    try {
      await this.#ports.publish({ type, payload, ...(traceId === undefined ? {} : { traceId }) })
    } catch {
      // The answer to the device does not depend on the event; the bus reports its own failures.
    }
  }

  /** Forgets pairings finished or expired longer than finishedRetentionMs ago. */
  #prune(): void {
    const cutoff = this.#now() - this.#options.finishedRetentionMs
    for (const [id, pairing] of this.#pairings) {
      const endedAt = pairing.finishedAtMs ?? pairing.expiresAtMs
      if (endedAt <= cutoff) this.#pairings.delete(id)
    }
  }
}

function viewOf(pairing: Pairing): PairingView {
  return {
    pairingId: pairing.pairingId,
    peerId: pairing.peerId,
    ...(pairing.deviceName === undefined ? {} : { deviceName: pairing.deviceName }),
    componentType: pairing.componentType,
    fingerprint: pairing.fingerprint,
    status: pairing.status,
    createdAt: pairing.createdAt,
    expiresAt: pairing.expiresAt,
    ...(pairing.approvedAt === undefined ? {} : { approvedAt: pairing.approvedAt }),
  }
}
