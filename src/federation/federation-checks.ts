import {
  type Contracts,
  HubError,
  type RegistryCapabilityAnnouncedPayload,
  type RegistryHeartbeatPayload,
  renderValue,
  type ValidationIssue,
} from '../contracts/index.ts'
import type { AgentRecord } from './capability-registry.ts'
import { MAX_STARTUP_SLA_MS, MIN_STARTUP_SLA_MS } from './federation-options.ts'

// What the catalog schemas cannot say about an announce, a heartbeat or a resolve body, as issues
// with JSON pointers into the body (the manifest's error style, decision 0303).

/** exec.lease.granted's schema allows this many slots. */
const MAX_SLOTS = 50
export function validationFailure(issues: ValidationIssue[], what: string): HubError {
  const first = issues[0] as ValidationIssue
  return new HubError('E_VALIDATION', `${what} ${first.path || '/'}: ${first.message}`, {
    details: { issues },
  })
}

/** The catalog's issues for a payload, with pointers into the payload (the catalog's start at /payload). */
export function catalogIssues(
  contracts: Pick<Contracts, 'validatePayload'>,
  type: string,
  payload: unknown,
): ValidationIssue[] {
  return contracts
    .validatePayload(type, 1, payload)
    .map((issue) =>
      issue.path.startsWith('/payload') ? { ...issue, path: issue.path.slice('/payload'.length) } : issue,
    )
}

export function manifestIssues(manifest: RegistryCapabilityAnnouncedPayload): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  const uriKind = /^agent:\/\/([a-z]+)\//.exec(manifest.agent)?.[1]
  if (uriKind !== manifest.kind) {
    issues.push({
      path: '/kind',
      expected: JSON.stringify(uriKind),
      got: renderValue(manifest.kind),
      message: `kind must match the agent URI (${uriKind})`,
    })
  }
  const seen = new Set<string>()
  manifest.capabilities.forEach((capability, index) => {
    if (seen.has(capability.id)) {
      issues.push({
        path: `/capabilities/${index}/id`,
        expected: 'a capability id announced once',
        got: renderValue(capability.id),
        message: `capability ${capability.id} is announced twice`,
      })
    }
    seen.add(capability.id)
  })
  return issues
}

export function probeIssues(beat: RegistryHeartbeatPayload, record: AgentRecord): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  ;(beat.probes ?? []).forEach((probe, index) => {
    if (!record.capabilities.has(probe.capability)) {
      issues.push({
        path: `/probes/${index}/capability`,
        expected: `one of the agent's capabilities (${[...record.capabilities.keys()].join(', ')})`,
        got: renderValue(probe.capability),
        message: `${beat.agent} did not announce ${probe.capability}`,
      })
    }
  })
  return issues
}

/**
 * POST /resolve takes the resolve.request payload plus the intent's `slots` (tokens are scoped to
 * them) and the `sessionId` route.changed is published into.
 */
export function splitExtras(body: unknown): {
  plan: unknown
  slots?: Record<string, unknown>
  sessionId?: string
  startupSlaMs?: number
} {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { plan: body }
  const { slots, sessionId, startupSlaMs, ...plan } = body as Record<string, unknown>
  if (
    startupSlaMs !== undefined &&
    (typeof startupSlaMs !== 'number' ||
      !Number.isInteger(startupSlaMs) ||
      startupSlaMs < MIN_STARTUP_SLA_MS ||
      startupSlaMs > MAX_STARTUP_SLA_MS)
  ) {
    throw validationFailure(
      [
        {
          path: '/startupSlaMs',
          expected: `an integer ${MIN_STARTUP_SLA_MS}..${MAX_STARTUP_SLA_MS}`,
          got: renderValue(startupSlaMs),
          message: 'startupSlaMs is not a startup SLA in milliseconds',
        },
      ],
      'plan',
    )
  }
  const sla = startupSlaMs === undefined ? {} : { startupSlaMs: startupSlaMs as number }
  if (
    sessionId !== undefined &&
    (typeof sessionId !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(sessionId))
  ) {
    throw validationFailure(
      [
        {
          path: '/sessionId',
          expected: 'a session id (letters, digits, . _ : -, up to 128)',
          got: renderValue(sessionId),
          message: 'sessionId is not a session id',
        },
      ],
      'plan',
    )
  }
  const session = { ...sla, ...(sessionId === undefined ? {} : { sessionId: sessionId as string }) }
  if (slots === undefined) return { plan, ...session }
  if (slots === null || typeof slots !== 'object' || Array.isArray(slots)) {
    throw validationFailure(
      [{ path: '/slots', expected: 'object', got: renderValue(slots), message: 'slots must be an object' }],
      'plan',
    )
  }
  if (Object.keys(slots).length > MAX_SLOTS) {
    throw validationFailure(
      [
        {
          path: '/slots',
          expected: `at most ${MAX_SLOTS} slots`,
          got: renderValue(slots),
          message: `slots may name at most ${MAX_SLOTS} values`,
        },
      ],
      'plan',
    )
  }
  return { plan, slots: slots as Record<string, unknown>, ...session }
}
