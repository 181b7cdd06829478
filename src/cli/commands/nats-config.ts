import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { HubError } from '../../contracts/index.ts'
import {
  ensureClientTls,
  ensureLeafTls,
  type FederationPolicy,
  hubConfig,
  localNames,
  parsePolicy,
  rootConfig,
  withNkeyUsers,
} from '../../transports/nats/index.ts'
import type { CommandIo } from '../io.ts'

// The nats-server configuration of a root or a hub, shared by `nats config` (writes it) and
// `nats up` (writes it under the data directory and starts the server on it).

export const CONFIG_OPTIONS = {
  role: { type: 'string' },
  secret: { type: 'string' },
  'hub-id': { type: 'string' },
  hubs: { type: 'string' },
  'root-leaf-url': { type: 'string' },
  port: { type: 'string' },
  'monitor-port': { type: 'string' },
  'leaf-port': { type: 'string' },
  'leaf-host': { type: 'string' },
  'store-dir': { type: 'string' },
  policy: { type: 'string' },
  'sync-always': { type: 'boolean' },
  'leaf-plain': { type: 'boolean' },
  'tls-name': { type: 'string' },
  host: { type: 'string' },
  'client-tls': { type: 'boolean' },
  'client-plain': { type: 'boolean' },
  auth: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

export type ConfigValues = {
  -readonly [K in keyof typeof CONFIG_OPTIONS]?: (typeof CONFIG_OPTIONS)[K]['type'] extends 'boolean'
    ? boolean
    : string
}

export const DEFAULT_PORTS = {
  root: { client: 4222, monitor: 8222, leaf: 7422 },
  hub: { client: 4223, monitor: 8223, leaf: 0 },
} as const

/** A password derived from the shared secret, so root and hub configs written apart still match. */
export function derivedPassword(secret: string, purpose: string): string {
  return createHash('sha256').update(`${purpose}\0${secret}`).digest('base64url').slice(0, 24)
}

/** A TCP port option (`nats up` turns 0 into a free port before it gets here). */
export function portOption(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (!/^\d{1,5}$/.test(value) || parsed < 1 || parsed > 65_535)
    throw new HubError('E_BAD_REQUEST', `--${name} must be a TCP port, got ${JSON.stringify(value)}`)
  return parsed
}

/** The hub ids of `--hubs a,b`. */
export function hubIdsOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id.length > 0)
}

export function loadPolicy(file: string | undefined, secret: string, io: CommandIo): FederationPolicy {
  if (file === undefined) {
    return parsePolicy({
      users: [
        { user: 'owner', password: derivedPassword(secret, 'user:owner'), role: 'owner' },
        { user: 'hub', password: derivedPassword(secret, 'user:hub'), role: 'hub' },
      ],
    })
  }
  const text = readFileSync(resolve(io.cwd, file), 'utf8')
  return parsePolicy(parseYaml(text, { version: '1.2' }))
}

const leafCredential = (secret: string, hubId: string) => ({
  hubId,
  user: `leaf-${hubId}`,
  password: derivedPassword(secret, `leaf:${hubId}`),
})

/** How clients sign in (decision 2021): passwords (the default) or nkeys. */
export const AUTH_MODES = ['passwords', 'nkeys'] as const
export type AuthMode = (typeof AUTH_MODES)[number]
export const DEFAULT_AUTH_MODE: AuthMode = 'passwords'
export const DEFAULT_CLIENT_HOST = '127.0.0.1'

export interface WrittenConfig {
  role: 'root' | 'hub'
  /** `root` or `hub-<id>`: the file is <out>/<name>.conf. */
  name: string
  file: string
  hubId: string | undefined
  /** The policy as written: with --auth nkeys every user carries its public key, no password. */
  policy: FederationPolicy
  ports: { client: number; monitor: number; leaf: number | undefined }
  /** Where a client on this machine reaches the server: nats:// or, with client TLS, tls://. */
  url: string
  auth: AuthMode
  /** The CA clients trust when the client port is TLS (decision 2020). */
  clientCaFile: string | undefined
  /** --auth nkeys: the seed file of each user whose key was generated here. */
  seedFiles: Readonly<Record<string, string>>
  /** No --policy: the users are the owner and the hub, from the secret (or with generated nkeys). */
  defaultPolicy: boolean
}

