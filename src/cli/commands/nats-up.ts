import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:net'
import { delimiter, dirname, join, resolve } from 'node:path'
import { HubError } from '../../contracts/index.ts'
import { nkeySeedFileOf } from '../../transports/nats/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandIo, writeLine } from '../io.ts'
import { dataDirFor } from './data-dir.ts'
import {
  type AuthMode,
  CONFIG_OPTIONS,
  type ConfigValues,
  DEFAULT_PORTS,
  hubIdsOf,
  loadPolicy,
  type WrittenConfig,
  writeHubCredential,
  writeServerConfig,
} from './nats-config.ts'
import { ensureRootStreams, type OwnerAccess, ownerOf, rootCopies } from './nats-federation.ts'

// `localhub nats up|down|status` (decision 1602): Debian's nats-server on the generated
// configuration, everything under <data>/nats (config, store, log, secret, state), started in the
// background once its /healthz answers; `down` stops only the process its state file names.

/** How long `up` waits for /healthz, and `down` for the process to exit after SIGTERM. */
export const DEFAULT_NATS_READY_TIMEOUT_MS = 15_000
export const DEFAULT_NATS_STOP_GRACE_MS = 5000
const POLL_INTERVAL_MS = 50
const NATS_SUBDIRECTORY = 'nats'
const STATE_SUFFIX = '.state.json'

interface ServerState {
  pid: number
  role: 'root' | 'hub'
  name: string
  url: string
  monitorUrl: string
  configFile: string
  logFile: string
  startedAt: string
  /** The --policy file the configuration came from (absent: the default policy from the secret). */
  policyFile?: string
  /** How clients sign in (absent: passwords). */
  auth?: AuthMode
  /** The CA of the client port's certificate, when it is TLS (decision 2020). */
  caFile?: string
}

export function natsDirectoryOf(dataDir: string): string {
  return join(dataDir, NATS_SUBDIRECTORY)
}

