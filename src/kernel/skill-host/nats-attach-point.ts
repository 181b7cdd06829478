import { randomBytes } from 'node:crypto'
import type { NatsConnection, Subscription } from '@nats-io/transport-node'
import { HubError } from '../../contracts/index.ts'
import {
  connectFramesNats,
  type FrameSessionOptions,
  type FrameValidator,
  framesSubjects,
  type NatsFrameStream,
  type NatsFramesAuth,
  natsFrameStream,
} from '../../frames/index.ts'
import type { SkillHealth, SkillLogger } from '../../skill-api/index.ts'
import {
  type ConnectionPorts,
  createFrameConnection,
  type FrameConnection,
  type HostTool,
} from './frame-connection.ts'
import { type HostState, hostHealth } from './host-health.ts'
import { readyHostCalls } from './ready-host-calls.ts'
import { DEFAULT_START_TIMEOUT_MS, type StdioSupervisor } from './stdio-supervisor.ts'

/** First retry after the NATS server could not be reached; doubles up to the maximum. */
export const DEFAULT_NATS_RETRY_BASE_MS = 500
export const DEFAULT_NATS_RETRY_MAX_MS = 30_000
/** How long closing waits for the NATS connection to drain before closing it outright. */
export const DEFAULT_NATS_CLOSE_WAIT_MS = 1_000
/** Session ids are one subject token. */
const SESSION_TOKEN = /^[A-Za-z0-9_-]{1,128}$/

export interface NatsAttachOptions {
  skillId: string
  servers: readonly string[]
  /** The manifest's transport.subject S: hosts publish on S.out.<session>, the hub on S.in.<session>. */
  subject: string
  /** Credentials and TLS for the hub's NATS connection (decision 1852). */
  auth?: NatsFramesAuth
  subscriptions: readonly string[]
  validator: FrameValidator
  ports: ConnectionPorts
  logger: SkillLogger
  /** How long an attached host may take to sync its manifest (transport.timeoutMs). */
  startTimeoutMs?: number
  session?: FrameSessionOptions
  /** Tool ids the manifest's config.tools names; a host without one of them is refused (decision 1850). */
  namedTools?: readonly string[]
  onReady?(info: { pid: number; startMs: number; restarts: number }): void
}

/** connecting and waiting end by themselves (degraded); refused waits for a fixed host (unavailable). */
type State = HostState<'connecting' | 'waiting' | 'syncing' | 'refused'>
const SYNCING = 'a host attached and is syncing its manifest'

interface Attached {
  readonly sessionId: string
  readonly stream: NatsFrameStream
  readonly connection: FrameConnection
  pid: number
}

/** The first frame of a message, when it opens a session or asks to resume one. */
function controlFrame(
  data: Uint8Array,
): { kind: 'open'; pid: number } | { kind: 'resume'; correlationId: string } | undefined {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  // Most messages are neither: skip parsing them (this runs for every frame of an attached host).
  if (!bytes.includes('adapter_manifest_sync') && !bytes.includes('resume_request')) return undefined
  const text = bytes.toString('utf8')
  const newline = text.indexOf('\n')
  try {
    const frame = JSON.parse(newline === -1 ? text : text.slice(0, newline)) as Record<string, unknown>
    if (frame?.kind === 'adapter_manifest_sync' && frame.frame_seq === 1)
      return { kind: 'open', pid: typeof frame.emitter_pid === 'number' ? frame.emitter_pid : 0 }
    if (frame?.kind === 'resume_request' && typeof frame.correlation_id === 'string')
      return { kind: 'resume', correlationId: frame.correlation_id }
    return undefined
  } catch {
    return undefined
  }
}

/** resume_rejected session_unknown for a session this hub no longer has (the host starts anew). */
function rejectionLine(sessionId: string, correlationId: string): string {
  return `${JSON.stringify({
    session_id: sessionId,
    correlation_id: correlationId,
    ts: new Date().toISOString(),
    version: '1.0',
    role: 'backend',
    frame_seq: 0,
    kind: 'resume_rejected',
    reason: 'session_unknown',
    detail: `the hub has no session ${sessionId} (it was detached); start a new session`,
  })}\n`
}

/**
 * The hub's side of a `transport: nats` skill (decision 1820): subscribes to S.out.*, and each
 * host session that opens with adapter_manifest_sync gets the same frame connection a stdio child
 * gets, its frames answered on S.in.<session>. The newest session wins (a re-attached host replaces
 * one the hub has not yet found dead). A host that goes silent for 3 heartbeat intervals, ends its
 * stream, or is replaced fails its calls in flight with E_DEPENDENCY_UNAVAILABLE; the skill then
 * waits for the next host to attach (the hub cannot restart a process on another machine).
 */
