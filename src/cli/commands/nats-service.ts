import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { HubError } from '../../contracts/index.ts'
import { parseArgs } from '../args.ts'
import { type CommandIo, writeLine } from '../io.ts'
import { dataDirFor } from './data-dir.ts'
import { CONFIG_OPTIONS, hubIdsOf, writeHubCredential, writeServerConfig } from './nats-config.ts'
import { ensureRootStreams, ownerOf } from './nats-federation.ts'
import {
  DEFAULT_NATS_READY_TIMEOUT_MS,
  healthy,
  natsDirectoryOf,
  natsServerBinary,
  secretFor,
} from './nats-up.ts'
import type { Systemctl } from './service.ts'
import { commandArgument, SERVICE_NAME, specifierSafe, unitFilePath } from './service-unit.ts'

// `localhub nats service install|uninstall|status` (decision 1606): the nats-server that
// `nats up` would start, as a systemd user unit beside the hub's own (decision 1543). The
// configuration, store and secret live under <data>/nats as for `nats up`; logs go to the journal.

/** How long to wait between readiness probes after systemd started the server. */
const POLL_INTERVAL_MS = 100

export interface NatsUnitInput {
  /** root or hub-<id>. */
  name: string
  natsServer: string
  configFile: string
  directory: string
}

export function natsUnitName(name: string): string {
  return `${SERVICE_NAME}-nats-${name}`
}

export function natsServiceUnit(input: NatsUnitInput): string {
  const unit = natsUnitName(input.name)
  return [
    '# Written by `localhub nats service install`; `localhub nats service uninstall` removes it.',
    `# Logs: journalctl --user -u ${unit} -f`,
    '[Unit]',
    `Description=Local Hub NATS server (${input.name})`,
    'After=network.target',
    // A hub on this server starts after it when both units start together.
    `Before=${SERVICE_NAME}.service`,
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${[input.natsServer, '-c', input.configFile].map(commandArgument).join(' ')}`,
    `WorkingDirectory=${specifierSafe(input.directory)}`,
    'Restart=on-failure',
    'RestartSec=2',
    // nats-server shuts down cleanly on SIGTERM (flushes JetStream).
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30',
    'UMask=0077',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n')
}

function homeOf(io: CommandIo): string {
  return io.env.HOME !== undefined && io.env.HOME !== '' ? io.env.HOME : homedir()
}

function unitPathFor(io: CommandIo, name: string): string {
  return join(dirname(unitFilePath(io.env, homeOf(io))), `${natsUnitName(name)}.service`)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function install(args: string[], io: CommandIo, systemctl: Systemctl): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...CONFIG_OPTIONS, data: { type: 'string' }, 'no-start': { type: 'boolean' } },
    allowPositionals: false,
    strict: true,
  })
  if (values.out !== undefined || values['store-dir'] !== undefined)
    throw new HubError(
      'E_BAD_REQUEST',
      'nats service keeps its files under <data>/nats; drop --out and --store-dir',
    )
  for (const port of ['port', 'monitor-port', 'leaf-port'] as const)
    if (values[port] === '0') throw new HubError('E_BAD_REQUEST', `--${port} 0: a service needs a known port`)
  const directory = natsDirectoryOf(dataDirFor(values.data, io))
  mkdirSync(directory, { recursive: true, mode: 0o700 })
  const secret = secretFor(values, io.env, directory)
  const written = writeServerConfig({ ...values, out: directory }, secret, io)
  if (written.role === 'hub') writeHubCredential(written, secret, directory)
  const path = unitPathFor(io, written.name)
  mkdirSync(dirname(path), { recursive: true })
  const unit = `${natsUnitName(written.name)}.service`
  writeFileSync(
    path,
    natsServiceUnit({
      name: written.name,
      natsServer: natsServerBinary(io.env),
      configFile: written.file,
      directory,
    }),
    { mode: 0o644 },
  )
  writeLine(io.stdout, `wrote ${path} (configuration ${written.file})`)
  const enable = `systemctl --user daemon-reload && systemctl --user enable --now ${unit}`
  if (values['no-start']) {
    writeLine(io.stdout, `start it with: ${enable}`)
    return 0
  }
  const reload = await systemctl(['daemon-reload'], io)
  const started = reload?.code === 0 ? await systemctl(['enable', '--now', unit], io) : reload
  if (started === undefined || started.code !== 0) {
    const why = started === undefined ? 'systemctl is not installed' : started.output.split('\n')[0]
    writeLine(
      io.stderr,
      `localhub nats service: the unit is written but not started (${why}); run: ${enable}`,
    )
    return 1
  }
  writeLine(
    io.stdout,
    `${unit} is enabled and started. Logs: journalctl --user -u ${natsUnitName(written.name)} -f`,
  )
  if (written.role === 'root') {
    // The root's copies of its hubs are streams on its own store: added once, kept across restarts.
    const monitor = `http://127.0.0.1:${written.ports.monitor}`
    const deadline = Date.now() + DEFAULT_NATS_READY_TIMEOUT_MS
    while (!(await healthy(monitor))) {
      if (Date.now() > deadline)
        throw new HubError('E_DEPENDENCY_UNAVAILABLE', `${unit} did not answer on ${monitor}/healthz`)
      await sleep(POLL_INTERVAL_MS)
    }
    const owner = ownerOf(written.policy, written.seedFiles, written.clientCaFile)
    const added = await ensureRootStreams(written.url, owner, written.policy.export, hubIdsOf(values.hubs))
    if (added.length > 0) writeLine(io.stdout, `root: copies hub events into ${added.join(', ')}`)
  }
  return 0
}