/** nats-server: LOCALHUB_NATS_SERVER, else on PATH, else Debian's /usr/sbin. */
export function natsServerBinary(env: CommandIo['env']): string {
  if (env.LOCALHUB_NATS_SERVER !== undefined && env.LOCALHUB_NATS_SERVER !== '')
    return env.LOCALHUB_NATS_SERVER
  const directories = [...(env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin']
  for (const directory of directories) {
    if (directory === '') continue
    const candidate = join(directory, 'nats-server')
    if (existsSync(candidate)) return candidate
  }
  throw new HubError(
    'E_DEPENDENCY_UNAVAILABLE',
    'nats-server is not installed: `sudo apt-get install nats-server` (or `sudo bash scripts/setup-system.sh`), or set LOCALHUB_NATS_SERVER',
  )
}

/** Resolves to undefined when 127.0.0.1:port can be bound, else the reason. */
function portProblem(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(undefined)))
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** `0` picks a free port; any other port is checked before the server is started on it. */
async function settlePorts(values: ConfigValues): Promise<ConfigValues> {
  const role = values.role === 'root' ? 'root' : 'hub'
  const settled: ConfigValues = { ...values }
  const names =
    role === 'root' ? (['port', 'monitor-port', 'leaf-port'] as const) : (['port', 'monitor-port'] as const)
  for (const name of names) {
    if (settled[name] === '0') settled[name] = String(await freePort())
    const fallback = {
      port: DEFAULT_PORTS[role].client,
      'monitor-port': DEFAULT_PORTS[role].monitor,
      'leaf-port': DEFAULT_PORTS.root.leaf,
    }[name]
    const port = Number(settled[name] ?? fallback)
    const problem = await portProblem(port)
    if (problem !== undefined)
      throw new HubError(
        'E_BAD_REQUEST',
        `--${name} ${port} cannot be used (${problem}); another server may hold it: give another port, or 0 to pick a free one`,
      )
  }
  return settled
}

/** The shared secret: the flag, LOCALHUB_NATS_SECRET, or one generated once and kept in <data>/nats/secret. */
export function secretFor(values: ConfigValues, env: CommandIo['env'], directory: string): string {
  const given = values.secret ?? env.LOCALHUB_NATS_SECRET
  if (given !== undefined) {
    if (given.length < 16) throw new HubError('E_BAD_REQUEST', 'the secret must have at least 16 characters')
    return given
  }
  const file = join(directory, 'secret')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  const secret = randomBytes(24).toString('base64url')
  writeFileSync(file, `${secret}\n`, { mode: 0o600 })
  return secret
}

export async function healthy(monitorUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${monitorUrl}/healthz`, { signal: AbortSignal.timeout(1000) })
    return response.ok && ((await response.json()) as { status?: string }).status === 'ok'
  } catch {
    return false
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  // A reused pid must not be mistaken for our server (Linux: the command line says what runs).
  const cmdline = `/proc/${pid}/cmdline`
  return !existsSync(cmdline) || readFileSync(cmdline, 'utf8').includes('nats-server')
}

function readStates(directory: string): ServerState[] {
  if (!existsSync(directory)) return []
  return readdirSync(directory)
    .filter((name) => name.endsWith(STATE_SUFFIX))
    .map((name) => JSON.parse(readFileSync(join(directory, name), 'utf8')) as ServerState)
}

function logTail(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').slice(-2000) : ''
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function natsUp(args: string[], io: CommandIo, usage: string): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...CONFIG_OPTIONS, data: { type: 'string' } },
    allowPositionals: false,
    strict: true,
  })
  if (printedHelp(values, io, usage)) return 0
  if (values.role !== 'root' && values.role !== 'hub')
    throw new HubError('E_BAD_REQUEST', '--role must be root or hub')
  if (values.out !== undefined || values['store-dir'] !== undefined)
    throw new HubError(
      'E_BAD_REQUEST',
      'nats up keeps its files under <data>/nats; drop --out and --store-dir',
    )
  const directory = natsDirectoryOf(dataDirFor(values.data, io))
  mkdirSync(directory, { recursive: true, mode: 0o700 })
  const binary = natsServerBinary(io.env)
  const name = values.role === 'root' ? 'root' : `hub-${values['hub-id'] ?? ''}`
  const running = readStates(directory).find((state) => state.name === name && alive(state.pid))
  if (running !== undefined) {
    writeLine(io.stdout, `${name} already runs (pid ${running.pid}) at ${running.url}`)
    return 0
  }
  const secret = secretFor(values, io.env, directory)
  const settled = await settlePorts(values)
  const written = writeServerConfig({ ...settled, out: directory }, secret, io)
  const logFile = join(directory, `${written.name}.log`)
  const log = openSync(logFile, 'a')
  const child = spawn(binary, ['-c', written.file], { detached: true, stdio: ['ignore', log, log] })
  closeSync(log)
  child.unref()
  const monitorUrl = `http://127.0.0.1:${written.ports.monitor}`
  const state: ServerState = {
    pid: child.pid ?? -1,
    role: written.role,
    name: written.name,
    url: written.url,
    monitorUrl,
    configFile: written.file,
    logFile,
    startedAt: new Date().toISOString(),
    ...(values.policy === undefined ? {} : { policyFile: resolve(io.cwd, values.policy) }),
    ...(written.auth === 'nkeys' ? { auth: written.auth } : {}),
    ...(written.clientCaFile === undefined ? {} : { caFile: written.clientCaFile }),
  }
  const deadline = Date.now() + DEFAULT_NATS_READY_TIMEOUT_MS
  while (!(await healthy(monitorUrl))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      if (child.exitCode === null) child.kill('SIGKILL')
      throw new HubError(
        'E_DEPENDENCY_UNAVAILABLE',
        `nats-server did not become ready (see ${logFile}):\n${logTail(logFile)}`,
      )
    }
    await sleep(POLL_INTERVAL_MS)
  }
  writeFileSync(join(directory, `${written.name}${STATE_SUFFIX}`), `${JSON.stringify(state, null, 2)}\n`, {
    mode: 0o600,
  })
  writeLine(io.stdout, `${written.name}: nats-server ${state.pid} is ready at ${state.url} (log ${logFile})`)
  if (written.role === 'root') {
    // The root keeps a copy of every hub it admits (decision 1605).
    const owner = ownerOf(written.policy, written.seedFiles, written.clientCaFile)
    const added = await ensureRootStreams(state.url, owner, written.policy.export, hubIdsOf(values.hubs))
    if (added.length > 0) writeLine(io.stdout, `root: copies hub events into ${added.join(', ')}`)
  }
  if (written.role === 'hub') {
    const section = busSectionFor(written, writeHubCredential(written, secret, directory))
    if (section !== undefined)
      writeLine(
        io.stdout,
        `run the hub on it: localhub serve --data ${dirname(directory)} --bus ${state.url} --hub-id ${written.hubId}\n` +
          `(it signs in as the hub user with the files under ${directory}); or put this in the hub's manifest:\n${section}`,
      )
  }
  return 0
}

