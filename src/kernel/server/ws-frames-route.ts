import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { WebSocket } from 'ws'
import { HubError } from '../../contracts/index.ts'
import { createFrameValidator, type FrameValidator, webSocketFrameStream } from '../../frames/index.ts'
import { type AttachSession, openAttachSession } from './frames-attach-session.ts'
import { principalOf } from './security-hooks.ts'
import type { ServerConfig } from './server-options.ts'
import type { HubPort } from './server-types.ts'
import { refuseWithoutUpgrade } from './websocket-upgrade.ts'

// WS /ws/frames: `localhub attach` (role tui) speaks seed 002 frames with the hub, one frame per
// WebSocket text message, authenticated with the hub token like every route (decision 1821).

/** How long a session whose socket dropped is kept for a resume_request. */
export const DEFAULT_ATTACH_LINGER_MS = 10 * 60_000
/** Terminal sessions kept at once (attached or lingering). */
export const DEFAULT_MAX_ATTACH_SESSIONS = 32
/** Env: numbered frames kept per session for a resume (default the frame session's 256). */
export const ATTACH_RING_ENV = 'LOCALHUB_ATTACH_RING_FRAMES'
/** Env: heartbeat interval of terminal sessions in ms (default 5000). */
export const ATTACH_HEARTBEAT_ENV = 'LOCALHUB_HEARTBEAT_MS'
const WS_CLOSE_POLICY = 1008
const SESSION_TOKEN = /^[A-Za-z0-9_-]{1,128}$/

interface Entry {
  attach: AttachSession
  socket: WebSocket | undefined
  linger: NodeJS.Timeout | undefined
}

function integerEnv(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  min: number,
): number | undefined {
  const value = Number(env[name] ?? '')
  return Number.isInteger(value) && value >= min && env[name] !== '' && env[name] !== undefined
    ? value
    : undefined
}

/**
 * The first frame's kind and session id, read loosely (the session validates it fully). Both must
 * be strings of an object: `5` or `[]` once opened a session named "undefined" (decision 2085).
 */
function peek(text: string): { kind: string; sessionId: string } | undefined {
  let frame: unknown
  try {
    frame = JSON.parse(text)
  } catch {
    return undefined
  }
  if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) return undefined
  const { kind, session_id: sessionId } = frame as Record<string, unknown>
  return typeof kind === 'string' && typeof sessionId === 'string' ? { kind, sessionId } : undefined
}

function rejected(sessionId: string, correlationId: string, reason: string, detail: string): string {
  return JSON.stringify({
    session_id: sessionId,
    correlation_id: correlationId,
    ts: new Date().toISOString(),
    version: '1.0',
    role: 'backend',
    frame_seq: 0,
    kind: 'resume_rejected',
    reason,
    detail,
  })
}

