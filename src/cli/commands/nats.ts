import { dirname, join } from 'node:path'
import { HubError } from '../../contracts/index.ts'
import { rootSourceStream } from '../../transports/nats/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, type CommandIo, writeLine } from '../io.ts'
import { CONFIG_OPTIONS, derivedPassword, writeServerConfig } from './nats-config.ts'
import { natsService } from './nats-service.ts'
import { natsDown, natsFederation, natsStatus, natsUp } from './nats-up.ts'
import { realSystemctl, type Systemctl } from './service.ts'

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
  '  --leaf-host ADDR       root: where the leafnode port listens (default 127.0.0.1; 0.0.0.0 for',
  '                         hubs on other machines)',
  '  --store-dir DIR        JetStream storage (default <out>/<name>-store)',
  '  --policy FILE          roles and users (YAML or JSON); default: one owner and one hub user',
  '  --sync-always          fsync every write (sync_interval: always; needs nats-server >= 2.10)',
  '  --leaf-plain           an unencrypted leafnode link (default: TLS, certificates under <out>/tls',
  '                         made with openssl from a CA key derived from the secret; give the root',
  '                         and its hubs the same choice)',
  '  --tls-name N1,N2       more host names or addresses the server is dialed by, for its certificates',
  "                         (this machine's host name and addresses are always in it)",
  '  --host ADDR            where the client port listens (default 127.0.0.1; 0.0.0.0 or a LAN',
  '                         address for clients on other machines: the client port is then TLS)',
  '  --client-tls           TLS on the client port on loopback too (certificate under <out>/tls,',
  '                         signed by the CA; clients trust <out>/tls/ca.pem)',
  '  --client-plain         a plain client port even beyond loopback (not recommended)',
  '  --auth passwords|nkeys how users sign in (default passwords). nkeys: a seed per user in',
  '                         <out>/nkeys/<user>.nk (0600, kept across runs); the configuration holds',
  '                         only public keys; a policy user may give its own `nkey: U…` instead',
  '  --out DIR              where <name>.conf goes (default .)',
  '',
  'Writes nats-server configuration; start it with `nats-server -c <file>`. See docs/nats.md.',
  '',
  'usage: localhub nats up --role root|hub [--data DIR] [config options without --out/--store-dir]',
  '       localhub nats down|status|federation [--data DIR] [--name root|hub-<id>]',
  '',
  '  up      writes the configuration under <data>/nats and starts nats-server on it in the',
  '          background (store, log, state and a generated secret there too); waits for /healthz.',
  '          --port/--monitor-port/--leaf-port 0 pick free ports; a busy port is refused.',
  '          For a hub it writes <data>/nats/hub.password (or, with --auth nkeys, nkeys/hub.nk), which',
  '          `serve` on that data dir signs in with; with a TLS client port, serve --bus tls://… trusts',
  '          <data>/nats/tls/ca.pem.',
  '  down    stops the servers `up` started from this data directory (by their recorded pid)',
  '  status  says whether they run (exit 3 when one does not)',
  '  federation  on the root: the events it holds of each hub (streams ROOT_HUB_<id>, added by',
  '          `up --role root` for every hub of --hubs) and whether each link is up',
  '',
  'usage: localhub nats service install --role root|hub [config options] [--data DIR] [--no-start]',
  '       localhub nats service uninstall|status --name root|hub-<id>',
  '',
  '  install writes ~/.config/systemd/user/localhub-nats-<name>.service running nats-server on the',
  '          configuration under <data>/nats (as `up`), enables and starts it; logs in the journal',
].join('\n')

async function config(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({ args, options: CONFIG_OPTIONS, allowPositionals: false, strict: true })
  if (printedHelp(values, io, USAGE)) return 0
  const secret = values.secret ?? io.env.LOCALHUB_NATS_SECRET
  if (secret === undefined || secret.length < 16)
    throw new HubError(
      'E_BAD_REQUEST',
      '--secret (or LOCALHUB_NATS_SECRET) of at least 16 characters is required',
    )
  const written = writeServerConfig(values, secret, io)
  const { file, role, policy } = written
  writeLine(io.stdout, `wrote ${file}`)
  writeLine(
    io.stdout,
    written.clientCaFile === undefined
      ? `client port: plain text at ${written.url}`
      : `client port: TLS at ${written.url}; clients trust ${written.clientCaFile} (copy it to the machines whose clients connect)`,
  )
  for (const [user, seed] of Object.entries(written.seedFiles))
    writeLine(
      io.stdout,
      `user ${user} signs in with the nkey seed ${seed} (0600; the configuration holds its public key)`,
    )
  writeLine(
    io.stdout,
    values['leaf-plain'] === true
      ? 'leafnode link: plain text (--leaf-plain; give every server the same choice)'
      : `leafnode link: TLS, certificates in ${join(dirname(file), 'tls')} (made from the secret; every machine makes its own)`,
  )
  writeLine(io.stdout, `start it: nats-server -c ${file}`)
  if (values.policy === undefined && written.auth === 'passwords') {
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

/** The command group with a systemctl of the caller's choosing (tests record the calls). */
export function natsCommand(systemctl: Systemctl): CommandGroup {
  return (args, io) => runNats(args, io, systemctl)
}

export const run: CommandGroup = (args, io) => runNats(args, io, realSystemctl)

async function runNats(args: string[], io: CommandIo, systemctl: Systemctl): Promise<number> {
  const [verb, ...rest] = args
  if (verb === undefined || verb === '--help' || verb === '-h') {
    writeLine(io.stdout, USAGE)
    return verb === undefined ? 2 : 0
  }
  const verbs: Record<string, () => Promise<number>> = {
    config: () => config(rest, io),
    up: () => natsUp(rest, io, USAGE),
    down: () => natsDown(rest, io),
    status: () => natsStatus(rest, io),
    federation: () => natsFederation(rest, io),
    service: () => natsService(rest, io, systemctl),
  }
  // Each verb's own usage is a part of USAGE; `nats <verb> --help` shows it all.
  if (rest.includes('--help') || rest.includes('-h')) {
    writeLine(io.stdout, USAGE)
    return 0
  }
  const chosen = verbs[verb]
  if (chosen === undefined) {
    writeLine(io.stderr, `localhub nats: unknown verb '${verb}'\n\n${USAGE}`)
    return 2
  }
  try {
    return await chosen()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    writeLine(io.stderr, `localhub nats ${verb}: ${message}`)
    if (error instanceof HubError && error.code === 'E_VALIDATION') return 65
    return error instanceof HubError && error.code === 'E_DEPENDENCY_UNAVAILABLE' ? 1 : 2
  }
}
