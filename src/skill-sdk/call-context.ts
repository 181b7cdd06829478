import { randomUUID } from 'node:crypto'
import type { FrameSession } from '../frames/index.ts'
import type { ConsentRevokeAnswer, PermissionAnswer, SkillCallContext } from './sdk-types.ts'

/** How long a permission request waits for the hub's answer before counting as denied. */
export const DEFAULT_PERMISSION_TIMEOUT_MS = 5 * 60_000

/** What a call's or an event's context needs of the running skill. */
export interface CallContextInit {
  skillId: string
  sessionId: string
  callId: string
  toolId: string | null
  send: FrameSession['send']
  pendingPermissions: Map<string, (answer: PermissionAnswer) => void>
  pendingRevokes: Map<string, (answer: ConsentRevokeAnswer) => void>
}

/** The context a tool handler or an event handler gets: publish, ask, revoke, progress — as frames. */
export function callContext(init: CallContextInit): SkillCallContext {
  const { skillId, sessionId, callId, toolId, pendingPermissions, pendingRevokes } = init
  const session = { send: init.send }
  const publishUntyped: SkillCallContext['publishUntyped'] = (type, payload, publishOptions = {}) => {
    const eventGuid = publishOptions.eventGuid ?? randomUUID()
    const body = {
      type,
      payload,
      ...(publishOptions.sessionId === undefined ? {} : { sessionId: publishOptions.sessionId }),
      ...(publishOptions.traceId === undefined ? {} : { traceId: publishOptions.traceId }),
    }
    session.send({
      kind: 'notification_push',
      subscription_id: 'publish',
      adapter_id: skillId,
      event_guid: eventGuid,
      payload_content_type: 'application/json',
      payload: JSON.stringify(body),
    })
    return eventGuid
  }
  return {
    skillId,
    sessionId,
    callId,
    publishUntyped,
    publish: (type, payload, publishOptions) =>
      publishUntyped(type, payload as Record<string, unknown>, publishOptions),
    askPermission(ask) {
      const requestId = randomUUID()
      return new Promise<PermissionAnswer>((resolve) => {
        const timer = setTimeout(() => {
          pendingPermissions.delete(requestId)
          resolve({ decision: 'denied', receiptId: null })
        }, ask.timeoutMs ?? DEFAULT_PERMISSION_TIMEOUT_MS)
        pendingPermissions.set(requestId, (answer) => {
          clearTimeout(timer)
          resolve(answer)
        })
        session.send({
          kind: 'permission_request',
          request_id: requestId,
          worker_id: skillId,
          primitive_kind: ask.primitive ?? 'send',
          description_ko: ask.descriptionKo ?? ask.descriptionEn,
          description_en: ask.descriptionEn,
          risk_level: ask.riskLevel ?? 'medium',
          tool_id: toolId,
        })
      })
    },
    revokeConsent(receiptId, scope = 'once') {
      const requestId = randomUUID()
      return new Promise<ConsentRevokeAnswer>((resolve) => {
        pendingRevokes.set(requestId, resolve)
        session.send({
          kind: 'consent_revoke_request',
          request_id: requestId,
          receipt_id: receiptId,
          scope,
        })
      })
    },
    progress(messageEn, messageKo) {
      session.send({
        kind: 'progress_event',
        phase: 'tool_call',
        message_en: messageEn,
        message_ko: messageKo ?? messageEn,
        call_id: callId,
      })
    },
  }
}
