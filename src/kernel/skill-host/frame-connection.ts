import { randomUUID } from 'node:crypto'
import { HubError, isErrorCode, toHubError } from '../../contracts/index.ts'
import { createFrameSession, type Frame, type FrameStream, manifestHash } from '../../frames/index.ts'

import type {
  ConnectionPorts,
  FrameConnection,
  FrameConnectionInit,
  HostTool,
  PermissionRequest,
  RevokeRequest,
} from './frame-connection-types.ts'

export type { ConnectionPorts, FrameConnection, HostTool } from './frame-connection-types.ts'

interface PendingCall {
  resolve(value: unknown): void
  reject(error: HubError): void
  correlationId: string
}

/** Error frames that mean the host did not run a call (the call fails with the hub code). */
const CALL_ENDING_ERRORS: Readonly<Record<string, 'E_BAD_REQUEST' | 'E_VALIDATION' | 'E_RESOURCE_LIMIT'>> = {
  unknown_tool: 'E_BAD_REQUEST',
  invalid_frame: 'E_VALIDATION',
  frame_too_large: 'E_RESOURCE_LIMIT',
}

function toolsOf(entries: readonly Record<string, unknown>[]): HostTool[] {
  return entries.map((entry) => ({
    toolId: String(entry.tool_id),
    name: String(entry.name),
    primitive: String(entry.primitive),
    description: typeof entry.llm_description === 'string' ? entry.llm_description : String(entry.name),
    inputSchema: (entry.input_schema_json as Record<string, unknown> | undefined) ?? { type: 'object' },
  }))
}

/**
 * The hub's side of one host connection over any byte stream: the manifest handshake, tool calls
 * and their results (payload frames checked), events pushed, and the host's publishes, permission
 * requests and consent revokes carried to the hub's ports. A stdio child, a socket or a NATS
 * bridge attaches the same way.
 */