export function startNatsAttachPoint(options: NatsAttachOptions): StdioSupervisor {
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS
  const waiting = `waiting for a skill host to attach on ${options.subject}.out.<session>`
  let state: State = { name: 'connecting', reason: 'connecting to NATS' }
  let nats: NatsConnection | undefined
  let subscription: Subscription | undefined
  let attached: Attached | undefined
  let tools: readonly HostTool[] = []
  let attaches = 0
  let retryMs = DEFAULT_NATS_RETRY_BASE_MS
  let retryTimer: NodeJS.Timeout | undefined
  let markStarted: () => void = () => undefined
  const started = new Promise<void>((resolve) => {
    markStarted = resolve
  })

  const unavailable = (why: string) =>
    new HubError('E_DEPENDENCY_UNAVAILABLE', `skill ${options.skillId} is unavailable: ${why}`, {
      details: { skill: options.skillId, transport: 'nats' },
    })

  const detach = (current: Attached, why: string) => {
    if (attached !== current) return
    attached = undefined
    current.connection.fail(unavailable(`its host ${why}`))
    if (state.name === 'closed') return
    if (state.name !== 'refused') state = { name: 'waiting', reason: `the host ${why}; ${waiting}` }
    options.logger.warn('NATS skill host detached', { skill: options.skillId, why })
  }

  const attach = (sessionId: string, pid: number) => {
    if (attached !== undefined) detach(attached, `was replaced by session ${sessionId}`)
    const connected = Promise.resolve(nats!)
    const stream = natsFrameStream(connected, framesSubjects(options.subject, sessionId).in)
    const attachedAt = performance.now()
    const connection = createFrameConnection(stream, {
      skillId: options.skillId,
      sessionId,
      resumeToken: randomBytes(16).toString('hex'),
      subscriptions: options.subscriptions,
      validator: options.validator,
      ...(options.session === undefined ? {} : { session: options.session }),
      ports: options.ports,
      resumeOnGap: true,
      ...(options.namedTools === undefined ? {} : { namedTools: options.namedTools }),
      onDead: () => detach(current, 'missed its heartbeats'),
      onFatal: (reason) => {
        state = { name: 'refused', reason: `${reason}; fix the host and attach again` }
        detach(current, reason)
      },
    })
    const current: Attached = { sessionId, stream, connection, pid }
    attached = current
    attaches++
    if (state.name !== 'closed') state = { name: 'syncing', reason: SYNCING }
    stream.input.on('end', () => detach(current, 'ended its session'))
    const timer = setTimeout(() => {
      if (attached === current && state.name === 'syncing')
        detach(current, `did not sync its manifest within ${startTimeoutMs} ms`)
    }, startTimeoutMs)
    connection.ready.then(
      (hostTools) => {
        clearTimeout(timer)
        if (attached !== current || state.name === 'closed') return
        tools = hostTools
        state = { name: 'ready' }
        options.onReady?.({
          pid,
          startMs: Math.round(performance.now() - attachedAt),
          restarts: attaches - 1,
        })
      },
      () => clearTimeout(timer),
    )
  }

  const onMessage = (subject: string, data: Uint8Array) => {
    const sessionId = subject.slice(subject.lastIndexOf('.') + 1)
    if (!SESSION_TOKEN.test(sessionId) || state.name === 'closed') return
    const control = controlFrame(data)
    const current = attached?.sessionId === sessionId ? attached : undefined
    // A host that starts its session anew under the same id (after resume_rejected) sends its
    // manifest as frame 1 again: that replaces the session rather than reading as a duplicate.
    const restarts = control?.kind === 'open' && (current?.connection.session.stats().receivedSeq ?? 0) > 0
    if (current !== undefined && !restarts) {
      current.stream.deliver(data)
      return
    }
    // Frames of a session that is not (or no longer) attached are dropped: only a new session's
    // adapter_manifest_sync with frame_seq 1 attaches; a resume of it is told the session is gone.
    if (control?.kind === 'resume') {
      nats?.publish(
        framesSubjects(options.subject, sessionId).in,
        rejectionLine(sessionId, control.correlationId),
      )
      return
    }
    if (control?.kind !== 'open') return
    attach(sessionId, control.pid)
    attached?.stream.deliver(data)
  }

  const connect = async () => {
    if (state.name === 'closed') return
    try {
      const connection = await connectFramesNats({
        servers: options.servers,
        subject: options.subject,
        name: `localhub-skill-${options.skillId}`,
        ...(options.auth === undefined ? {} : { auth: options.auth }),
      })
      if ((state as State).name === 'closed') {
        await connection.close()
        return
      }
      nats = connection
      subscription = connection.subscribe(`${options.subject}.out.*`, {
        callback: (error, message) => {
          if (error === null) onMessage(message.subject, message.data)
        },
      })
      await connection.flush()
      state = { name: 'waiting', reason: waiting }
      markStarted()
    } catch (error) {
      const reason = `NATS at ${options.servers.join(',')} cannot be reached (${(error as Error).message}); retrying in ${retryMs} ms`
      state = { name: 'connecting', reason }
      options.logger.warn('NATS skill transport cannot connect', { skill: options.skillId, reason })
      markStarted()
      retryTimer = setTimeout(connect, retryMs)
      retryMs = Math.min(DEFAULT_NATS_RETRY_MAX_MS, retryMs * 2)
    }
  }
  void connect()

  const status = (): SkillHealth => hostHealth(state, ['refused'])
  const { call, push } = readyHostCalls(
    () => (state.name === 'ready' ? attached?.connection : undefined),
    () => unavailable(status().reason ?? state.name),
    options.logger,
  )

  return {
    started,
    status,
    tools: () => tools,
    call,
    push,
    get pid() {
      return attached?.pid
    },
    get restarts() {
      return Math.max(0, attaches - 1)
    },
    async close() {
      const current = attached
      if (current !== undefined) detach(current, 'is detached: the hub is closing')
      state = { name: 'closed' }
      clearTimeout(retryTimer)
      subscription?.unsubscribe()
      const connection = nats
      if (connection === undefined) return
      // Drain when the server is there; a server already gone would keep a drain (and its
      // reconnect timers) waiting forever.
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        connection.drain().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, DEFAULT_NATS_CLOSE_WAIT_MS)
        }),
      ])
      clearTimeout(timer)
      await connection.close().catch(() => undefined)
    },
  }
}
