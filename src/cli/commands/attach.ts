import { randomUUID } from 'node:crypto'
import { createInterface } from 'node:readline'
import {
  createFrameSession,
  createFrameValidator,
  type Frame,
  type FrameSession,
  webSocketFrameStream,
} from '../../frames/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, type CommandIo, guardCommand, UsageError, writeLine } from '../io.ts'
import { wholeNumberFlag } from '../number-flag.ts'
import { findTarget } from './chat.ts'
import { DATA_DIR_HELP } from './data-dir.ts'

/** Wait between reconnect attempts after the connection dropped. */
export const DEFAULT_RECONNECT_MS = 1_000

const USAGE = `usage: localhub attach [options]

A terminal on the running hub over seed 002 frames (WS /ws/frames, docs/frame-protocol.md
"localhub attach"): chat, approvals and live events. Each line typed is a chat message, except:
  /approve ID   allow the pending action ID (/approve alone: the latest one)
  /deny ID      refuse it (/deny alone: the latest one)
  /quit         end the session (so does the end of input, once the last answer is in)
After a dropped connection it reconnects and resumes the session where it was.

  --data DIR          data directory of the running hub (${DATA_DIR_HELP})
  --url URL           the hub's URL instead of the one recorded in the data directory
  --events PATTERN    also show live events whose type matches (repeatable; * and > wildcards)
  --reconnect-ms N    wait between reconnect attempts (default ${DEFAULT_RECONNECT_MS})
  --json              print every frame received as one JSON line instead of text`

interface AttachState {
  session: FrameSession
  token: string | undefined
  pendingApprovals: string[]
  /** Correlation ids of chat messages not yet answered to the end. */
  turnsOpen: Set<string>
  inputEnded: boolean
  closing: boolean
}

function wsUrl(base: string): string {
  const url = new URL('/ws/frames', base)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  return url.toString()
}

