import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { HubError } from '../../contracts/index.ts'
import type { FrameIssue, FrameSessionOptions, FrameValidator } from '../../frames/index.ts'
import type { SkillHealth, SkillLogger } from '../../skill-api/index.ts'
import {
  type ConnectionPorts,
  createFrameConnection,
  type FrameConnection,
  type HostTool,
} from './frame-connection.ts'
import { type HostState, hostHealth } from './host-health.ts'
import { readyHostCalls } from './ready-host-calls.ts'

/** First restart delay after a crash; doubles each crash in a row. */
export const DEFAULT_RESTART_BASE_MS = 250
export const DEFAULT_RESTART_MAX_MS = 30_000
/** A host healthy this long starts its next backoff from the base again. */
export const DEFAULT_HEALTHY_RESET_MS = 60_000
/** How long a host may take to start and sync its manifest (transport.timeoutMs overrides). */
export const DEFAULT_START_TIMEOUT_MS = 10_000
/** Exit code of a host whose manifest is invalid (EX_CONFIG): unavailable, not restarted. */
export const EXIT_INVALID_MANIFEST = 78
/** stderr lines of a host kept for its unavailable reason. */
const STDERR_TAIL_LINES = 5
/** How much of a line that is not a frame the reasons quote. */
const QUOTED_CHARS = 120

export interface StdioSupervisorOptions {
  skillId: string
  command: string
  args: readonly string[]
  cwd: string
  env: Readonly<Record<string, string | undefined>>
  subscriptions: readonly string[]
  validator: FrameValidator
  ports: ConnectionPorts
  logger: SkillLogger
  startTimeoutMs?: number
  restartBaseMs?: number
  restartMaxMs?: number
  healthyResetMs?: number
  session?: FrameSessionOptions
  /** Tool ids the manifest's config.tools names; a host without one of them is refused (decision 1850). */
  namedTools?: readonly string[]
  /** Told each time a host became ready (its manifest synced): its pid and start time, for skill.started. */
  onReady?(info: { pid: number; startMs: number; restarts: number }): void
  /**
   * Told each time a host stopped (crash, kill, refusal), the first start included, for skill.failed:
   * `restarts` counts the restarts so far, this one included when `willRestart` (1, 2, 3…), and
   * `nextRestartInMs` is the delay the next start really waits.
   */
  onStopped?(info: { reason: string; restarts: number; willRestart: boolean; nextRestartInMs?: number }): void
}