/** The hub user's password file `nats up` leaves for `serve` (decision 1608). */
export const HUB_PASSWORD_FILE = 'hub.password'

/**
 * The file a hub process on this machine signs in with (decision 1608, 2021): with passwords and
 * the default policy, <directory>/hub.password; with nkeys, the seed of the policy's first hub
 * user (the password file is removed, so `serve` does not pick a stale one). Returns its path.
 */
export function writeHubCredential(
  written: WrittenConfig,
  secret: string,
  directory: string,
): string | undefined {
  const passwordFile = join(directory, HUB_PASSWORD_FILE)
  if (written.auth === 'nkeys') {
    rmSync(passwordFile, { force: true })
    const hub = written.policy.users.find((user) => user.role === 'hub')
    return hub === undefined ? undefined : written.seedFiles[hub.user]
  }
  if (!written.defaultPolicy) return undefined
  writeFileSync(passwordFile, `${derivedPassword(secret, 'user:hub')}\n`, { mode: 0o600 })
  return passwordFile
}

/** Loopback hosts: a client port there is reached from this machine only. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/** Client TLS (decision 2020): on beyond loopback unless --client-plain; on loopback with --client-tls. */
function clientTlsWanted(values: ConfigValues, host: string): boolean {
  if (values['client-tls'] === true && values['client-plain'] === true)
    throw new HubError('E_BAD_REQUEST', '--client-tls and --client-plain contradict each other; give one')
  if (values['client-plain'] === true && isLoopbackHost(host))
    throw new HubError(
      'E_BAD_REQUEST',
      `--client-plain matters only when --host listens beyond loopback (it is ${host}, plain already)`,
    )
  return values['client-tls'] === true || (!isLoopbackHost(host) && values['client-plain'] !== true)
}

function authOf(value: string | undefined): AuthMode {
  if (value === undefined) return DEFAULT_AUTH_MODE
  if (!(AUTH_MODES as readonly string[]).includes(value))
    throw new HubError(
      'E_BAD_REQUEST',
      `--auth must be ${AUTH_MODES.join(' or ')}, got ${JSON.stringify(value)}`,
    )
  return value as AuthMode
}

