// Schemas of the principal and pairing routes (docs/principals-and-pairing.md): Fastify refuses
// what breaks them with the hub's envelope before a handler runs; the OpenAPI document shows them.
import { envelopeResponses, type HttpRouteSchema } from '../../contracts/index.ts'

const PATTERN = { type: 'string', minLength: 1, maxLength: 500 } as const
const PATTERNS = { type: 'array', maxItems: 50, items: PATTERN } as const
const PRINCIPAL_ID = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const
const PEER_ID = { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } as const
/** A raw 32-byte key in standard base64: exactly 44 characters. */
const RAW_KEY = { type: 'string', minLength: 44, maxLength: 44, pattern: '^[A-Za-z0-9+/]{43}=$' } as const

const PRINCIPAL_VIEW = {
  type: 'object',
  required: ['id', 'role', 'publish', 'subscribe', 'createdAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', enum: ['owner', 'member', 'custom'] },
    publish: { type: 'array', items: { type: 'string' } },
    subscribe: { type: 'array', items: { type: 'string' } },
    peerId: { type: 'string' },
    fingerprint: { type: 'string' },
    createdAt: { type: 'string' },
    revokedAt: { type: 'string' },
  },
} as const

const PAIRING_VIEW = {
  type: 'object',
  required: ['pairingId', 'peerId', 'componentType', 'fingerprint', 'status', 'createdAt', 'expiresAt'],
  properties: {
    pairingId: { type: 'string' },
    peerId: { type: 'string' },
    deviceName: { type: 'string' },
    componentType: { type: 'string' },
    fingerprint: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'approved', 'completed', 'failed'] },
    createdAt: { type: 'string' },
    expiresAt: { type: 'string' },
    approvedAt: { type: 'string' },
  },
} as const

export const CREATE_PRINCIPAL_SCHEMA: HttpRouteSchema = {
  summary: 'Create a token for a principal (owner only)',
  description:
    'member: the default grants plus any patterns given; custom: only the patterns given; owner: everything. The token is in this answer only; the hub keeps its sha256.',
  tags: ['principals'],
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['role'],
    properties: {
      role: { type: 'string', enum: ['owner', 'member', 'custom'] },
      name: { type: 'string', minLength: 1, maxLength: 100 },
      publish: PATTERNS,
      subscribe: PATTERNS,
    },
  },
  responses: envelopeResponses({
    type: 'object',
    required: ['principal', 'token'],
    properties: { principal: PRINCIPAL_VIEW, token: { type: 'string' } },
  }),
}

export const LIST_PRINCIPALS_SCHEMA: HttpRouteSchema = {
  summary: 'Principals and their grants, revoked ones included (owner only)',
  tags: ['principals'],
  responses: envelopeResponses({
    type: 'object',
    required: ['principals'],
    properties: { principals: { type: 'array', items: PRINCIPAL_VIEW } },
  }),
}

export const REVOKE_PRINCIPAL_SCHEMA: HttpRouteSchema = {
  summary: 'Revoke a principal at once; its open WebSockets close with 1008 (owner only)',
  tags: ['principals'],
  params: { type: 'object', required: ['id'], properties: { id: PRINCIPAL_ID } },
  responses: envelopeResponses({
    type: 'object',
    required: ['principal'],
    properties: { principal: PRINCIPAL_VIEW },
  }),
}

export const PAIRING_START_SCHEMA: HttpRouteSchema = {
  summary: 'Start pairing a device: its ed25519 key in, a challenge out (public, rate-limited)',
  description:
    'publicKey and x25519PublicKey are raw 32-byte keys in base64. The owner approves the pairing (POST /pairing/{id}/approve) before the device completes it.',
  tags: ['pairing'],
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['peerId', 'publicKey'],
    properties: {
      peerId: PEER_ID,
      publicKey: RAW_KEY,
      x25519PublicKey: RAW_KEY,
      deviceName: { type: 'string', minLength: 1, maxLength: 100 },
      componentType: { type: 'string', enum: ['tool_host', 'listener', 'subscriber', 'provider'] },
    },
  },
  responses: envelopeResponses({
    type: 'object',
    required: ['pairingId', 'challenge', 'expiresAt', 'hubId', 'fingerprint'],
    properties: {
      pairingId: { type: 'string' },
      challenge: { type: 'string' },
      expiresAt: { type: 'string' },
      hubId: { type: 'string' },
      fingerprint: { type: 'string' },
    },
  }),
}

export const PAIRING_COMPLETE_SCHEMA: HttpRouteSchema = {
  summary: 'Answer the challenge; a member token for the peer (public, rate-limited)',
  description:
    'signature: base64 ed25519 signature over "localhub-pairing-v1\\n<hubId>\\n<pairingId>\\n<peerId>\\n<challenge>". Refusals carry details.pairingError: SIGNATURE_INVALID, CHALLENGE_FAILED (already used) or TIMEOUT; before the owner approved, 409 with details.status awaiting_approval.',
  tags: ['pairing'],
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['pairingId', 'signature'],
    properties: {
      pairingId: { type: 'string', minLength: 1, maxLength: 200 },
      signature: { type: 'string', minLength: 1, maxLength: 200 },
    },
  },
  responses: envelopeResponses({
    type: 'object',
    required: ['token', 'principal'],
    properties: { token: { type: 'string' }, principal: PRINCIPAL_VIEW },
  }),
}

export const PAIRING_LIST_SCHEMA: HttpRouteSchema = {
  summary: 'Pairings waiting for the owner or the device (owner only)',
  tags: ['pairing'],
  responses: envelopeResponses({
    type: 'object',
    required: ['pairings'],
    properties: { pairings: { type: 'array', items: PAIRING_VIEW } },
  }),
}

export const PAIRING_APPROVE_SCHEMA: HttpRouteSchema = {
  summary: 'Approve a pairing after checking the fingerprint the device shows (owner only)',
  tags: ['pairing'],
  params: {
    type: 'object',
    required: ['id'],
    properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
  },
  responses: envelopeResponses({
    type: 'object',
    required: ['pairing'],
    properties: { pairing: PAIRING_VIEW },
  }),
}

export const PAIRING_REVOKE_PEER_SCHEMA: HttpRouteSchema = {
  summary: "Revoke a paired peer's token (owner only)",
  tags: ['pairing'],
  params: { type: 'object', required: ['peerId'], properties: { peerId: PEER_ID } },
  responses: envelopeResponses({
    type: 'object',
    required: ['principal'],
    properties: { principal: PRINCIPAL_VIEW },
  }),
}