export function createFrameConnection(stream: FrameStream, init: FrameConnectionInit): FrameConnection {
  const calls = new Map<string, PendingCall>()
  let resolveReady: (tools: readonly HostTool[]) => void = () => undefined
  let rejectReady: (error: HubError) => void = () => undefined
  const ready = new Promise<readonly HostTool[]>((resolve, reject) => {
    resolveReady = resolve
    rejectReady = reject
  })
  ready.catch(() => undefined)
  let synced = false

  const answerError = (
    frame: Frame,
    error: unknown,
    extra: Record<string, unknown> = {},
    fallback: { path: string; expected: string; got: string } = { path: '', expected: '', got: '' },
  ) => {
    const failure = toHubError(error)
    const issue = failure.details?.issues?.[0] ?? fallback
    session.send(
      {
        kind: 'error',
        code: failure.code,
        message: failure.message,
        details: {
          ...extra,
          path: issue.path,
          expected: issue.expected,
          got: issue.got,
        },
      },
      frame.correlation_id,
    )
  }

  const onManifest = (frame: Frame) => {
    const entries = frame.entries as Record<string, unknown>[]
    const recomputed = manifestHash(entries)
    if (recomputed !== frame.manifest_hash) {
      const reason = `manifest_hash_mismatch: the host sent ${String(frame.manifest_hash)}, its entries hash to ${recomputed}`
      session.send(
        {
          kind: 'error',
          code: 'manifest_hash_mismatch',
          message: reason,
          details: { path: '/manifest_hash', expected: recomputed, got: String(frame.manifest_hash) },
        },
        frame.correlation_id,
      )
      rejectReady(new HubError('E_DEPENDENCY_UNAVAILABLE', reason))
      init.onFatal(reason)
      return
    }
    const ids = entries.map((entry) => String(entry.tool_id))
    const duplicate = ids.find((id, index) => ids.indexOf(id) !== index)
    if (duplicate !== undefined) {
      const reason = `invalid_manifest: tool ${duplicate} is listed twice`
      rejectReady(new HubError('E_DEPENDENCY_UNAVAILABLE', reason))
      init.onFatal(reason)
      return
    }
    const missing = (init.namedTools ?? []).filter((id) => !ids.includes(id))
    if (missing.length > 0) {
      const reason = `the hub manifest's config.tools names ${missing.join(', ')}, which this host does not serve (it serves ${ids.join(', ') || 'nothing'})`
      session.send(
        {
          kind: 'error',
          code: 'invalid_manifest',
          message: reason,
          details: {
            path: '/entries',
            expected: `entries with tool_id ${missing.join(', ')}`,
            got: ids.join(', '),
          },
        },
        frame.correlation_id,
      )
      rejectReady(new HubError('E_DEPENDENCY_UNAVAILABLE', reason))
      init.onFatal(reason)
      return
    }
    synced = true
    session.send(
      {
        kind: 'session_event',
        event: 'new',
        payload: {
          skill_id: init.skillId,
          heartbeat_interval_ms: session.settings.heartbeatIntervalMs,
          high_water_mark: session.settings.highWaterMark,
          subscriptions: [...init.subscriptions],
          resume_token: init.resumeToken,
        },
      },
      frame.correlation_id,
    )
    resolveReady(toolsOf(entries))
  }

  const onToolResult = (frame: Frame) => {
    const pending = calls.get(String(frame.call_id))
    if (pending === undefined) return
    calls.delete(String(frame.call_id))
    const envelope = frame.envelope as Record<string, unknown>
    if (envelope.ok === false) {
      const error = (envelope.error ?? {}) as { code?: unknown; message?: unknown }
      const code = typeof error.code === 'string' ? error.code : 'E_UNKNOWN'
      pending.reject(
        new HubError(
          isErrorCode(code) ? code : 'E_UNKNOWN',
          `skill ${init.skillId}: ${typeof error.message === 'string' ? error.message : 'the tool failed'}`,
          { details: { skill: init.skillId, toolError: code } },
        ),
      )
      return
    }
    if (envelope.result_ref === 'payload') {
      const outcome = session.takePayload(frame.correlation_id)
      if (outcome === undefined || !outcome.ok) {
        pending.reject(
          new HubError('E_IO', `skill ${init.skillId} sent a broken payload`, {
            details: {
              frame_error: 'checksum_mismatch',
              ...(outcome?.ok === false ? { issue: outcome.issue } : {}),
            },
          }),
        )
        return
      }
      try {
        pending.resolve(JSON.parse(outcome.text))
      } catch {
        pending.reject(new HubError('E_VALIDATION', `skill ${init.skillId} sent a payload that is not JSON`))
      }
      return
    }
    pending.resolve(envelope.result ?? null)
  }

  const onPublish = async (frame: Frame) => {
    let body: Record<string, unknown>
    try {
      body = JSON.parse(String(frame.payload)) as Record<string, unknown>
    } catch {
      answerError(
        frame,
        new HubError('E_VALIDATION', 'a publish payload must be the JSON text of {type, payload}'),
        {
          event_guid: frame.event_guid,
        },
      )
      return
    }
    if (
      body === null ||
      typeof body !== 'object' ||
      typeof body.type !== 'string' ||
      typeof body.payload !== 'object'
    ) {
      answerError(frame, new HubError('E_VALIDATION', 'a publish needs {type, payload}'), {
        event_guid: frame.event_guid,
      })
      return
    }
    try {
      await init.ports.publish({
        type: body.type,
        payload: body.payload as Record<string, unknown>,
        ...(typeof body.sessionId === 'string' ? { sessionId: body.sessionId } : {}),
        ...(typeof body.traceId === 'string' ? { traceId: body.traceId } : {}),
        eventGuid: String(frame.event_guid),
      })
    } catch (error) {
      // A refused right names the type; a payload error carries its own path from the bus.
      answerError(
        frame,
        error,
        { event_guid: frame.event_guid },
        {
          path: '/type',
          expected: `a type skill ${init.skillId} provides`,
          got: body.type,
        },
      )
    }
  }

  const onPermission = async (frame: Frame) => {
    let answer: { decision: 'allow_once' | 'denied'; receiptId: string | null }
    try {
      answer = await init.ports.permission({
        requestId: String(frame.request_id),
        toolId: typeof frame.tool_id === 'string' ? frame.tool_id : null,
        primitive: String(frame.primitive_kind),
        riskLevel: frame.risk_level as PermissionRequest['riskLevel'],
        descriptionEn: String(frame.description_en),
        descriptionKo: String(frame.description_ko),
      })
    } catch {
      answer = { decision: 'denied', receiptId: null }
    }
    session.send(
      {
        kind: 'permission_response',
        request_id: frame.request_id,
        decision: answer.decision,
        receipt_id: answer.receiptId,
      },
      frame.correlation_id,
    )
  }

  const onRevoke = async (frame: Frame) => {
    let answer: Awaited<ReturnType<ConnectionPorts['revokeConsent']>>
    try {
      answer = await init.ports.revokeConsent({
        requestId: String(frame.request_id),
        receiptId: String(frame.receipt_id),
        scope: frame.scope as RevokeRequest['scope'],
        ...(typeof frame.reason === 'string' ? { reason: frame.reason } : {}),
      })
    } catch {
      answer = { ok: false, revokedAt: null, recordHash: null, error: 'io_error' }
    }
    session.send(
      {
        kind: 'consent_revoke_response',
        request_id: frame.request_id,
        ok: answer.ok,
        revoked_at: answer.revokedAt,
        record_hash: answer.recordHash,
        error: answer.error,
      },
      frame.correlation_id,
    )
  }

  const onFrame = (frame: Frame): void | Promise<void> => {
    if (!synced && frame.kind !== 'adapter_manifest_sync' && frame.kind !== 'error') return
    switch (frame.kind) {
      case 'adapter_manifest_sync':
        if (!synced) onManifest(frame)
        return
      case 'tool_result':
        return onToolResult(frame)
      case 'notification_push':
        return onPublish(frame)
      case 'permission_request':
        return onPermission(frame)
      case 'consent_revoke_request':
        return onRevoke(frame)
      case 'error': {
        const ending = CALL_ENDING_ERRORS[String(frame.code)]
        if (ending !== undefined) {
          for (const [callId, pending] of calls) {
            if (pending.correlationId !== frame.correlation_id) continue
            calls.delete(callId)
            pending.reject(
              new HubError(ending, `skill ${init.skillId}: ${String(frame.message)}`, {
                details: { skill: init.skillId, frame_error: frame.code, ...(frame.details as object) },
              }),
            )
          }
        }
        if (frame.code === 'invalid_manifest') {
          const reason = `invalid_manifest: ${String(frame.message)}`
          rejectReady(new HubError('E_DEPENDENCY_UNAVAILABLE', reason))
          init.onFatal(reason)
        }
        return
      }
    }
  }

  const session = createFrameSession({
    role: 'backend',
    peerRole: 'tool',
    sessionId: init.sessionId,
    resumeToken: init.resumeToken,
    ...(init.resumeOnGap === true ? { resumeOnGap: true } : {}),
    validator: init.validator,
    ...(init.session === undefined ? {} : { options: init.session }),
    handlers: {
      onFrame,
      onIssue: (issue) => init.ports.issue?.(issue),
      onProtocolMismatch: (issue) => {
        const reason = `protocol_mismatch: the host speaks ${issue.got}`
        rejectReady(new HubError('E_DEPENDENCY_UNAVAILABLE', reason))
        init.onFatal(reason)
      },
      onDead: init.onDead,
    },
  })
  session.attach(stream)

  return {
    ready,
    session,
    call(toolId, args, signal) {
      const callId = randomUUID()
      const correlationId = randomUUID()
      return new Promise<unknown>((resolve, reject) => {
        if (signal?.aborted) {
          reject(new HubError('E_TIMEOUT', `call ${toolId} was cancelled`))
          return
        }
        const onAbort = () => {
          calls.delete(callId)
          reject(
            new HubError('E_TIMEOUT', `call ${toolId} of skill ${init.skillId} was cancelled or timed out`),
          )
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        calls.set(callId, {
          correlationId,
          resolve: (value) => {
            signal?.removeEventListener('abort', onAbort)
            resolve(value)
          },
          reject: (error) => {
            signal?.removeEventListener('abort', onAbort)
            reject(error)
          },
        })
        try {
          session.send({ kind: 'tool_call', call_id: callId, name: toolId, arguments: args }, correlationId)
        } catch (error) {
          calls.delete(callId)
          signal?.removeEventListener('abort', onAbort)
          reject(toHubError(error))
        }
      })
    },
    push(pattern, event) {
      session.send({
        kind: 'notification_push',
        subscription_id: pattern,
        adapter_id: init.skillId,
        event_guid: event.id,
        payload_content_type: 'application/json',
        payload: JSON.stringify(event),
      })
    },
    fail(error) {
      rejectReady(error)
      for (const pending of calls.values()) pending.reject(error)
      calls.clear()
      session.close()
    },
    inFlight: () => calls.size,
  }
}