/** Checks the options, then writes <out>/<name>.conf (mode 0600: it holds passwords). */
export function writeServerConfig(values: ConfigValues, secret: string, io: CommandIo): WrittenConfig {
  const role = values.role
  if (role !== 'root' && role !== 'hub') throw new HubError('E_BAD_REQUEST', '--role must be root or hub')
  const out = resolve(io.cwd, values.out ?? '.')
  const auth = authOf(values.auth)
  const host = values.host ?? DEFAULT_CLIENT_HOST
  if (!/^[A-Za-z0-9.:_-]{1,253}$/.test(host))
    throw new HubError('E_BAD_REQUEST', `--host must be a host name or address, got ${JSON.stringify(host)}`)
  const clientTlsOn = clientTlsWanted(values, host)
  const loaded = loadPolicy(values.policy, secret, io)
  mkdirSync(out, { recursive: true })
  // The root admits only owners as clients: no key is made for anyone else there.
  const admitted =
    role === 'root' ? { ...loaded, users: loaded.users.filter((user) => user.role === 'owner') } : loaded
  const { policy, seedFiles } =
    auth === 'nkeys' ? withNkeyUsers(admitted, out) : { policy: admitted, seedFiles: {} }
  const systemPassword = derivedPassword(secret, 'system')
  const defaults = DEFAULT_PORTS[role]
  const client = portOption(values.port, defaults.client, 'port')
  const monitor = portOption(values['monitor-port'], defaults.monitor, 'monitor-port')
  // The leafnode link is encrypted unless asked otherwise (decision 1641).
  const plain = values['leaf-plain'] === true
  if (plain && !clientTlsOn && values['tls-name'] !== undefined)
    throw new HubError(
      'E_BAD_REQUEST',
      '--tls-name names the server for its TLS certificates; drop it or --leaf-plain',
    )
  // The client certificate names this machine, --host (unless a wildcard) and each --tls-name.
  const clientNames = [
    ...hubIdsOf(values['tls-name']),
    ...(host === '0.0.0.0' || host === '::' ? [] : [host]),
  ]
  let clientTls: { caFile: string; certFile: string; keyFile: string } | undefined
  let name: string
  let text: string
  let leaf: number | undefined
  const hubId = values['hub-id']
  if (role === 'root') {
    name = 'root'
    const hubIds = hubIdsOf(values.hubs)
    if (hubIds.length === 0)
      throw new HubError('E_BAD_REQUEST', '--hubs must list the hub ids allowed to join (e.g. --hubs h1,h2)')
    leaf = portOption(values['leaf-port'], defaults.leaf, 'leaf-port')
    const leafHost = values['leaf-host']
    const names = [...hubIdsOf(values['tls-name']), ...(leafHost === undefined ? [] : [leafHost])]
    const tls = plain ? undefined : ensureLeafTls(out, secret, 'root', localNames(names))
    clientTls = clientTlsOn ? ensureClientTls(out, secret, name, localNames(clientNames)) : undefined
    text = rootConfig({
      host,
      ...(clientTls === undefined ? {} : { clientTls }),
      name,
      port: client,
      monitorPort: monitor,
      leafPort: leaf,
      // The leafnode port keeps its own address: opening clients to the LAN does not open it.
      leafHost: values['leaf-host'] ?? DEFAULT_CLIENT_HOST,
      storeDir: resolve(io.cwd, values['store-dir'] ?? join(out, 'root-store')),
      systemPassword,
      syncAlways: values['sync-always'] === true,
      hubs: hubIds.map((id) => leafCredential(secret, id)),
      policy,
      ...(tls === undefined ? {} : { leafTls: { certFile: tls.certFile!, keyFile: tls.keyFile! } }),
    })
  } else {
    if (hubId === undefined) throw new HubError('E_BAD_REQUEST', '--hub-id is required for --role hub')
    if (values['tls-name'] !== undefined && !clientTlsOn)
      throw new HubError(
        'E_BAD_REQUEST',
        '--tls-name on a hub names it for its client certificate: add --client-tls (or --host beyond loopback), or drop it',
      )
    name = `hub-${hubId}`
    const tls = plain ? undefined : ensureLeafTls(out, secret, 'hub')
    clientTls = clientTlsOn ? ensureClientTls(out, secret, name, localNames(clientNames)) : undefined
    text = hubConfig({
      host,
      ...(clientTls === undefined ? {} : { clientTls }),
      name,
      hubId,
      port: client,
      monitorPort: monitor,
      storeDir: resolve(io.cwd, values['store-dir'] ?? join(out, `${name}-store`)),
      systemPassword,
      syncAlways: values['sync-always'] === true,
      rootLeafUrl: values['root-leaf-url'] ?? 'nats-leaf://127.0.0.1:7422',
      leaf: leafCredential(secret, hubId),
      policy,
      ...(tls === undefined ? {} : { leafTls: { caFile: tls.caFile } }),
    })
  }
  const file = join(out, `${name}.conf`)
  writeFileSync(file, text, { mode: 0o600 })
  // A wildcard host is reached on loopback from this machine; a named one by that name.
  const reach = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return {
    role,
    name,
    file,
    hubId,
    policy,
    ports: { client, monitor, leaf },
    url: `${clientTls === undefined ? 'nats' : 'tls'}://${reach}:${client}`,
    auth,
    clientCaFile: clientTls?.caFile,
    seedFiles,
    defaultPolicy: values.policy === undefined,
  }
}