export interface StdioSupervisor {
  /** Resolves when the first start finished, ready or not (never rejects). */
  readonly started: Promise<void>
  status(): SkillHealth
  tools(): readonly HostTool[]
  call(toolId: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<unknown>
  /** Sends an event to the host if it is up (events while it is down are not queued). */
  push(pattern: string, event: { id: string } & Record<string, unknown>): void
  readonly pid: number | undefined
  readonly restarts: number
  close(): Promise<void>
}

/** starting and restarting end by themselves (degraded); unavailable waits for a fixed host. */
type State = HostState<'starting' | 'restarting' | 'unavailable'>

/** What a host wrote on stdout that the hub could not take as a frame, quoted for the reasons. */
function notAFrame(issue: FrameIssue): string {
  // A line that is not JSON at all: quote its first characters (renderValue puts `string ` first).
  const got = issue.got.startsWith('string "') ? issue.got.slice('string '.length) : issue.got
  const quoted = got.length > QUOTED_CHARS ? `${got.slice(0, QUOTED_CHARS)}…` : got
  const where = issue.path === '' ? '' : ` at ${issue.path}`
  const what =
    issue.code === 'invalid_frame' || issue.code === 'frame_too_large'
      ? 'what is not a frame'
      : 'a frame the hub refused'
  return `it wrote on stdout ${what} (${issue.code}${where}: ${issue.message}): ${quoted}`
}

/**
 * Runs one `transport: stdio` skill host: starts the command, syncs its manifest, watches its
 * heartbeats, and after a crash fails its calls in flight with E_DEPENDENCY_UNAVAILABLE and
 * restarts it with exponential backoff. Exit 78 or a manifest_hash mismatch make it unavailable
 * for good (restarting would fail the same way).
 */
export function startStdioSupervisor(options: StdioSupervisorOptions): StdioSupervisor {
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS
  const baseMs = options.restartBaseMs ?? DEFAULT_RESTART_BASE_MS
  const maxMs = options.restartMaxMs ?? DEFAULT_RESTART_MAX_MS
  const healthyResetMs = options.healthyResetMs ?? DEFAULT_HEALTHY_RESET_MS
  let state: State = { name: 'starting', reason: 'starting its host' }
  let child: ChildProcessWithoutNullStreams | undefined
  let connection: FrameConnection | undefined
  let tools: readonly HostTool[] = []
  let crashesInARow = 0
  let restarts = 0
  let readyAt = 0
  let fatal: string | undefined
  let restartTimer: NodeJS.Timeout | undefined
  let stderrTail: string[] = []
  /** Why the hub itself killed the current host (no manifest in time, no heartbeats). */
  let killedBecause: string | undefined
  /** The first thing the current host wrote on stdout, before its manifest, that was not a frame. */
  let garbage: string | undefined
  /** How the last host stopped, for the health of the next start. */
  let lastStop: string | undefined
  let markStarted: () => void = () => undefined
  const started = new Promise<void>((resolve) => {
    markStarted = resolve
  })

  const unavailable = (why: string) =>
    new HubError('E_DEPENDENCY_UNAVAILABLE', `skill ${options.skillId} is unavailable: ${why}`, {
      details: { skill: options.skillId },
    })

  const launch = () => {
    if (state.name === 'closed') return
    const launchedAt = performance.now()
    const starting = lastStop === undefined ? 'starting its host' : 'starting its host again'
    // After a crash the health says how the last one stopped until this one is up or says more.
    state = {
      name: 'starting',
      reason: lastStop === undefined ? starting : `${starting} (the last one ${lastStop})`,
    }
    fatal = undefined
    stderrTail = []
    killedBecause = undefined
    garbage = undefined
    const sessionId = randomUUID()
    const heartbeatMs = options.session?.heartbeatIntervalMs
    let spawned: ChildProcessWithoutNullStreams
    try {
      spawned = spawn(options.command, [...options.args], {
        cwd: options.cwd,
        env: {
          ...options.env,
          LOCALHUB_FRAME_SESSION: sessionId,
          LOCALHUB_SKILL_ID: options.skillId,
          ...(heartbeatMs === undefined ? {} : { LOCALHUB_HEARTBEAT_MS: String(heartbeatMs) }),
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      })
    } catch (error) {
      onExit(null, null, `could not start ${options.command}: ${(error as Error).message}`)
      return
    }
    child = spawned
    spawned.stderr.setEncoding('utf8')
    spawned.stderr.on('data', (text: string) => {
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue
        stderrTail.push(line.slice(0, 500))
        if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift()
      }
    })
    const current = createFrameConnection(
      { input: spawned.stdout, output: spawned.stdin },
      {
        skillId: options.skillId,
        sessionId,
        resumeToken: randomBytes(16).toString('hex'),
        subscriptions: options.subscriptions,
        validator: options.validator,
        ...(options.session === undefined ? {} : { session: options.session }),
        ports: {
          ...options.ports,
          issue: (issue) => {
            options.ports.issue?.(issue)
            // Before its manifest: kept for the reason it fails with, and shown while it starts.
            if (child !== spawned || state.name !== 'starting' || garbage !== undefined) return
            garbage = notAFrame(issue)
            state = { name: 'starting', reason: `${starting}; ${garbage}` }
          },
        },
        ...(options.namedTools === undefined ? {} : { namedTools: options.namedTools }),
        onDead: () => {
          options.logger.warn('skill host missed its heartbeats; killing it', { pid: spawned.pid })
          killedBecause ??= 'missed its heartbeats'
          spawned.kill('SIGKILL')
        },
        onFatal: (reason) => {
          fatal = reason
          spawned.kill('SIGKILL')
        },
      },
    )
    connection = current
    const timeout = setTimeout(() => {
      if (state.name !== 'starting' || connection !== current) return
      options.logger.warn('skill host did not sync its manifest in time; killing it', {
        timeoutMs: startTimeoutMs,
      })
      killedBecause = `did not send its manifest (adapter_manifest_sync) within ${startTimeoutMs} ms`
      spawned.kill('SIGKILL')
    }, startTimeoutMs)
    current.ready.then(
      (hostTools) => {
        clearTimeout(timeout)
        if (connection !== current || state.name === 'closed') return
        tools = hostTools
        state = { name: 'ready' }
        readyAt = performance.now()
        markStarted()
        options.onReady?.({ pid: spawned.pid ?? 0, startMs: Math.round(readyAt - launchedAt), restarts })
      },
      () => clearTimeout(timeout),
    )
    // Only the current host's end counts, and only once: a late 'exit' (or an 'error' beside it)
    // of a host already replaced would otherwise fail the new host's connection and start another.
    spawned.on('error', (error) => {
      if (child === spawned) onExit(null, null, `could not be started: ${error.message}`)
    })
    spawned.on('exit', (code, signal) => {
      if (child === spawned) onExit(code, signal)
    })
    spawned.stdin.on('error', () => undefined)
  }

  function onExit(code: number | null, signal: NodeJS.Signals | null, message?: string): void {
    const failed = connection
    connection = undefined
    child = undefined
    const how =
      killedBecause !== undefined
        ? `was stopped by the hub: it ${killedBecause}`
        : signal !== null
          ? `was killed by ${signal}`
          : `exited with code ${code}`
    const detail =
      message ??
      how +
        (garbage === undefined ? '' : `; ${garbage}`) +
        (stderrTail.length > 0 ? ` (stderr: ${stderrTail.join(' | ')})` : '')
    failed?.fail(unavailable(`its host ${detail}`))
    if (state.name === 'closed') return
    if (code === EXIT_INVALID_MANIFEST || fatal !== undefined) {
      const reason =
        fatal ??
        `invalid_manifest: the host exited with code 78${stderrTail.length > 0 ? ` (${stderrTail.join(' | ')})` : ''}`
      state = { name: 'unavailable', reason }
      options.logger.error('skill host refused; not restarting it', { reason })
      options.onStopped?.({ reason, restarts, willRestart: false })
      markStarted()
      return
    }
    if (readyAt > 0 && performance.now() - readyAt >= healthyResetMs) crashesInARow = 0
    readyAt = 0
    lastStop = detail
    const delay = Math.min(maxMs, baseMs * 2 ** crashesInARow)
    crashesInARow++
    restarts++
    state = { name: 'restarting', reason: `the host ${detail}; restarting in ${delay} ms` }
    options.logger.warn('skill host stopped; restarting it', { detail, delayMs: delay })
    options.onStopped?.({ reason: state.reason, restarts, willRestart: true, nextRestartInMs: delay })
    markStarted()
    restartTimer = setTimeout(launch, delay)
  }

  launch()

  const status = (): SkillHealth => hostHealth(state, ['unavailable'])
  const { call, push } = readyHostCalls(
    () => (state.name === 'ready' ? connection : undefined),
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
      return child?.pid
    },
    get restarts() {
      return restarts
    },
    async close() {
      state = { name: 'closed' }
      clearTimeout(restartTimer)
      const running = child
      connection?.fail(unavailable('the hub is closing'))
      if (running === undefined || running.exitCode !== null) return
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()))
      running.stdin.end()
      const timer = setTimeout(() => running.kill('SIGKILL'), 2_000)
      await exited
      clearTimeout(timer)
    },
  }
}
