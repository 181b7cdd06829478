import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { parse as parseYaml } from 'yaml'
import { HubError } from '../../contracts/index.ts'
import {
  type FederationPolicy,
  hubConfig,
  parsePolicy,
  rootConfig,
  rootSourceStream,
} from '../../transports/nats/index.ts'
import { type CommandGroup, type CommandIo, writeLine } from '../io.ts'

const USAGE = [
  'usage: localhub nats config --role root|hub --secret S [options]',
  '',
  '  --role root|hub        which server to configure',
  '  --secret S             shared secret (16+ chars) the leafnode and system passwords derive from;',
  '                         give the root and every hub the same one (or LOCALHUB_NATS_SECRET)',
  '  --hub-id ID            hub: its id (subjects hub.<id>.>, JetStream domain <id>)',
  '  --hubs h1,h2           root: the hubs allowed to join as leafnodes',
  '  --root-leaf-url URL    hub: the root leafnode URL (default nats-leaf://127.0.0.1:7422)',
  '  --port N               client port (default 4222 root, 4223 hub)',
  '  --monitor-port N       monitoring port (default 8222 root, 8223 hub)',
  '  --leaf-port N          root: leafnode port (default 7422)',
  '  --store-dir DIR        JetStream storage (default <out>/<name>-store)',
  '  --policy FILE          roles and users (YAML or JSON); default: one owner and one hub user',
  '  --sync-always          fsync every write (sync_interval: always; needs nats-server >= 2.10)',
  '  --out DIR              where <name>.conf goes (default .)',
  '',
  'Writes nats-server configuration; start it with `nats-server -c <file>`. See docs/nats.md.',
].join('\n')

const OPTIONS = {
  role: { type: 'string' },
  secret: { type: 'string' },
  'hub-id': { type: 'string' },
  hubs: { type: 'string' },
  'root-leaf-url': { type: 'string' },
  port: { type: 'string' },
  'monitor-port': { type: 'string' },
  'leaf-port': { type: 'string' },
  'store-dir': { type: 'string' },
  policy: { type: 'string' },
  'sync-always': { type: 'boolean' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** A password derived from the shared secret, so root and hub configs written apart still match. */
export function derivedPassword(secret: string, purpose: string): string {
  return createHash('sha256').update(`${purpose}\0${secret}`).digest('base64url').slice(0, 24)
}

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (!/^\d{1,5}$/.test(value) || parsed < 1 || parsed > 65_535)
    throw new HubError('E_BAD_REQUEST', `--${name} must be a TCP port, got ${JSON.stringify(value)}`)
  return parsed
}

function loadPolicy(file: string | undefined, secret: string, io: CommandIo): FederationPolicy {
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

async function config(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({ args, options: OPTIONS, allowPositionals: false, strict: true })
  if (values.help) {
    writeLine(io.stdout, USAGE)
    return 0
  }
  const role = values.role
  if (role !== 'root' && role !== 'hub') throw new HubError('E_BAD_REQUEST', '--role must be root or hub')
  const secret = values.secret ?? io.env.LOCALHUB_NATS_SECRET
  if (secret === undefined || secret.length < 16)
    throw new HubError(
      'E_BAD_REQUEST',
      '--secret (or LOCALHUB_NATS_SECRET) of at least 16 characters is required',
    )
  const out = resolve(io.cwd, values.out ?? '.')
  const policy = loadPolicy(values.policy, secret, io)
  const systemPassword = derivedPassword(secret, 'system')
  mkdirSync(out, { recursive: true })
  let name: string
  let text: string
  if (role === 'root') {
    name = 'root'
    const hubIds = (values.hubs ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id.length > 0)
    if (hubIds.length === 0)
      throw new HubError('E_BAD_REQUEST', '--hubs must list the hub ids allowed to join (e.g. --hubs h1,h2)')
    text = rootConfig({
      name,
      port: port(values.port, 4222, 'port'),
      monitorPort: port(values['monitor-port'], 8222, 'monitor-port'),
      leafPort: port(values['leaf-port'], 7422, 'leaf-port'),
      storeDir: resolve(io.cwd, values['store-dir'] ?? join(out, 'root-store')),
      systemPassword,
      syncAlways: values['sync-always'] === true,
      hubs: hubIds.map((hubId) => leafCredential(secret, hubId)),
      policy,
    })
  } else {
    const hubId = values['hub-id']
    if (hubId === undefined) throw new HubError('E_BAD_REQUEST', '--hub-id is required for --role hub')
    name = `hub-${hubId}`
    text = hubConfig({
      name,
      hubId,
      port: port(values.port, 4223, 'port'),
      monitorPort: port(values['monitor-port'], 8223, 'monitor-port'),
      storeDir: resolve(io.cwd, values['store-dir'] ?? join(out, `${name}-store`)),
      systemPassword,
      syncAlways: values['sync-always'] === true,
      rootLeafUrl: values['root-leaf-url'] ?? 'nats-leaf://127.0.0.1:7422',
      leaf: leafCredential(secret, hubId),
      policy,
    })
  }
  const file = join(out, `${name}.conf`)
  writeFileSync(file, text, { mode: 0o600 })
  writeLine(io.stdout, `wrote ${file}`)
  writeLine(io.stdout, `start it: nats-server -c ${file}`)
  if (values.policy === undefined) {
    writeLine(
      io.stdout,
      `users (derived from the secret): owner / ${derivedPassword(secret, 'user:owner')}, hub / ${derivedPassword(secret, 'user:hub')}`,
    )
  }
  if (role === 'hub') {
    const stream = JSON.stringify(rootSourceStream(values['hub-id']!, policy.export))
    writeLine(
      io.stdout,
      `on the root, copy this hub's events with: nats stream add --config <(echo '${stream}')`,
    )
  }
  return 0
}

export const run: CommandGroup = async (args, io) => {
  const [verb, ...rest] = args
  if (verb === undefined || verb === '--help' || verb === '-h') {
    writeLine(io.stdout, USAGE)
    return verb === undefined ? 2 : 0
  }
  if (verb !== 'config') {
    writeLine(io.stderr, `localhub nats: unknown verb '${verb}'\n\n${USAGE}`)
    return 2
  }
  try {
    return await config(rest, io)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    writeLine(io.stderr, `localhub nats config: ${message}`)
    return error instanceof HubError && error.code === 'E_VALIDATION' ? 65 : 2
  }
}
