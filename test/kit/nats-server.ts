// Starts real nats-server processes for tests: random free loopback ports, temp storage, readiness by
// the monitoring port's /healthz, stop with SIGTERM then SIGKILL, and restart on the SAME ports (for
// outage tests). It never touches the server already running on 4222.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const NATS_SERVER_PATH = process.env.LOCALHUB_NATS_SERVER ?? '/usr/sbin/nats-server'
const RESERVED_PORTS = new Set([4222, 6222, 7422, 8222])
const READY_TIMEOUT_MS = 15_000
const STOP_GRACE_MS = 3000

/** Throws a clear message when the nats-server binary is missing. */
export function requireNatsServer(): string {
  if (!existsSync(NATS_SERVER_PATH)) {
    throw new Error(
      `nats-server not found at ${NATS_SERVER_PATH}: run \`bash scripts/setup-system.sh\` (installs Debian's nats-server), or set LOCALHUB_NATS_SERVER`,
    )
  }
  return NATS_SERVER_PATH
}

/** A free loopback TCP port (never one of the well-known NATS ports). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer()
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        const address = server.address()
        const found = typeof address === 'object' && address !== null ? address.port : 0
        server.close(() => resolve(found))
      })
    })
    if (!RESERVED_PORTS.has(port)) return port
  }
}

export interface NatsPorts {
  client: number
  monitor: number
  leafnode: number
}

export interface NatsServerOptions {
  /** Server name (also the temp dir prefix). */
  name?: string
  /** Whole configuration text given the ports and the store dir; default: JetStream on, file storage. */
  config?: (ports: NatsPorts, storeDir: string) => string
  /** Extra lines inside the default configuration. */
  extra?: string
}

export interface NatsServerHandle {
  readonly name: string
  readonly url: string
  readonly ports: NatsPorts
  readonly storeDir: string
  readonly configFile: string
  readonly running: boolean
  /** Recent stderr/stdout (for failure messages). */
  output(): string
  /** SIGTERM, then SIGKILL after a grace period. Keeps the store for start(). */
  stop(): Promise<void>
  /** Starts again on the same ports and store. */
  start(): Promise<void>
  /** Stops and removes the temp dir. */
  dispose(): Promise<void>
}

function defaultConfig(name: string, ports: NatsPorts, storeDir: string, extra: string): string {
  return [
    `server_name: ${JSON.stringify(name)}`,
    'host: 127.0.0.1',
    `port: ${ports.client}`,
    `http: "127.0.0.1:${ports.monitor}"`,
    `jetstream { store_dir: ${JSON.stringify(storeDir)} }`,
    extra,
    '',
  ].join('\n')
}

async function waitUntilReady(ports: NatsPorts, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `nats-server exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`,
      )
    }
    try {
      const response = await fetch(`http://127.0.0.1:${ports.monitor}/healthz`, {
        signal: AbortSignal.timeout(1000),
      })
      const body = (await response.json()) as { status?: string }
      if (response.ok && body.status === 'ok') return
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`nats-server on port ${ports.client} not ready within ${READY_TIMEOUT_MS} ms:\n${output()}`)
}

const live = new Set<NatsServerHandle>()
process.once('exit', () => {
  // Last resort if a test forgot to dispose: never leave servers behind.
  for (const handle of live) void handle.stop()
})

/** Attempts at a first start when a free port was taken by another process before the server bound it. */
const PORT_RACE_ATTEMPTS = 3

/** Starts one nats-server with its own temp dir; call dispose() in after()/t.after(). */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNatsServerOnce(options)
    } catch (error) {
      // A port found free can be taken by another test before nats-server binds it: pick new ones.
      if (attempt >= PORT_RACE_ATTEMPTS || !/address already in use/.test((error as Error).message))
        throw error
    }
  }
}

async function startNatsServerOnce(options: NatsServerOptions): Promise<NatsServerHandle> {
  const binary = requireNatsServer()
  const name = options.name ?? 'lh-test'
  const root = mkdtempSync(join(tmpdir(), `localhub-nats-${name}-`))
  const storeDir = join(root, 'store')
  const configFile = join(root, 'server.conf')
  const ports: NatsPorts = { client: await freePort(), monitor: await freePort(), leafnode: await freePort() }
  const text = options.config?.(ports, storeDir) ?? defaultConfig(name, ports, storeDir, options.extra ?? '')
  writeFileSync(configFile, text)
  let child: ChildProcess | undefined
  let log = ''
  const output = () => log.slice(-4000)

  async function start(): Promise<void> {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) return
    const spawned = spawn(binary, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] })
    child = spawned
    const append = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-20_000)
    }
    spawned.stdout?.on('data', append)
    spawned.stderr?.on('data', append)
    await waitUntilReady(ports, spawned, output)
  }

  async function stop(): Promise<void> {
    const running = child
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()))
    running.kill('SIGTERM')
    const timer = setTimeout(() => running.kill('SIGKILL'), STOP_GRACE_MS)
    await exited
    clearTimeout(timer)
  }

  const handle: NatsServerHandle = {
    name,
    url: `nats://127.0.0.1:${ports.client}`,
    ports,
    storeDir,
    configFile,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null
    },
    output,
    stop,
    start,
    async dispose() {
      live.delete(handle)
      await stop()
      rmSync(root, { recursive: true, force: true })
    },
  }
  live.add(handle)
  try {
    await start()
  } catch (error) {
    await handle.dispose()
    throw error
  }
  return handle
}

/**
 * Configuration lines for `count` isolated accounts, each with JetStream and one user
 * (`u<n>` / `p<n>`): tests that each need a fresh `hub.local` share one server this way.
 */
export function isolatedAccounts(count: number): string {
  const accounts = Array.from(
    { length: count },
    (_, index) => `  A${index}: { jetstream: enabled, users: [ { user: u${index}, password: p${index} } ] }`,
  )
  return ['accounts {', ...accounts, '}'].join('\n')
}

/** Hands out the accounts of isolatedAccounts() one at a time. */
export function accountPool(count: number): () => { user: string; pass: string } {
  let next = 0
  return () => {
    if (next >= count) throw new Error(`all ${count} test accounts are in use; raise the count`)
    const index = next++
    return { user: `u${index}`, pass: `p${index}` }
  }
}
