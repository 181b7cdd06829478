import { HubError } from '../../contracts/index.ts'
import { expandPermissions, type FederationPolicy, isUserNkey, type PolicyUser } from './federation-policy.ts'

// nats-server configuration for a root and its hubs (seed 001): the root runs JetStream in domain
// `root` and accepts leafnodes; each hub runs its own server with JetStream in domain <hubId> and
// joins the root as a leafnode. hub.<hubId>.> never crosses the leafnode as core traffic (it stays
// local); what the root keeps of a hub comes through a root stream that sources the hub's stream
// across the JetStream domain, so events published while the root is away arrive when it returns.

export const ACCOUNT = 'HUBS'
export const SYSTEM_ACCOUNT = 'SYS'
export const ROOT_DOMAIN = 'root'

export interface ServerBasics {
  name: string
  host?: string
  port: number
  /** Monitoring (HTTP) port; omitted = no monitoring. */
  monitorPort?: number
  storeDir: string
  /** System account user (for `nats server` tooling); password required. */
  systemPassword: string
  /** nats-server >= 2.10 only: `sync_interval: always` (fsync every write). 2.9 rejects the key. */
  syncAlways?: boolean
  /**
   * TLS on the client port (decision 2020): every client connection must be TLS; plain text is
   * refused. The monitoring port stays plain HTTP on loopback.
   */
  clientTls?: { certFile: string; keyFile: string }
}

export interface LeafCredential {
  hubId: string
  user: string
  password: string
}

export interface RootConfigOptions extends ServerBasics {
  leafPort: number
  /** Where the leafnode port listens (default: host); hubs on other machines need a LAN address. */
  leafHost?: string
  /** One leafnode credential per hub. */
  hubs: LeafCredential[]
  policy: FederationPolicy
  /** TLS on the leafnode port (decision 1641): hubs must connect with TLS, plain text is refused. */
  leafTls?: { certFile: string; keyFile: string }
}

export interface HubConfigOptions extends ServerBasics {
  hubId: string
  /** The root's leafnode URL, e.g. nats-leaf://127.0.0.1:7422 (credentials are added from leaf). */
  rootLeafUrl: string
  leaf: LeafCredential
  policy: FederationPolicy
  /** Dial the root's leafnode port with TLS, trusting this CA (decision 1641). */
  leafTls?: { caFile: string }
}

/** How long a leafnode TLS handshake may take, in seconds (nats-server's default is 2 s). */
export const DEFAULT_LEAF_TLS_TIMEOUT_SECONDS = 5

const quote = (text: string) => JSON.stringify(text)
const list = (items: string[]) => `[${items.map(quote).join(', ')}]`
const ID = /^[A-Za-z0-9_-]{1,64}$/

function checkBasics(options: ServerBasics): void {
  for (const [name, port] of [
    ['port', options.port],
    ['monitorPort', options.monitorPort],
  ] as const) {
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65_535)) {
      throw new HubError('E_BAD_REQUEST', `${name} must be a TCP port (1-65535), got ${port}`)
    }
  }
  if (!ID.test(options.name))
    throw new HubError(
      'E_BAD_REQUEST',
      `server name must be letters, digits, _ or -, got ${JSON.stringify(options.name)}`,
    )
  if (options.systemPassword.length < 8)
    throw new HubError('E_BAD_REQUEST', 'the system account password needs at least 8 characters')
}

function header(options: ServerBasics, domain: string): string[] {
  const lines = [
    `server_name: ${quote(options.name)}`,
    `host: ${quote(options.host ?? '127.0.0.1')}`,
    `port: ${options.port}`,
  ]
  // Monitoring answers on loopback only, whatever the client host: it names connections and
  // subjects, and `nats up` polls it locally (decision 2020).
  if (options.monitorPort !== undefined) lines.push(`http: ${quote(`127.0.0.1:${options.monitorPort}`)}`)
  if (options.clientTls !== undefined)
    lines.push(
      `tls { cert_file: ${quote(options.clientTls.certFile)}, key_file: ${quote(options.clientTls.keyFile)}, timeout: ${DEFAULT_LEAF_TLS_TIMEOUT_SECONDS} }`,
    )
  const sync = options.syncAlways === true ? ', sync_interval: always' : ''
  lines.push(`jetstream { store_dir: ${quote(options.storeDir)}, domain: ${quote(domain)}${sync} }`)
  return lines
}

/** One client user: an nkey user is written by its public key only; a password user with it. */
function userLine(user: PolicyUser, permissions: { publish: string[]; subscribe: string[] }): string {
  const grants = `permissions: { publish: { allow: ${list(permissions.publish)} }, subscribe: { allow: ${list(permissions.subscribe)} } }`
  if (user.nkey !== undefined) {
    if (!isUserNkey(user.nkey))
      throw new HubError(
        'E_BAD_REQUEST',
        `user ${user.user}: ${JSON.stringify(user.nkey)} is not a user nkey`,
      )
    return `      { nkey: ${quote(user.nkey)}, ${grants} }  # ${user.user}`
  }
  if (user.password === undefined)
    throw new HubError(
      'E_VALIDATION',
      `user ${user.user} has neither a password nor an nkey: give one in the policy, or write the configuration with --auth nkeys`,
      {
        details: {
          issues: [
            { path: '/users', expected: 'password or nkey', got: user.user, message: 'no way to sign in' },
          ],
        },
      },
    )
  return `      { user: ${quote(user.user)}, password: ${quote(user.password)}, ${grants} }`
}

