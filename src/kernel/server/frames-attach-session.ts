import { randomBytes, randomUUID } from 'node:crypto'
import { type ErrorCode, HubError, toHubError } from '../../contracts/index.ts'
import {
  createFrameSession,
  type Frame,
  type FrameSession,
  type FrameSessionOptions,
  type FrameValidator,
} from '../../frames/index.ts'
import type { ChatInput, ChatPart, HubPort, Principal, TailSubscription } from './server-types.ts'

// One `localhub attach` session on the hub (role backend, peer tui; decision 1821): chat turns
// streamed as assistant_chunk, approvals asked as permission_request, live events as
// notification_push. It outlives its WebSocket so a reconnecting terminal can resume it.

/** Events every attached terminal is asked about: the approvals it may answer. */
const APPROVAL_PATTERN = 'approval.requested'

export interface AttachDecider {
  /** Approves or denies an approval as the session's principal; resolves to a short outcome text. */
  decide(approvalId: string, decision: 'approve' | 'deny'): Promise<string>
}

export interface AttachSessionInit {
  sessionId: string
  hub: HubPort
  principal: Principal
  validator: FrameValidator
  options: FrameSessionOptions
  decider: AttachDecider
  /** Called when the peer went silent for 3 heartbeat intervals (the socket is cut). */
  onDead(): void
  onExit(): void
}

export interface AttachSession {
  readonly session: FrameSession
  readonly resumeToken: string
  close(): void
}

function riskOf(tier: unknown): 'low' | 'medium' | 'high' {
  if (tier === 'destructive_two_step' || tier === 'network_off_by_default') return 'high'
  return tier === 'read_only' ? 'low' : 'medium'
}

