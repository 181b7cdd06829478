// A minimal hub side of seed 002's frames, written for the conformance suite only: it starts a skill
// host as a child process, speaks raw JSON lines on its stdin/stdout and checks every line the host
// writes against the vendored schema with Ajv. It deliberately shares no code with src/frames, so
// the suite tests the TypeScript host and the Python host from the outside, the same way.
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import { REPO_ROOT } from '../../kit/child-process.ts'

export type Frame = Record<string, unknown> & { kind: string; frame_seq: number; correlation_id: string }

export interface HostCommand {
  name: string
  command: string
  args: string[]
  env?: Record<string, string>
  /** A file the command needs; the host is skipped (with this said) while it does not exist. */
  requires: string
  /** The same host with an invalid manifest (exit 78 test). */
  invalidManifest: { command: string; args: string[]; requires: string }
  /** The same tools over a loopback connection it dials again after a drop (resume tests), if any. */
  overTcp?: { command: string; args: string[]; requires: string }
}

export const DEFAULT_DRIVER_TIMEOUT_MS = 10_000
const SESSION_ID = 'conformance-session'
const SKILL_ID = 'skill.conformance.echo'

const schema = JSON.parse(readFileSync(`${REPO_ROOT}catalog/frames/ummaya-ipc-frame.schema.json`, 'utf8'))
const ajv = new Ajv2020({ strict: false, allErrors: false })
ajv.addSchema(schema, 'frame')
const validators = new Map<string, ValidateFunction>(
  Object.entries(schema.discriminator.mapping as Record<string, string>).map(([kind, ref]) => [
    kind,
    ajv.getSchema(`frame${ref}`)!,
  ]),
)

/** Sorted keys (UTF-16 code units, JavaScript's default sort), no whitespace. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')

export interface CallOutcome {
  envelope: Record<string, unknown>
  /** The joined, checksum-verified payload text when the result came as payload frames. */
  payloadText?: string
}

export class FrameDriver {
  readonly frames: Frame[] = []
  /** The raw line of each frame in `frames` (a resume replays lines unchanged). */
  readonly lines: string[] = []
  /** Over TCP: which connection (1, 2, …) each frame came on. */
  readonly connectionOf: number[] = []
  private socket: Socket | undefined
  private server: Server | undefined
  private connections = 0
  /** Lines the host wrote that are not valid frames of role tool: must stay empty. */
  readonly violations: string[] = []
  /** Payloads joined and verified, by correlation id (only complete ones land here). */
  readonly payloads = new Map<string, string>()
  readonly child: ChildProcess
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  stderr = ''
  autoPong = true
  private seq = 0
  private heartbeatSeq = 0
  private buffer = ''
  private openPayloads = new Map<string, { pieces: string[]; nextDelta: number }>()
  private listeners = new Set<() => void>()
  private exited = false