function accounts(users: string[], systemPassword: string): string[] {
  return [
    'accounts {',
    `  ${ACCOUNT}: {`,
    '    jetstream: enabled',
    '    users: [',
    ...users,
    '    ]',
    '  }',
    `  ${SYSTEM_ACCOUNT}: { users: [ { user: "system", password: ${quote(systemPassword)} } ] }`,
    '}',
    `system_account: ${SYSTEM_ACCOUNT}`,
  ]
}

/** The root: owners (and any user whose role is owner) connect here; hubs connect as leafnodes. */
export function rootConfig(options: RootConfigOptions): string {
  checkBasics(options)
  const users = options.policy.users
    .filter((user) => user.role === 'owner')
    .map((user) => userLine(user, expandPermissions(options.policy, 'owner', '*', user.user)))
  const leafUsers = options.hubs.map((hub) => {
    if (!ID.test(hub.hubId))
      throw new HubError(
        'E_BAD_REQUEST',
        `hub id must be letters, digits, _ or -, got ${JSON.stringify(hub.hubId)}`,
      )
    return `      { user: ${quote(hub.user)}, password: ${quote(hub.password)}, account: ${ACCOUNT} }`
  })
  return [
    '# Local Hub root (generated by `localhub nats config --role root`)',
    ...header(options, ROOT_DOMAIN),
    'leafnodes {',
    `  host: ${quote(options.leafHost ?? options.host ?? '127.0.0.1')}`,
    `  port: ${options.leafPort}`,
    ...(options.leafTls === undefined
      ? []
      : [
          `  tls { cert_file: ${quote(options.leafTls.certFile)}, key_file: ${quote(options.leafTls.keyFile)}, timeout: ${DEFAULT_LEAF_TLS_TIMEOUT_SECONDS} }`,
        ]),
    '  authorization {',
    '    users: [',
    ...leafUsers,
    '    ]',
    '  }',
    '}',
    ...accounts(users, options.systemPassword),
    '',
  ].join('\n')
}

/** A hub: its own JetStream domain, the hub process, members and owners, and the leafnode to the root. */
export function hubConfig(options: HubConfigOptions): string {
  if (!ID.test(options.hubId))
    throw new HubError(
      'E_BAD_REQUEST',
      `hub id must be letters, digits, _ or -, got ${JSON.stringify(options.hubId)}`,
    )
  checkBasics(options)
  if (options.hubId === ROOT_DOMAIN)
    throw new HubError('E_BAD_REQUEST', `hub id "${ROOT_DOMAIN}" is the root's JetStream domain`)
  const url = new URL(options.rootLeafUrl)
  url.username = encodeURIComponent(options.leaf.user)
  url.password = encodeURIComponent(options.leaf.password)
  const users = options.policy.users.map((user) =>
    userLine(user, expandPermissions(options.policy, user.role, options.hubId, user.user)),
  )
  const local = `hub.${options.hubId}.>`
  return [
    `# Local Hub hub ${options.hubId} (generated by \`localhub nats config --role hub\`)`,
    ...header(options, options.hubId),
    'leafnodes {',
    '  remotes: [',
    '    {',
    `      urls: [${quote(url.toString())}]`,
    ...(options.leafTls === undefined
      ? []
      : [
          `      tls { ca_file: ${quote(options.leafTls.caFile)}, timeout: ${DEFAULT_LEAF_TLS_TIMEOUT_SECONDS} }`,
        ]),
    `      account: ${ACCOUNT}`,
    // The hub's own subjects stay on this server; the root reads them through JetStream sourcing.
    `      deny_exports: [${quote(local)}]`,
    `      deny_imports: [${quote(local)}]`,
    '    }',
    '  ]',
    '}',
    ...accounts(users, options.systemPassword),
    '',
  ].join('\n')
}

/** The root-side stream that copies a hub's exported events across its JetStream domain. */
export function rootSourceStream(hubId: string, exportPatterns: string[]): Record<string, unknown> {
  const filters = exportPatterns.length === 1 ? exportPatterns : ['>']
  return {
    name: `ROOT_HUB_${hubId}`,
    description: `Events of hub ${hubId}, sourced from its domain`,
    storage: 'file',
    sources: [
      {
        name: `LH_${hubId}`,
        filter_subject: `hub.${hubId}.${filters[0]}`,
        external: { api: `$JS.${hubId}.API`, deliver: '' },
      },
    ],
  }
}