export function registerWsFramesRoute(
  app: FastifyInstance,
  context: { hub: HubPort; config: ServerConfig },
): void {
  const { hub, config } = context
  // Compiled at the first attach, not at every hub start: it was ~10–20% of an empty start's CPU
  // (decision 1630), and most hubs never see a terminal attach.
  let compiled: FrameValidator | undefined
  const validatorOf = (): FrameValidator => {
    compiled ??= createFrameValidator()
    return compiled
  }
  const sessions = new Map<string, Entry>()
  const ring = integerEnv(config.env, ATTACH_RING_ENV, 0)
  const heartbeat = integerEnv(config.env, ATTACH_HEARTBEAT_ENV, 10)
  const options = {
    ...(ring === undefined ? {} : { resumeRingFrames: ring }),
    ...(heartbeat === undefined ? {} : { heartbeatIntervalMs: heartbeat }),
  }

  const drop = (sessionId: string) => {
    const entry = sessions.get(sessionId)
    if (entry === undefined) return
    sessions.delete(sessionId)
    clearTimeout(entry.linger)
    entry.attach.close()
    entry.socket?.close(1000, 'session ended')
  }
  app.addHook('onClose', async () => {
    for (const sessionId of [...sessions.keys()]) drop(sessionId)
  })

  const bind = (entry: Entry, sessionId: string, socket: WebSocket, first: string) => {
    clearTimeout(entry.linger)
    entry.linger = undefined
    if (entry.socket !== undefined && entry.socket !== socket) entry.socket.close(1000, 'resumed elsewhere')
    entry.socket = socket
    const stream = webSocketFrameStream(socket)
    entry.attach.session.attach(stream)
    socket.on('message', (data, isBinary) => {
      if (!isBinary) {
        stream.deliver(String(data))
        return
      }
      // One frame per text message: a binary one is dropped and said so, as a line that is not a
      // frame is, and the session goes on.
      const bytes = Array.isArray(data) ? data.reduce((sum, part) => sum + part.length, 0) : data.byteLength
      entry.attach.session.send(
        {
          kind: 'error',
          code: 'invalid_frame',
          message: 'frames are text messages; a binary message was dropped',
          details: {
            path: '',
            expected: 'a text message holding one frame',
            got: `${bytes} bytes of binary`,
          },
        },
        randomUUID(),
      )
    })
    socket.on('close', () => {
      if (entry.socket !== socket) return
      entry.socket = undefined
      entry.attach.session.detach()
      // Kept for a resume; frames sent meanwhile wait in the ring.
      entry.linger = setTimeout(() => drop(sessionId), DEFAULT_ATTACH_LINGER_MS)
      entry.linger.unref()
    })
    stream.deliver(first)
  }

  app.get(
    '/ws/frames',
    {
      websocket: true,
      preValidation: async (request, reply) => {
        const refused = refuseWithoutUpgrade(request, reply, '/ws/frames')
        if (refused !== undefined) return refused
      },
    },
    (socket, request) => {
      const principal = principalOf(request)!
      const authorization = request.headers.authorization
      socket.once('message', (data, isBinary) => {
        const first = isBinary ? '' : String(data)
        const opening = peek(first)
        if (opening === undefined || !SESSION_TOKEN.test(opening.sessionId)) {
          socket.close(WS_CLOSE_POLICY, 'the first frame must be session_event new or resume_request')
          return
        }
        if (opening.kind === 'resume_request') {
          const entry = sessions.get(opening.sessionId)
          if (entry === undefined) {
            const correlation = (JSON.parse(first) as { correlation_id?: unknown }).correlation_id
            socket.send(
              rejected(
                opening.sessionId,
                typeof correlation === 'string' && correlation !== '' ? correlation : randomUUID(),
                'session_unknown',
                `no terminal session ${opening.sessionId} on this hub`,
              ),
            )
            return
          }
          // The frame session checks the token and the ring, and answers resume_response or resume_rejected.
          bind(entry, opening.sessionId, socket, first)
          return
        }
        if (sessions.has(opening.sessionId)) {
          socket.close(WS_CLOSE_POLICY, 'session id in use: resume it or pick another')
          return
        }
        if (sessions.size >= DEFAULT_MAX_ATTACH_SESSIONS) {
          socket.close(WS_CLOSE_POLICY, `at most ${DEFAULT_MAX_ATTACH_SESSIONS} terminal sessions`)
          return
        }
        const sessionId = opening.sessionId
        const entry: Entry = {
          socket: undefined,
          linger: undefined,
          attach: openAttachSession({
            sessionId,
            hub,
            principal,
            validator: validatorOf(),
            options,
            decider: {
              async decide(approvalId, decision) {
                // The same route the dashboard and `localhub approvals` use, as this principal.
                const response = await app.inject({
                  method: 'POST',
                  url: `/approvals/${encodeURIComponent(approvalId)}/${decision}`,
                  headers: {
                    ...(request.headers.host === undefined ? {} : { host: request.headers.host }),
                    ...(authorization === undefined ? {} : { authorization }),
                    ...(request.headers.cookie === undefined ? {} : { cookie: request.headers.cookie }),
                    'content-type': 'application/json',
                  },
                  payload: JSON.stringify({ reason: 'answered in localhub attach' }),
                })
                const body = response.json() as { ok: boolean; error?: { code: string; message: string } }
                if (!body.ok)
                  throw new HubError(
                    (body.error?.code as never) ?? 'E_UNKNOWN',
                    body.error?.message ?? `approval ${approvalId}: HTTP ${response.statusCode}`,
                  )
                return decision
              },
            },
            onDead: () => sessions.get(sessionId)?.socket?.terminate(),
            onExit: () => drop(sessionId),
          }),
        }
        sessions.set(sessionId, entry)
        bind(entry, sessionId, socket, first)
      })
    },
  )
}
