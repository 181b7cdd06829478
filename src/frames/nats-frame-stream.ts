import { PassThrough, Writable } from 'node:stream'
import type { NatsConnection, Subscription } from '@nats-io/transport-node'
import { HubError } from '../contracts/index.ts'
import type { FrameStream } from './frame-types.ts'

// Frames over core NATS (docs/frame-protocol.md "Transport: NATS", decision 1820). A skill session
// is a pair of subjects under the skill's `transport.subject` S:
//   host → hub: S.out.<session_id>     hub → host: S.in.<session_id>
// Each message carries one or more whole frame lines; an empty message means "this side ended its
// stream" (the hub's stdio analogue of a closed pipe). The NATS client is imported on first use
// (decision 1711): a hub without NATS skills never loads it.

/** How long the first connection attempt may take. */
export const DEFAULT_NATS_FRAMES_CONNECT_TIMEOUT_MS = 5_000
/** Subject tokens a prefix may use (the manifest schema's `subject` pattern). */
const SUBJECT_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/
/** A session id becomes one subject token. */
const SESSION_TOKEN = /^[A-Za-z0-9_-]{1,128}$/

export interface NatsFramesOptions {
  /** nats:// or tls:// URLs. */
  servers: readonly string[]
  /** The skill's subject prefix S. */
  subject: string
  /** Connection name shown by the server's monitoring. */
  name?: string
  connectTimeoutMs?: number
  /** Credentials and TLS (decision 1852); none by default. */
  auth?: NatsFramesAuth
}

/** How a frames connection proves who it is, and which CA it trusts for TLS. */
export interface NatsFramesAuth {
  user?: string
  password?: string
  token?: string
  /** PEM file of the CA that signed the server's certificate; giving it turns TLS on. */
  caFile?: string
}

export function framesSubjects(subject: string, sessionId: string): { in: string; out: string } {
  return { in: `${subject}.in.${sessionId}`, out: `${subject}.out.${sessionId}` }
}

/** Checks the prefix and session token; a bad one is an E_VALIDATION with its path. */
export function checkFramesSubject(subject: string, sessionId?: string): void {
  const bad = (path: string, expected: string, got: string) =>
    new HubError('E_VALIDATION', `NATS frames: ${path.slice(1)} must be ${expected}`, {
      details: { issues: [{ path, expected, got, message: 'not a NATS subject token' }] },
    })
  if (!SUBJECT_PREFIX.test(subject)) throw bad('/subject', 'dot-separated tokens [A-Za-z0-9_-]', subject)
  if (sessionId !== undefined && !SESSION_TOKEN.test(sessionId))
    throw bad('/session_id', '1..128 characters [A-Za-z0-9_-]', sessionId)
}

/** Connects with the NATS client, loaded now (decision 1711). */
export async function connectFramesNats(options: NatsFramesOptions): Promise<NatsConnection> {
  if (options.servers.length === 0)
    throw new HubError('E_BAD_REQUEST', 'NATS frames: no server URL given (nats://HOST:PORT)')
  const { connect } = await import('@nats-io/transport-node')
  const auth = options.auth ?? {}
  return connect({
    servers: [...options.servers],
    ...(auth.user === undefined ? {} : { user: auth.user, pass: auth.password ?? '' }),
    ...(auth.token === undefined ? {} : { token: auth.token }),
    ...(auth.caFile === undefined ? {} : { tls: { caFile: auth.caFile } }),
    name: options.name ?? 'localhub-frames',
    timeout: options.connectTimeoutMs ?? DEFAULT_NATS_FRAMES_CONNECT_TIMEOUT_MS,
    // Keep trying across server restarts: the heartbeats decide when the peer is gone.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  })
}

/** One side of a session as a FrameStream: reads `readSubject`, writes `writeSubject`. */
export interface NatsFrameStream extends FrameStream {
  readonly input: PassThrough
  /** Feeds a received message (used by the hub, which reads all sessions on one subscription). */
  deliver(data: Uint8Array): void
}

/**
 * A FrameStream whose output publishes each written line to `writeSubject` once `connection`
 * resolves (lines written before are kept in order), and whose input is fed by deliver().
 * Ending the output publishes the empty end-of-stream message.
 */
export function natsFrameStream(connection: Promise<NatsConnection>, writeSubject: string): NatsFrameStream {
  const input = new PassThrough()
  let ended = false
  const output = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      // An empty message means end of stream on the wire; an empty write carries nothing.
      if (chunk.length === 0) {
        done()
        return
      }
      connection.then(
        (nats) => {
          try {
            nats.publish(writeSubject, typeof chunk === 'string' ? chunk : new Uint8Array(chunk))
            done()
          } catch (error) {
            done(error as Error)
          }
        },
        (error: Error) => done(error),
      )
    },
    final(done) {
      connection.then(
        (nats) => {
          try {
            nats.publish(writeSubject, new Uint8Array(0))
          } catch {
            // the connection is already closed: the peer's heartbeats notice
          }
          done()
        },
        () => done(),
      )
    },
  })
  output.on('error', () => undefined)
  return {
    input,
    output,
    deliver(data) {
      if (ended) return
      if (data.length === 0) {
        ended = true
        input.end()
        return
      }
      input.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength))
    },
  }
}

export interface HostNatsLink {
  readonly stream: FrameStream
  /** Resolves once subscribed; rejects when the server cannot be reached. */
  readonly connected: Promise<void>
  /**
   * Called each time the client reconnected to a server after losing it (its subscription is made
   * again by the client): frames sent to this host meanwhile are gone, so the host resumes.
   */
  onReconnect(listener: () => void): void
  close(): Promise<void>
}

/**
 * The skill host's side (the `localhub/skill` SDK's NATS mode): subscribes to S.in.<session>,
 * publishes to S.out.<session>. The stream is usable at once; frames wait until connected.
 */
export function openHostNatsLink(options: NatsFramesOptions & { sessionId: string }): HostNatsLink {
  checkFramesSubject(options.subject, options.sessionId)
  const subjects = framesSubjects(options.subject, options.sessionId)
  let subscription: Subscription | undefined
  const connection = connectFramesNats(options).then(async (nats) => {
    subscription = nats.subscribe(subjects.in)
    // The subscription must reach the server before the first frame can be answered.
    await nats.flush()
    return nats
  })
  connection.catch(() => undefined)
  const stream = natsFrameStream(connection, subjects.out)
  const pump = connection.then(async () => {
    for await (const message of subscription!) stream.deliver(message.data)
    stream.input.end()
  })
  pump.catch(() => stream.input.end())
  const reconnectListeners: (() => void)[] = []
  void connection
    .then(async (nats) => {
      for await (const status of nats.status()) {
        if (status.type !== 'reconnect') continue
        // Wait until the server has the subscription again, or a resume's answer could be lost.
        await nats.flush().catch(() => undefined)
        for (const listener of reconnectListeners) listener()
      }
    })
    .catch(() => undefined)
  return {
    stream,
    connected: connection.then(() => undefined),
    onReconnect: (listener) => void reconnectListeners.push(listener),
    async close() {
      const nats = await connection.catch(() => undefined)
      if (nats === undefined) return
      await new Promise<void>((resolve) => stream.output.end(resolve))
      await nats.drain().catch(() => undefined)
    },
  }
}