async function attach(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      data: { type: 'string' },
      url: { type: 'string' },
      events: { type: 'string', multiple: true },
      'reconnect-ms': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  })
  if (printedHelp(values, io, USAGE)) return 0
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`)
  const reconnectMs =
    values['reconnect-ms'] === undefined
      ? DEFAULT_RECONNECT_MS
      : wholeNumberFlag(values['reconnect-ms'], '--reconnect-ms', { min: 10, max: 600_000 })
  const found = await findTarget(values, io)
  if (typeof found === 'string') {
    writeLine(io.stderr, `localhub attach: ${found}`)
    return 1
  }
  const target = found
  const subscriptions = values.events ?? []
  const json = values.json === true
  const heartbeat = Number(io.env.LOCALHUB_HEARTBEAT_MS ?? '')
  const { WebSocket } = await import('ws')
  const validator = createFrameValidator()
  const say = (line: string) => writeLine(io.stdout, line)
  let finish: (code: number) => void = () => undefined
  const finished = new Promise<number>((resolve) => {
    finish = resolve
  })

  const onFrame = (frame: Frame) => {
    if (json) say(JSON.stringify(frame))
    switch (frame.kind) {
      case 'session_event': {
        const payload = frame.payload as { resume_token?: unknown; session_id?: unknown }
        if (frame.event === 'new' && typeof payload.resume_token === 'string') {
          state.token = payload.resume_token
          if (!json) say(`[attached ${String(payload.session_id)}]`)
          for (const line of waitingLines.splice(0)) handleLine(line)
          maybeEnd()
        }
        return
      }
      case 'assistant_chunk':
        if (frame.done === true) {
          state.turnsOpen.delete(frame.correlation_id)
          if (!json) io.stdout.write('\n')
          maybeEnd()
        } else if (!json) io.stdout.write(String(frame.delta ?? ''))
        return
      case 'permission_request':
        state.pendingApprovals.push(String(frame.request_id))
        if (!json)
          say(
            `[approval ${String(frame.request_id)}] ${String(frame.risk_level)} risk: ${String(frame.description_en)} — /approve or /deny`,
          )
        return
      case 'notification_push': {
        let type = '?'
        try {
          type = String((JSON.parse(String(frame.payload)) as { type?: unknown }).type)
        } catch {
          // shown with an unknown type
        }
        if (!json) say(`[event ${type} ${String(frame.event_guid)}]`)
        return
      }
      case 'resume_response':
        if (!json)
          say(
            `[resumed ${String(frame.server_session_id)}: ${String(frame.replay_count)} frames replayed after ${String(state.session.stats().receivedSeq)}]`,
          )
        return
      case 'resume_rejected':
        if (!json)
          say(`[resume rejected: ${String(frame.reason)}: ${String(frame.detail)}; starting a new session]`)
        state.turnsOpen.clear()
        state.pendingApprovals = []
        state.session.close()
        state.session = newSession()
        state.token = undefined
        void connect()
        return
      case 'error':
        if (!json) say(`[error ${String(frame.code)}] ${String(frame.message)}`)
        // An error answering a chat message ends that turn.
        state.turnsOpen.delete(frame.correlation_id)
        maybeEnd()
        return
    }
  }

  const newSession = () =>
    createFrameSession({
      role: 'tui',
      peerRole: 'backend',
      sessionId: randomUUID(),
      validator,
      ...(Number.isInteger(heartbeat) && heartbeat >= 10
        ? { options: { heartbeatIntervalMs: heartbeat } }
        : {}),
      handlers: {
        onFrame,
        onIssue: (issue) => {
          if (!json) say(`[frame problem ${issue.code} at ${issue.path}: ${issue.message}]`)
        },
        onDead: () => socket?.terminate(),
      },
    })

  const state: AttachState = {
    session: newSession(),
    token: undefined,
    pendingApprovals: [],
    turnsOpen: new Set(),
    inputEnded: false,
    closing: false,
  }
  let socket: InstanceType<typeof WebSocket> | undefined
  let everOpened = false

  const maybeEnd = () => {
    // Only once attached: a connection that fails first ends with its own message and code.
    if (state.inputEnded && state.turnsOpen.size === 0 && state.token !== undefined && !state.closing) end(0)
  }

  const end = (code: number) => {
    state.closing = true
    try {
      state.session.send({ kind: 'session_event', event: 'exit', payload: {} })
    } catch {
      // already closed
    }
    setTimeout(() => {
      state.session.close()
      socket?.close(1000, 'bye')
      lines.close()
      io.stdin.pause()
      finish(code)
    }, 50)
  }

  async function connect(): Promise<void> {
    if (state.closing) return
    const opened = new WebSocket(wsUrl(target.url), { headers: { authorization: `Bearer ${target.token}` } })
    socket = opened
    const stream = webSocketFrameStream(opened)
    opened.on('message', (data, isBinary) => {
      if (!isBinary) stream.deliver(String(data))
    })
    opened.on('error', (error) => {
      // Never connected: say why and stop (a wrong URL or token will not fix itself).
      if (!everOpened && !state.closing) {
        writeLine(io.stderr, `localhub attach: cannot attach to ${wsUrl(target.url)}: ${error.message}`)
        end(1)
      }
    })
    opened.on('open', () => {
      everOpened = true
      const session = state.session
      session.attach(stream)
      if (state.token !== undefined) session.requestResume(state.token)
      else session.send({ kind: 'session_event', event: 'new', payload: { subscriptions } })
    })
    opened.on('close', (code, reason) => {
      if (socket !== opened || state.closing) return
      state.session.detach()
      if (code === 1008) {
        writeLine(io.stderr, `localhub attach: the hub refused the session: ${String(reason)}`)
        end(1)
        return
      }
      if (!json) say('[connection lost; reconnecting]')
      setTimeout(() => void connect(), reconnectMs)
    })
  }

  const lines = createInterface({ input: io.stdin })
  const waitingLines: string[] = []
  lines.on('line', (raw) => {
    // Lines typed before the hub started the session are sent once it has.
    if (state.token === undefined) waitingLines.push(raw)
    else handleLine(raw)
  })
  function handleLine(raw: string): void {
    const line = raw.trim()
    if (line === '' || state.closing) return
    const decision = /^\/(approve|deny)(?:\s+(\S+))?$/.exec(line)
    if (decision !== null) {
      const id = decision[2] ?? state.pendingApprovals.at(-1)
      if (id === undefined) {
        say('[no pending approval]')
        return
      }
      state.pendingApprovals = state.pendingApprovals.filter((pending) => pending !== id)
      state.session.send({
        kind: 'permission_response',
        request_id: id,
        decision: decision[1] === 'approve' ? 'allow_once' : 'denied',
      })
      return
    }
    if (line === '/quit') {
      end(0)
      return
    }
    const correlationId = randomUUID()
    state.turnsOpen.add(correlationId)
    state.session.send({ kind: 'user_input', text: line }, correlationId)
  }
  lines.on('close', () => {
    state.inputEnded = true
    maybeEnd()
  })
  await connect()
  return finished
}

export const run: CommandGroup = guardCommand('attach', USAGE, attach)