function nameOf(args: string[]): string {
  const { values } = parseArgs({ args, options: { name: { type: 'string' } }, strict: true })
  if (values.name === undefined || !/^(root|hub-[A-Za-z0-9_-]{1,64})$/.test(values.name))
    throw new HubError('E_BAD_REQUEST', '--name root or --name hub-<id> names the unit')
  return values.name
}

async function uninstall(args: string[], io: CommandIo, systemctl: Systemctl): Promise<number> {
  const name = nameOf(args)
  const path = unitPathFor(io, name)
  if (!existsSync(path)) {
    writeLine(io.stdout, `not installed (no ${path})`)
    return 0
  }
  const stopped = await systemctl(['disable', '--now', `${natsUnitName(name)}.service`], io)
  rmSync(path, { force: true })
  await systemctl(['daemon-reload'], io)
  writeLine(
    io.stdout,
    `removed ${path}${stopped?.code === 0 ? ` and stopped ${natsUnitName(name)}.service` : ''}`,
  )
  return 0
}

async function status(args: string[], io: CommandIo, systemctl: Systemctl): Promise<number> {
  const name = nameOf(args)
  const path = unitPathFor(io, name)
  if (!existsSync(path)) {
    writeLine(io.stdout, 'not installed; install with `localhub nats service install --role root|hub …`')
    return 3
  }
  const exec = /^ExecStart=(.*)$/m.exec(readFileSync(path, 'utf8'))?.[1] ?? '?'
  const active = await systemctl(['is-active', `${natsUnitName(name)}.service`], io)
  writeLine(io.stdout, `installed: ${path}`)
  writeLine(io.stdout, `runs: ${exec}`)
  writeLine(
    io.stdout,
    `state: ${active === undefined ? 'unknown (systemctl is not installed)' : active.output || 'unknown'}`,
  )
  return active?.code === 0 ? 0 : 3
}

/** `nats service <verb>` with a systemctl of the caller's choosing (tests record the calls). */
export function natsService(args: string[], io: CommandIo, systemctl: Systemctl): Promise<number> {
  const [verb, ...rest] = args
  if (verb === 'install') return install(rest, io, systemctl)
  if (verb === 'uninstall') return uninstall(rest, io, systemctl)
  if (verb === 'status') return status(rest, io, systemctl)
  throw new HubError(
    'E_BAD_REQUEST',
    `nats service: unknown verb ${JSON.stringify(verb ?? '')}; use install, uninstall or status`,
  )
}
