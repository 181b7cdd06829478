import { asObject, draftAt } from './check-kit.ts'
import type { IssueDraft } from './manifest-issue.ts'

// The bus: section (decision 1600): NATS keys act only on the NATS bus, a credential comes from
// one place, a client certificate comes with its key (decision 1604), and an nkey seed signs in
// alone (decision 2021).

const NATS_ONLY_KEYS = ['servers', 'hubId', 'credentials', 'tls'] as const

function credentialDrafts(root: unknown): IssueDraft[] {
  const credentials = asObject(asObject(asObject(root)?.bus)?.credentials)
  if (credentials === undefined) return []
  const drafts: IssueDraft[] = []
  const path = '/bus/credentials'
  for (const secret of ['password', 'token'] as const) {
    if (credentials[`${secret}Env`] !== undefined && credentials[`${secret}File`] !== undefined)
      drafts.push(
        draftAt(
          root,
          `${path}/${secret}File`,
          `the ${secret} is named twice (${secret}Env and ${secret}File); which one wins would be a guess`,
          `keep ${secret}Env or ${secret}File`,
          'one source per secret',
        ),
      )
  }
  const hasUser = credentials.user !== undefined
  const hasPassword = credentials.passwordEnv !== undefined || credentials.passwordFile !== undefined
  const hasToken = credentials.tokenEnv !== undefined || credentials.tokenFile !== undefined
  if (credentials.nkeySeedFile === undefined && hasUser !== hasPassword)
    drafts.push(
      draftAt(
        root,
        hasUser ? `${path}/user` : path,
        hasUser ? 'a user needs a password (passwordEnv or passwordFile)' : 'a password needs its user',
        hasUser ? 'add passwordEnv or passwordFile' : 'add user',
        'user with passwordEnv or passwordFile',
      ),
    )
  if (credentials.nkeySeedFile !== undefined && (hasUser || hasPassword || hasToken))
    drafts.push(
      draftAt(
        root,
        `${path}/nkeySeedFile`,
        'an nkey seed signs in by itself; a user, password or token beside it would be a second way in',
        'keep nkeySeedFile alone, or remove it',
        'one way to sign in',
      ),
    )
  if (hasToken && hasUser)
    drafts.push(
      draftAt(
        root,
        `${path}/user`,
        'a NATS connection signs in with a user and password or with a token, not both',
        'remove user and the password, or the token',
        'one way to sign in',
      ),
    )
  return drafts
}

export function busDrafts(root: unknown): IssueDraft[] {
  const section = asObject(asObject(root)?.bus)
  if (section === undefined) return []
  const drafts: IssueDraft[] = []
  const transport = section.transport ?? 'sqlite'
  if (transport !== 'nats') {
    for (const key of NATS_ONLY_KEYS) {
      if (section[key] === undefined) continue
      drafts.push(
        draftAt(
          root,
          `/bus/${key}`,
          `${key} acts only on the NATS bus, and this hub runs on ${String(transport)}`,
          `write transport: nats, or remove ${key}`,
          'transport: nats',
        ),
      )
    }
  }
  const tls = asObject(section.tls)
  if (tls !== undefined && (tls.certFile === undefined) !== (tls.keyFile === undefined))
    drafts.push(
      draftAt(
        root,
        tls.certFile === undefined ? '/bus/tls/keyFile' : '/bus/tls/certFile',
        'a client certificate needs its key, and a key its certificate',
        'give both certFile and keyFile, or neither',
        'certFile with keyFile',
      ),
    )
  if (transport === 'nats') drafts.push(...credentialDrafts(root))
  return drafts
}
