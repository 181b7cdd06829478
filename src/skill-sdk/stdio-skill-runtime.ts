import { randomUUID } from 'node:crypto'
import type { Envelope } from '../contracts/index.ts'
import {
  createFrameSession,
  createFrameValidator,
  DEFAULT_PAYLOAD_THRESHOLD_CHARS,
  type Frame,
  type FrameSession,
  type FrameStream,
  manifestHash,
} from '../frames/index.ts'
import { callContext } from './call-context.ts'
import { manifestEntriesOf, manifestProblems } from './manifest-entries.ts'
import { natsStreamOf } from './nats-connect.ts'
import type {
  ConsentRevokeAnswer,
  PermissionAnswer,
  SkillCallContext,
  StdioSkillDefinition,
} from './sdk-types.ts'

/** Exit code of a host whose own manifest is invalid (EX_CONFIG): the hub does not restart it. */
export const EXIT_INVALID_MANIFEST = 78
export { DEFAULT_PERMISSION_TIMEOUT_MS } from './call-context.ts'

export interface RunOptions {
  stream?: FrameStream
  env?: Readonly<Record<string, string | undefined>>
  /** Called instead of process.exit (tests). */
  exit?: (code: number) => void
  /** Command-line arguments read for --nats and --subject (default process.argv.slice(2)). */
  argv?: readonly string[]
  /** Where diagnostics go; stderr by default (stdout carries frames). */
  log?: (line: string) => void
  /**
   * Called when the stream ends; returns a new stream to the same hub (or undefined to give up, exit
   * 1). The host then sends resume_request with the hub's resume_token, replays what the hub missed
   * and goes on numbering — or starts a new session (manifest again, frame_seq 1) after
   * resume_rejected or when the hub asks for frames this host no longer holds. Without it, the end
   * of the stream ends the host (exit 0), as over stdio, where the hub restarts the process instead.
   */
  reconnect?: () => Promise<FrameStream | undefined>
}

export interface RunningSkill {
  /** The current frame session (a new one after a rejected resume). */
  readonly session: FrameSession
  /** Resolves once the hub answered the manifest with session_event "new". */
  readonly ready: Promise<void>
  stop(code?: number): void
}

function errorOf(error: unknown): { code: string; message: string } {
  const record = error as { code?: unknown; message?: unknown } | null
  return {
    code: typeof record?.code === 'string' ? record.code : 'E_UNKNOWN',
    message: typeof record?.message === 'string' ? record.message : String(error),
  }
}

/**
 * Runs a skill as a frame-protocol skill host on stdin/stdout (or the given stream): validates its
 * manifest (exit 78 when invalid), syncs it, answers tool calls (big results as payload frames),
 * delivers subscribed events to the typed handlers, and carries publishes, permission requests and
 * consent revokes to the hub. Protocol: docs/frame-protocol.md.
 */