async function stop(state: ServerState): Promise<boolean> {
  if (!alive(state.pid)) return false
  process.kill(state.pid, 'SIGTERM')
  const deadline = Date.now() + DEFAULT_NATS_STOP_GRACE_MS
  while (alive(state.pid)) {
    if (Date.now() > deadline) {
      process.kill(state.pid, 'SIGKILL')
      break
    }
    await sleep(POLL_INTERVAL_MS)
  }
  return true
}

function pickStates(args: string[], io: CommandIo): { directory: string; states: ServerState[] } {
  const { values } = parseArgs({
    args,
    options: { data: { type: 'string' }, name: { type: 'string' } },
    allowPositionals: false,
    strict: true,
  })
  const directory = natsDirectoryOf(dataDirFor(values.data, io))
  const states = readStates(directory).filter(
    (state) => values.name === undefined || state.name === values.name,
  )
  return { directory, states }
}

export async function natsDown(args: string[], io: CommandIo): Promise<number> {
  const { directory, states } = pickStates(args, io)
  if (states.length === 0) writeLine(io.stdout, `no nats-server was started from ${directory}`)
  for (const state of states) {
    const stopped = await stop(state)
    rmSync(join(directory, `${state.name}${STATE_SUFFIX}`), { force: true })
    writeLine(io.stdout, `${state.name}: ${stopped ? `stopped nats-server ${state.pid}` : 'was not running'}`)
  }
  return 0
}

export async function natsStatus(args: string[], io: CommandIo): Promise<number> {
  const { directory, states } = pickStates(args, io)
  if (states.length === 0) {
    writeLine(io.stdout, `no nats-server was started from ${directory}`)
    return 3
  }
  let down = 0
  for (const state of states) {
    const up = alive(state.pid) && (await healthy(state.monitorUrl))
    if (!up) down++
    writeLine(
      io.stdout,
      `${state.name}: ${up ? 'running' : 'not running'} · pid ${state.pid} · ${state.url} · log ${state.logFile}`,
    )
  }
  return down === 0 ? 0 : 3
}

/** The manifest's bus: section for a hub `up` just started, naming the files it wrote. */
function busSectionFor(written: WrittenConfig, credential: string | undefined): string | undefined {
  if (credential === undefined) return undefined
  const signIn =
    written.auth === 'nkeys'
      ? `credentials: { nkeySeedFile: ${credential} }`
      : `credentials: { user: hub, passwordFile: ${credential} }`
  const tls = written.clientCaFile === undefined ? '' : `, tls: { caFile: ${written.clientCaFile} }`
  return `bus: { transport: nats, servers: [${written.url}], hubId: ${written.hubId}, ${signIn}${tls} }`
}

/** How `nats federation` signs in to the root `up` started, from its state. */
function ownerAccessOf(root: ServerState, directory: string, io: CommandIo): OwnerAccess {
  const policy = loadPolicy(root.policyFile, secretFor({}, io.env, directory), io)
  if (root.auth !== 'nkeys') return ownerOf(policy, {}, root.caFile)
  // With nkeys the passwords of the policy were not written; the owner's seed is under nkeys/.
  const owners = policy.users.filter((user) => user.role === 'owner')
  const seedFiles = Object.fromEntries(
    owners
      .filter((user) => user.nkey === undefined)
      .map((user) => [user.user, nkeySeedFileOf(directory, user.user)]),
  )
  const users = owners.map(({ password: _dropped, ...user }) => user)
  return ownerOf({ ...policy, users }, seedFiles, root.caFile)
}

/** `nats federation`: what the root started from this data directory holds of each hub. */
export async function natsFederation(args: string[], io: CommandIo): Promise<number> {
  const { directory, states } = pickStates(args, io)
  const root = states.find((state) => state.role === 'root')
  if (root === undefined || !alive(root.pid)) {
    writeLine(
      io.stdout,
      `no root nats-server runs from ${directory} (start one: localhub nats up --role root)`,
    )
    return 3
  }
  const copies = await rootCopies(root.url, ownerAccessOf(root, directory, io))
  if (copies.length === 0) writeLine(io.stdout, 'the root holds no hub streams yet')
  for (const copy of copies) {
    const link = copy.sourceActiveMs === undefined ? 'not linked' : `linked, ${copy.sourceLag ?? 0} behind`
    writeLine(
      io.stdout,
      `${copy.hubId}: ${copy.messages} events (last seq ${copy.lastSeq}) in ${copy.stream} · ${link}`,
    )
  }
  return 0
}