  constructor(command: string, args: string[], env: Record<string, string> = {}, server?: Server) {
    this.server = server
    server?.on('connection', (socket) => {
      this.socket?.destroy()
      this.socket = socket
      this.connections++
      this.buffer = ''
      socket.setEncoding('utf8')
      socket.on('data', (text: string) => this.onData(text))
      socket.on('error', () => undefined)
    })
    this.child = spawn(command, args, {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        LOCALHUB_FRAME_SESSION: SESSION_ID,
        LOCALHUB_SKILL_ID: SKILL_ID,
        LOCALHUB_HEARTBEAT_MS: '60000',
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    this.child.stdin!.on('error', () => undefined) // a killed host: writes after that are moot
    this.child.stdout!.setEncoding('utf8')
    if (server === undefined) this.child.stdout!.on('data', (text: string) => this.onData(text))
    this.child.stderr!.on('data', (chunk) => {
      this.stderr += chunk
    })
    this.exit = new Promise((resolve) =>
      this.child.once('close', (code, signal) => {
        this.exited = true
        // After the last byte: a line cut off by the exit is not a frame, it is dropped, never delivered.
        this.buffer = ''
        this.openPayloads.clear()
        this.notify()
        resolve({ code, signal })
      }),
    )
  }

  /** The host dials a loopback port (env FRAMES_CONNECT) instead of using stdin/stdout. */
  static async overTcp(
    command: string,
    args: string[],
    env: Record<string, string> = {},
  ): Promise<FrameDriver> {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    return new FrameDriver(command, args, { ...env, FRAMES_CONNECT: `127.0.0.1:${port}` }, server)
  }

  /** Cuts the TCP connection (the host dials again and asks to resume). */
  drop(): void {
    this.socket?.destroy()
    this.socket = undefined
    this.buffer = ''
  }

  static readonly sessionId = SESSION_ID
  static readonly skillId = SKILL_ID

  get hasExited(): boolean {
    return this.exited
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener()
  }

  private onData(text: string): void {
    this.buffer += text
    let newline = this.buffer.indexOf('\n')
    while (newline !== -1) {
      const line = this.buffer.slice(0, newline)
      this.buffer = this.buffer.slice(newline + 1)
      this.onLine(line)
      newline = this.buffer.indexOf('\n')
    }
    this.notify()
  }

  private onLine(line: string): void {
    if (Buffer.byteLength(line) > 1024 * 1024)
      this.violations.push(`a line of ${Buffer.byteLength(line)} bytes`)
    let frame: Frame
    try {
      frame = JSON.parse(line)
    } catch {
      this.violations.push(`not JSON: ${line.slice(0, 120)}`)
      return
    }
    const validate = frame !== null && typeof frame === 'object' ? validators.get(frame.kind) : undefined
    if (validate === undefined) {
      this.violations.push(`unknown kind: ${line.slice(0, 120)}`)
      return
    }
    const valid: boolean = validate(frame)
    if (!valid) {
      this.violations.push(
        `${frame.kind} invalid: ${ajv.errorsText(validate.errors)} in ${line.slice(0, 200)}`,
      )
    }
    if (frame.role !== 'tool') this.violations.push(`role ${String(frame.role)} from a skill host`)
    if (frame.version !== '1.0') this.violations.push(`version ${String(frame.version)}`)
    if (frame.session_id !== SESSION_ID) this.violations.push(`session_id ${String(frame.session_id)}`)
    this.frames.push(frame)
    this.lines.push(line)
    this.connectionOf.push(this.connections)
    this.assemble(frame)
    if (frame.kind === 'heartbeat' && frame.direction === 'ping' && this.autoPong) {
      this.sendHeartbeat('pong', frame.correlation_id)
    }
  }

  private assemble(frame: Frame): void {
    const id = frame.correlation_id
    if (frame.kind === 'payload_start') this.openPayloads.set(id, { pieces: [], nextDelta: 0 })
    if (frame.kind === 'payload_delta') {
      const open = this.openPayloads.get(id)
      if (open === undefined || frame.delta_seq !== open.nextDelta) {
        this.violations.push(`payload_delta ${String(frame.delta_seq)} out of order for ${id}`)
        return
      }
      open.pieces.push(frame.payload as string)
      open.nextDelta++
    }
    if (frame.kind === 'payload_end') {
      const open = this.openPayloads.get(id)
      this.openPayloads.delete(id)
      const text = open?.pieces.join('') ?? ''
      const trailer = frame.trailer as { final?: boolean; checksum_sha256?: string } | undefined
      if (
        open === undefined ||
        frame.delta_count !== open.pieces.length ||
        frame.status !== 'ok' ||
        trailer?.final !== true ||
        trailer.checksum_sha256 !== sha256(text)
      ) {
        this.violations.push(`payload ${id} failed its checks (count, status or checksum)`)
        return
      }
      this.payloads.set(id, text)
    }
  }

  /** Resolves with the first frame (from index `from`) that matches; rejects on timeout or exit. */
  waitFor(
    match: (frame: Frame) => boolean,
    { from = 0, timeoutMs = DEFAULT_DRIVER_TIMEOUT_MS, what = 'a frame' } = {},
  ): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.frames.slice(from).find(match)
        if (found !== undefined) {
          done()
          resolve(found)
        } else if (this.exited) {
          done()
          reject(
            Object.assign(new Error(`host exited before ${what}; stderr: ${this.stderr.slice(-500)}`), {
              code: 'E_DEPENDENCY_UNAVAILABLE',
            }),
          )
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(
          new Error(
            `no ${what} within ${timeoutMs} ms; got kinds ${this.frames.map((f) => f.kind).join(',')}`,
          ),
        )
      }, timeoutMs)
      const done = () => {
        clearTimeout(timer)
        this.listeners.delete(check)
      }
      this.listeners.add(check)
      check()
    })
  }

  writeLine(text: string): void {
    const line = text.endsWith('\n') ? text : `${text}\n`
    if (this.server !== undefined) this.socket?.write(line)
    else this.child.stdin!.write(line)
  }

  frame(
    kind: string,
    body: Record<string, unknown>,
    options: { correlationId?: string; frameSeq?: number } = {},
  ) {
    return {
      version: '1.0',
      session_id: SESSION_ID,
      correlation_id: options.correlationId ?? randomUUID(),
      ts: new Date().toISOString(),
      role: 'backend',
      frame_seq: options.frameSeq ?? ++this.seq,
      kind,
      ...body,
    }
  }

  /** Sends a numbered frame (or with an explicit frame_seq); returns its correlation id. */
  send(
    kind: string,
    body: Record<string, unknown> = {},
    options: { correlationId?: string; frameSeq?: number } = {},
  ) {
    const frame = this.frame(kind, body, options)
    const numbered = !['heartbeat', 'resume_response', 'resume_rejected'].includes(kind)
    if (options.frameSeq !== undefined && numbered) this.seq = options.frameSeq
    this.writeLine(JSON.stringify(frame))
    return frame.correlation_id
  }

  sendHeartbeat(direction: 'ping' | 'pong', correlationId: string = randomUUID()): void {
    if (this.exited) return
    this.writeLine(
      JSON.stringify(
        this.frame(
          'heartbeat',
          { direction, peer_frame_seq: this.seq },
          { correlationId, frameSeq: ++this.heartbeatSeq },
        ),
      ),
    )
  }

  /** A new session (after resume_rejected): the hub numbers from 1 again. */
  restartNumbering(): void {
    this.seq = 0
  }

  get lastSentSeq(): number {
    return this.seq
  }

  /** Waits for adapter_manifest_sync and answers session_event new. */
  async handshake(payload: Record<string, unknown> = {}): Promise<Frame> {
    // Starting a host (node --import tsx) can take seconds on a loaded machine.
    const manifest = await this.waitFor((frame) => frame.kind === 'adapter_manifest_sync', {
      what: 'adapter_manifest_sync',
      timeoutMs: 30_000,
    })
    this.send('session_event', {
      event: 'new',
      payload: {
        skill_id: SKILL_ID,
        heartbeat_interval_ms: 60_000,
        high_water_mark: 64,
        subscriptions: ['note.>'],
        resume_token: 'conformance-token',
        ...payload,
      },
    })
    return manifest
  }

  /** Calls a tool; payload results are returned only when joined and verified. */
  async call(
    name: string,
    args: Record<string, unknown>,
    timeoutMs = DEFAULT_DRIVER_TIMEOUT_MS,
  ): Promise<CallOutcome> {
    const callId = randomUUID()
    const correlationId = this.send('tool_call', { call_id: callId, name, arguments: args })
    const result = await this.waitFor((frame) => frame.kind === 'tool_result' && frame.call_id === callId, {
      timeoutMs,
      what: `tool_result of ${name}`,
    })
    const envelope = result.envelope as Record<string, unknown>
    if (envelope.result_ref === 'payload') {
      const payloadText = this.payloads.get(correlationId)
      if (payloadText === undefined)
        throw new Error(`tool_result of ${name} refers to a payload that was not delivered whole`)
      return { envelope, payloadText }
    }
    return { envelope }
  }

  /** The exit, or a rejection when the host is still running after timeoutMs. */
  exitWithin(
    timeoutMs = DEFAULT_DRIVER_TIMEOUT_MS,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the host was still running after ${timeoutMs} ms`)),
        timeoutMs,
      )
    })
    return Promise.race([this.exit, late]).finally(() => clearTimeout(timer))
  }

  async stop(): Promise<void> {
    this.socket?.destroy()
    this.server?.close()
    if (!this.exited) {
      if (this.server !== undefined) this.child.kill('SIGKILL') // over TCP it would dial again
      this.child.stdin!.end()
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000)
      await this.exit
      clearTimeout(timer)
    }
  }
}