export function runStdioSkill(definition: StdioSkillDefinition, options: RunOptions = {}): RunningSkill {
  const env = options.env ?? process.env
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const exit = options.exit ?? ((code: number) => process.exit(code))
  const skillId = env.LOCALHUB_SKILL_ID ?? 'skill.unknown'
  const sessionId = env.LOCALHUB_FRAME_SESSION ?? randomUUID()
  // --nats / LOCALHUB_SKILL_NATS: attach to a hub over NATS instead of stdio (nats-connect.ts).
  const nats =
    options.stream === undefined
      ? natsStreamOf(options.argv ?? process.argv.slice(2), env, sessionId, log, exit)
      : undefined
  let stream: FrameStream = options.stream ??
    nats?.stream ?? {
      input: process.stdin,
      output: process.stdout,
    }
  const heartbeat = Number(env.LOCALHUB_HEARTBEAT_MS ?? '')
  const validator = createFrameValidator()
  const pendingPermissions = new Map<string, (answer: PermissionAnswer) => void>()
  const pendingRevokes = new Map<string, (answer: ConsentRevokeAnswer) => void>()
  let markReady: () => void = () => undefined
  const ready = new Promise<void>((resolve) => {
    markReady = resolve
  })
  let stopped = false
  let resumeToken: string | undefined
  let reconnecting = false

  const stop = (code = 0) => {
    if (stopped) return
    stopped = true
    session.close()
    exit(code)
  }

  const contextFor = (callId: string, toolId: string | null): SkillCallContext =>
    callContext({
      skillId,
      sessionId,
      callId,
      toolId,
      send: (frame, correlationId) => session.send(frame, correlationId),
      pendingPermissions,
      pendingRevokes,
    })

  const primitiveOf = (name: string) => definition.tools[name]?.primitive ?? 'check'

  const onToolCall = async (frame: Frame) => {
    const callId = String(frame.call_id)
    const name = String(frame.name)
    const tool = definition.tools[name]
    const reply = (envelope: Record<string, unknown>) =>
      session.send(
        { kind: 'tool_result', call_id: callId, envelope, trailer: { final: true } },
        frame.correlation_id,
      )
    if (tool === undefined) {
      // An error frame with the call's correlation id (docs/frame-protocol.md): the hub fails the call.
      session.send(
        {
          kind: 'error',
          code: 'unknown_tool',
          message: `no tool ${name} here`,
          details: {
            path: '/name',
            expected: Object.keys(definition.tools).join(' | '),
            got: name,
            call_id: callId,
          },
        },
        frame.correlation_id,
      )
      return
    }
    try {
      const result = await tool.handler(frame.arguments as Record<string, unknown>, contextFor(callId, name))
      const text = JSON.stringify(result ?? null)
      if (tool.payload === 'always' || text.length > DEFAULT_PAYLOAD_THRESHOLD_CHARS) {
        session.sendPayload(frame.correlation_id, text)
        reply({ kind: primitiveOf(name), ok: true, result_ref: 'payload' })
      } else reply({ kind: primitiveOf(name), ok: true, result: result ?? null })
    } catch (error) {
      reply({ kind: primitiveOf(name), ok: false, error: errorOf(error) })
    }
  }

  const onEvent = async (frame: Frame) => {
    let event: Envelope
    try {
      event = JSON.parse(String(frame.payload)) as Envelope
    } catch {
      log(`event ${String(frame.event_guid)} is not JSON; ignored`)
      return
    }
    const handlers = definition.events as
      | Record<string, (e: Envelope, c: SkillCallContext) => unknown>
      | undefined
    const handler = handlers?.[event.type] ?? definition.onEvent
    try {
      await handler?.(event, contextFor(String(frame.event_guid), null))
    } catch (error) {
      log(`event handler for ${event.type} failed: ${errorOf(error).message}`)
    }
  }

  const onFrame = (frame: Frame): void | Promise<void> => {
    switch (frame.kind) {
      case 'tool_call':
        return onToolCall(frame)
      case 'notification_push':
        return onEvent(frame)
      case 'session_event':
        if (frame.event === 'new') {
          const { high_water_mark: hwm, resume_token: token } = frame.payload as Record<string, unknown>
          if (typeof hwm === 'number') session.setHighWaterMark(hwm)
          if (typeof token === 'string') resumeToken = token
          markReady()
        } else if (frame.event === 'exit') stop(0)
        return
      case 'permission_response': {
        const resolve = pendingPermissions.get(String(frame.request_id))
        pendingPermissions.delete(String(frame.request_id))
        const allowed = ['allow_once', 'allow_session', 'granted'].includes(String(frame.decision))
        resolve?.({
          decision: allowed ? 'allow_once' : 'denied',
          receiptId: typeof frame.receipt_id === 'string' ? frame.receipt_id : null,
        })
        return
      }
      case 'consent_revoke_response': {
        const resolve = pendingRevokes.get(String(frame.request_id))
        pendingRevokes.delete(String(frame.request_id))
        resolve?.({
          ok: frame.ok === true,
          revokedAt: (frame.revoked_at as string | null | undefined) ?? null,
          recordHash: (frame.record_hash as string | null | undefined) ?? null,
          error: (frame.error as string | null | undefined) ?? null,
        })
        return
      }
      case 'resume_rejected':
        log(`resume rejected (${String(frame.reason)}): ${String(frame.detail)}; starting a new session`)
        newSession()
        return
      case 'error':
        log(`hub says ${String(frame.code)}: ${String(frame.message)}`)
        if (frame.code === 'manifest_hash_mismatch') stop(EXIT_INVALID_MANIFEST)
        return
    }
  }

  const openSession = (): FrameSession =>
    createFrameSession({
      role: 'tool',
      peerRole: 'backend',
      sessionId,
      validator,
      ...(Number.isInteger(heartbeat) && heartbeat >= 10
        ? { options: { heartbeatIntervalMs: heartbeat } }
        : {}),
      // Core NATS loses frames while a connection is down: gaps resume (decision 1851).
      resumeOnGap: nats !== undefined,
      handlers: {
        onFrame,
        onGap: (issue) => {
          if (resumeToken === undefined) return
          log(`frames were lost (${issue.message}); resuming`)
          session.requestResume(resumeToken)
        },
        onIssue: (issue) => log(`frame problem ${issue.code} at ${issue.path}: ${issue.message}`),
        onDead: () => stop(1),
        onClose: () => onStreamEnd(stream),
        onProtocolMismatch: () => stop(1),
        ...(options.reconnect === undefined
          ? {}
          : {
              onResumeLost: () => {
                log('the hub resumed after frames this host no longer holds; starting a new session')
                newSession()
              },
            }),
      },
    })
  let session: FrameSession = openSession()

  const sendManifest = () => {
    const entries = manifestEntriesOf(definition)
    session.send({
      kind: 'adapter_manifest_sync',
      entries,
      manifest_hash: manifestHash(entries),
      emitter_pid: process.pid,
    })
  }

  /** Numbering from 1 again, the manifest first (after resume_rejected or lost frames). */
  function newSession(): void {
    const old = session
    old.detach() // detached first, so closing it does not end the stream
    old.close()
    resumeToken = undefined
    session = openSession()
    session.attach(stream)
    sendManifest()
  }

  /** The stream ended: over stdio the host is done; with `reconnect`, it dials again and resumes. */
  function onStreamEnd(ended: FrameStream): void {
    if (stopped || reconnecting || ended !== stream) return
    if (options.reconnect === undefined) {
      stop(0)
      return
    }
    reconnecting = true
    session.detach()
    options.reconnect().then(
      (next) => {
        reconnecting = false
        if (stopped) return
        if (next === undefined) {
          log('the connection to the hub dropped and could not be made again; exiting')
          stop(1)
          return
        }
        stream = next
        watchEnd(next)
        if (resumeToken === undefined) {
          newSession()
          return
        }
        session.attach(next)
        session.requestResume(resumeToken)
      },
      (error: Error) => {
        reconnecting = false
        log(`reconnecting failed: ${error.message}`)
        stop(1)
      },
    )
  }

  // A socket can close without an 'end' (a reset); either way the stream is over.
  function watchEnd(watched: FrameStream): void {
    if (options.reconnect === undefined) return
    watched.input.once('close', () => onStreamEnd(watched))
  }

  session.attach(stream)
  watchEnd(stream)
  // Back on a NATS server after losing it: what the hub sent meanwhile is gone; resume.
  nats?.link.onReconnect(() => {
    if (stopped || resumeToken === undefined) return
    log('reconnected to NATS; resuming the session')
    session.requestResume(resumeToken)
  })

  const problems = manifestProblems(definition, validator)
  if (problems.length > 0) {
    const [first] = problems
    session.send({
      kind: 'error',
      code: 'invalid_manifest',
      message: first!.message,
      details: { path: first!.path, expected: first!.expected, got: first!.got, problems },
    })
    // Let the error frame reach the pipe before the process ends.
    const output = stream.output as NodeJS.WritableStream
    output.write('', () => stop(EXIT_INVALID_MANIFEST))
  } else sendManifest()
  return {
    get session() {
      return session
    },
    ready,
    stop,
  }
}