export function openAttachSession(init: AttachSessionInit): AttachSession {
  const resumeToken = randomBytes(16).toString('hex')
  const controller = new AbortController()
  const tails: TailSubscription[] = []
  let started = false

  const sendError = (correlationId: string, error: unknown) => {
    const failure = toHubError(error)
    const issue = failure.details?.issues?.[0]
    session.send(
      {
        kind: 'error',
        code: failure.code,
        message: failure.message,
        details: { path: issue?.path ?? '', expected: issue?.expected ?? '', got: issue?.got ?? '' },
      },
      correlationId,
    )
  }

  const tail = (pattern: string, onEvent: (event: Record<string, unknown>) => void) => {
    tails.push(
      init.hub.tail(
        { filter: pattern, principal: init.principal },
        (event) => onEvent(event as unknown as Record<string, unknown>),
        controller.signal,
      ),
    )
  }

  const start = (frame: Frame) => {
    if (started) return
    started = true
    const payload = (frame.payload ?? {}) as { subscriptions?: unknown }
    const patterns = Array.isArray(payload.subscriptions)
      ? payload.subscriptions.filter((item): item is string => typeof item === 'string' && item !== '')
      : []
    for (const pattern of patterns) {
      tail(pattern, (event) =>
        session.send({
          kind: 'notification_push',
          subscription_id: pattern,
          adapter_id: 'hub',
          event_guid: String(event.id),
          payload_content_type: 'application/json',
          payload: JSON.stringify(event),
        }),
      )
    }
    tail(APPROVAL_PATTERN, (event) => {
      const body = (event.payload ?? {}) as Record<string, unknown>
      const targets = Array.isArray(body.targets) ? body.targets.join(', ') : ''
      const description = `${String(body.action)} ${targets}`.trim()
      session.send({
        kind: 'permission_request',
        request_id: String(body.approvalId),
        worker_id: String(body.requestedBy ?? 'hub'),
        primitive_kind: 'send',
        description_ko: description,
        description_en: description,
        risk_level: riskOf(body.tier),
        tool_id: typeof body.action === 'string' ? body.action : null,
      })
    })
    session.send(
      {
        kind: 'session_event',
        event: 'new',
        payload: {
          session_id: init.sessionId,
          resume_token: resumeToken,
          heartbeat_interval_ms: session.settings.heartbeatIntervalMs,
          high_water_mark: session.settings.highWaterMark,
          resume_ring_frames: session.settings.resumeRingFrames,
          subscriptions: patterns,
        },
      },
      frame.correlation_id,
    )
  }

  const chat = async (frame: Frame, text: string, history?: ChatInput['history']) => {
    const messageId = randomUUID()
    try {
      const parts: AsyncIterable<ChatPart> = init.hub.chat({
        text,
        sessionId: init.sessionId,
        stream: true,
        traceId: messageId,
        principal: init.principal,
        signal: controller.signal,
        route: 'ws /ws/frames',
        ...(history === undefined ? {} : { history }),
      })
      for await (const part of parts) {
        if (part.event === 'error') {
          sendError(frame.correlation_id, new HubError(part.error.code as ErrorCode, part.error.message))
          return
        }
        if (part.event === 'stream.chunk' && part.text !== undefined && part.text !== '')
          session.send(
            { kind: 'assistant_chunk', message_id: messageId, delta: part.text, done: false },
            frame.correlation_id,
          )
      }
      session.send(
        { kind: 'assistant_chunk', message_id: messageId, delta: '', done: true },
        frame.correlation_id,
      )
    } catch (error) {
      if (!controller.signal.aborted) sendError(frame.correlation_id, error)
    }
  }

  const onChatRequest = (frame: Frame) => {
    const messages = (Array.isArray(frame.messages) ? frame.messages : []) as {
      role?: string
      content?: unknown
    }[]
    const last = messages.at(-1)
    if (last?.role !== 'user' || typeof last.content !== 'string') {
      sendError(
        frame.correlation_id,
        new HubError('E_VALIDATION', 'a chat_request ends with a user message', {
          details: {
            issues: [
              {
                path: '/messages',
                expected: 'last message role user',
                got: String(last?.role),
                message: 'no user message',
              },
            ],
          },
        }),
      )
      return
    }
    const history = messages
      .slice(0, -1)
      .filter((message) => ['system', 'user', 'assistant'].includes(String(message.role)))
      .map((message) => ({
        role: message.role as 'system' | 'user' | 'assistant',
        content: typeof message.content === 'string' ? message.content : '',
      }))
    void chat(frame, last.content, history)
  }

  const onPermission = async (frame: Frame) => {
    const allowed = ['granted', 'allow_once', 'allow_session'].includes(String(frame.decision))
    try {
      await init.decider.decide(String(frame.request_id), allowed ? 'approve' : 'deny')
    } catch (error) {
      sendError(frame.correlation_id, error)
    }
  }

  const onFrame = (frame: Frame): void | Promise<void> => {
    if (!started && !(frame.kind === 'session_event' && frame.event === 'new')) {
      sendError(
        frame.correlation_id,
        new HubError('E_BAD_REQUEST', 'a terminal starts with session_event "new" (or resume_request)'),
      )
      return
    }
    switch (frame.kind) {
      case 'session_event':
        if (frame.event === 'new') start(frame)
        else if (frame.event === 'exit') init.onExit()
        return
      case 'user_input':
        void chat(frame, String(frame.text))
        return
      case 'chat_request':
        onChatRequest(frame)
        return
      case 'permission_response':
        return onPermission(frame)
      case 'consent_revoke_request':
      case 'plugin_op':
        sendError(
          frame.correlation_id,
          new HubError(
            'E_BAD_REQUEST',
            `${frame.kind} is not served to terminals yet; use the dashboard or \`localhub grants\``,
          ),
        )
        return
    }
  }

  const session = createFrameSession({
    role: 'backend',
    peerRole: 'tui',
    sessionId: init.sessionId,
    resumeToken,
    validator: init.validator,
    options: init.options,
    handlers: { onFrame, onDead: init.onDead },
  })

  return {
    session,
    resumeToken,
    close() {
      controller.abort()
      for (const subscription of tails) subscription.close()
      session.close()
    },
  }
}
