import { HubError, type ValidationIssue } from '../../contracts/index.ts'

// One policy file decides who may publish and subscribe to what, per role (seed 001: owner, hub,
// member). Patterns may use {hubId} and {user}; the config generator expands them per user.

export const ROLES = ['owner', 'hub', 'member'] as const
export type Role = (typeof ROLES)[number]

export interface RolePermissions {
  publish: string[]
  subscribe: string[]
}

export interface PolicyUser {
  user: string
  password: string
  role: Role
}

export interface FederationPolicy {
  roles: Record<Role, RolePermissions>
  users: PolicyUser[]
  /** Type patterns of this hub's stored events that the root copies (its stream sources them). */
  export: string[]
}

export const DEFAULT_ROLE_PERMISSIONS: Readonly<Record<Role, Readonly<RolePermissions>>> = Object.freeze({
  owner: { publish: ['>'], subscribe: ['>'] },
  // The hub process: its own subjects, the shared root.>, JetStream and its KV buckets, replies.
  hub: {
    publish: [
      'hub.{hubId}.>',
      'root.>',
      '$JS.API.>',
      '$JS.ACK.>',
      '$JS.FC.>',
      '$KV.lh_{hubId}_session_seq.>',
      '$KV.lh_{hubId}_idempotency.>',
      '_INBOX.>',
      // Reading the root's copies of every hub (the dashboard's federation view, decision 1642):
      // stream names and info, and consumers of their own; no stream is created, changed or purged.
      '$JS.root.API.INFO',
      '$JS.root.API.STREAM.NAMES',
      '$JS.root.API.STREAM.INFO.*',
      '$JS.root.API.CONSUMER.CREATE.>',
      '$JS.root.API.CONSUMER.MSG.NEXT.>',
      '$JS.root.API.CONSUMER.INFO.>',
      '$JS.root.API.CONSUMER.DELETE.>',
    ],
    subscribe: ['hub.{hubId}.>', 'root.>', '_INBOX.>', '$JS.EVENT.ADVISORY.>'],
  },
  // A person's device or client: talks to its hub, listens to it and to root.>; no JetStream admin.
  member: {
    publish: ['hub.{hubId}.chat.>', 'hub.{hubId}.voice.>', 'hub.{hubId}.ui.>', 'root.>', '_INBOX.>'],
    subscribe: ['hub.{hubId}.>', 'root.>', '_INBOX.>'],
  },
})

const NAME = /^[A-Za-z0-9_-]{1,64}$/
const SUBJECT = /^[^\s]{1,300}$/

function issue(path: string, expected: string, got: unknown, message: string): ValidationIssue {
  return { path, expected, got: JSON.stringify(got)?.slice(0, 80) ?? String(got), message }
}

function patterns(value: unknown, path: string, issues: ValidationIssue[]): string[] {
  if (!Array.isArray(value)) {
    issues.push(issue(path, 'an array of subject patterns', value, 'not a list'))
    return []
  }
  value.forEach((item, index) => {
    if (typeof item !== 'string' || !SUBJECT.test(item))
      issues.push(issue(`${path}/${index}`, 'a subject pattern without spaces', item, 'bad pattern'))
  })
  return value.filter((item): item is string => typeof item === 'string')
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Checks a parsed policy document (JSON or YAML); unknown roles and bad names are reported with paths. */
export function parsePolicy(input: unknown): FederationPolicy {
  const issues: ValidationIssue[] = []
  const document = isObject(input) ? input : {}
  if (!isObject(input)) issues.push(issue('', 'a policy object', input, 'not an object'))
  const roles = {
    owner: { ...DEFAULT_ROLE_PERMISSIONS.owner },
    hub: { ...DEFAULT_ROLE_PERMISSIONS.hub },
    member: { ...DEFAULT_ROLE_PERMISSIONS.member },
  }
  if (document.roles !== undefined) {
    if (!isObject(document.roles))
      issues.push(issue('/roles', 'an object of roles', document.roles, 'not an object'))
    else {
      for (const [role, grants] of Object.entries(document.roles)) {
        if (!(ROLES as readonly string[]).includes(role)) {
          issues.push(issue(`/roles/${role}`, ROLES.join(' | '), role, 'unknown role'))
          continue
        }
        if (!isObject(grants)) {
          issues.push(issue(`/roles/${role}`, '{publish, subscribe}', grants, 'not an object'))
          continue
        }
        roles[role as Role] = {
          publish: patterns(grants.publish ?? [], `/roles/${role}/publish`, issues),
          subscribe: patterns(grants.subscribe ?? [], `/roles/${role}/subscribe`, issues),
        }
      }
    }
  }
  const users: PolicyUser[] = []
  const rawUsers = document.users ?? []
  if (!Array.isArray(rawUsers)) issues.push(issue('/users', 'an array of users', rawUsers, 'not a list'))
  else {
    const seen = new Set<string>()
    for (const [index, raw] of rawUsers.entries()) {
      const path = `/users/${index}`
      if (!isObject(raw)) {
        issues.push(issue(path, '{user, password, role}', raw, 'not an object'))
        continue
      }
      const { user, password, role } = raw
      if (typeof user !== 'string' || !NAME.test(user))
        issues.push(issue(`${path}/user`, 'letters, digits, _ or -', user, 'bad user name'))
      else if (seen.has(user)) issues.push(issue(`${path}/user`, 'a unique name', user, 'duplicate user'))
      if (typeof password !== 'string' || password.length < 8 || /["\\\s]/.test(password)) {
        issues.push(
          issue(
            `${path}/password`,
            'at least 8 characters, no quotes, backslashes or spaces',
            '***',
            'bad password',
          ),
        )
      }
      if (!(ROLES as readonly unknown[]).includes(role))
        issues.push(issue(`${path}/role`, ROLES.join(' | '), role, 'unknown role'))
      if (typeof user === 'string') seen.add(user)
      users.push({ user: String(user), password: String(password), role: role as Role })
    }
  }
  const exported = document.export === undefined ? ['>'] : patterns(document.export, '/export', issues)
  if (issues.length > 0) {
    throw new HubError(
      'E_VALIDATION',
      `federation policy: ${issues.length} problem(s): ${issues.map((found) => `${found.path || '/'} ${found.message}`).join('; ')}`,
      {
        details: { issues },
      },
    )
  }
  return { roles, users, export: exported }
}

/** A role's patterns for one user on one hub. */
export function expandPermissions(
  policy: FederationPolicy,
  role: Role,
  hubId: string,
  user: string,
): RolePermissions {
  const expand = (pattern: string) => pattern.replaceAll('{hubId}', hubId).replaceAll('{user}', user)
  return {
    publish: policy.roles[role].publish.map(expand),
    subscribe: policy.roles[role].subscribe.map(expand),
  }
}
