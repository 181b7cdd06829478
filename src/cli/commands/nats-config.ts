import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { HubError } from '../../contracts/index.ts'
import {
  ensureLeafTls,
  type FederationPolicy,
  hubConfig,
  localNames,
  parsePolicy,
  rootConfig,
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

export interface WrittenConfig {
  role: 'root' | 'hub'
  /** `root` or `hub-<id>`: the file is <out>/<name>.conf. */
  name: string
  file: string
  hubId: string | undefined
  policy: FederationPolicy
  ports: { client: number; monitor: number; leaf: number | undefined }
}

/** Checks the options, then writes <out>/<name>.conf (mode 0600: it holds passwords). */
export function writeServerConfig(values: ConfigValues, secret: string, io: CommandIo): WrittenConfig {
  const role = values.role
  if (role !== 'root' && role !== 'hub') throw new HubError('E_BAD_REQUEST', '--role must be root or hub')
  const out = resolve(io.cwd, values.out ?? '.')
  const policy = loadPolicy(values.policy, secret, io)
  const systemPassword = derivedPassword(secret, 'system')
  const defaults = DEFAULT_PORTS[role]
  const client = portOption(values.port, defaults.client, 'port')
  const monitor = portOption(values['monitor-port'], defaults.monitor, 'monitor-port')
  mkdirSync(out, { recursive: true })
  // The leafnode link is encrypted unless asked otherwise (decision 1641).
  const plain = values['leaf-plain'] === true
  if (plain && values['tls-name'] !== undefined)
    throw new HubError(
      'E_BAD_REQUEST',
      '--tls-name names the root for its TLS certificate; drop it or --leaf-plain',
    )
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
    text = rootConfig({
      name,
      port: client,
      monitorPort: monitor,
      leafPort: leaf,
      ...(values['leaf-host'] === undefined ? {} : { leafHost: values['leaf-host'] }),
      storeDir: resolve(io.cwd, values['store-dir'] ?? join(out, 'root-store')),
      systemPassword,
      syncAlways: values['sync-always'] === true,
      hubs: hubIds.map((id) => leafCredential(secret, id)),
      policy,
      ...(tls === undefined ? {} : { leafTls: { certFile: tls.certFile!, keyFile: tls.keyFile! } }),
    })
  } else {
    if (hubId === undefined) throw new HubError('E_BAD_REQUEST', '--hub-id is required for --role hub')
    if (values['tls-name'] !== undefined)
      throw new HubError('E_BAD_REQUEST', '--tls-name is for the root (the names hubs dial it by)')
    name = `hub-${hubId}`
    const tls = plain ? undefined : ensureLeafTls(out, secret, 'hub')
    text = hubConfig({
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
  return { role, name, file, hubId, policy, ports: { client, monitor, leaf } }
}
