import type { PrincipalView } from '../../principals/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, type CommandIo, guardCommand, UsageError, writeLine } from '../io.ts'
import { dataDirFor } from './data-dir.ts'
import { openOwnerHub } from './owner-hub.ts'

const USAGE = [
  'usage: localhub tokens <verb> [options]',
  '',
  '  create --role member|custom|owner [--publish P]... [--subscribe P]... [--name N]',
  '                         a new token, printed once (the hub keeps only its sha256);',
  '                         member: the default grants plus P; custom: only P (NATS patterns)',
  '  list [--json]          principals, their grants, and whether revoked',
  '  revoke ID              revoke at once (its open WebSockets close)',
  '',
  'Talks to the running hub of --data DIR with the owner token (docs/principals-and-pairing.md).',
].join('\n')

const OPTIONS = {
  data: { type: 'string' },
  role: { type: 'string' },
  publish: { type: 'string', multiple: true },
  subscribe: { type: 'string', multiple: true },
  name: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

function line(principal: PrincipalView): string {
  const state = principal.revokedAt === undefined ? 'active' : `revoked ${principal.revokedAt}`
  const peer =
    principal.peerId === undefined ? '' : `  peer ${principal.peerId} ${principal.fingerprint ?? ''}`
  return `${principal.id}  ${principal.role}  ${principal.name ?? '-'}  ${state}${peer}\n    publish: ${principal.publish.join(' ') || '-'}\n    subscribe: ${principal.subscribe.join(' ') || '-'}`
}

async function execute(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  if (printedHelp(values, io, USAGE)) return 0
  const [verb, ...rest] = positionals
  if (verb === undefined) throw new UsageError('missing verb')
  if (!['create', 'list', 'revoke'].includes(verb)) throw new UsageError(`unknown verb '${verb}'`)
  if (verb !== 'revoke' && rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`)
  if (verb === 'revoke' && rest.length !== 1) throw new UsageError('revoke takes exactly one principal id')
  if (verb === 'create' && values.role === undefined) throw new UsageError('create needs --role')
  const hub = await openOwnerHub(dataDirFor(values.data, io), io)
  if (verb === 'create') {
    const created = await hub.call<{ principal: PrincipalView; token: string }>('POST', '/principals', {
      role: values.role,
      ...(values.name === undefined ? {} : { name: values.name }),
      ...(values.publish === undefined ? {} : { publish: values.publish }),
      ...(values.subscribe === undefined ? {} : { subscribe: values.subscribe }),
    })
    if (values.json === true) writeLine(io.stdout, JSON.stringify(created))
    else {
      writeLine(io.stdout, created.token)
      writeLine(
        io.stderr,
        `created ${line(created.principal)}\nthe token is shown this once; the hub keeps only its sha256`,
      )
    }
    return 0
  }
  if (verb === 'list') {
    const { principals } = await hub.call<{ principals: PrincipalView[] }>('GET', '/principals')
    if (values.json === true) writeLine(io.stdout, JSON.stringify({ principals }))
    else if (principals.length === 0) writeLine(io.stderr, `no tokens besides the owner's (${hub.url})`)
    else for (const principal of principals) writeLine(io.stdout, line(principal))
    return 0
  }
  const { principal } = await hub.call<{ principal: PrincipalView }>(
    'DELETE',
    `/principals/${encodeURIComponent(rest[0]!)}`,
  )
  writeLine(io.stdout, values.json === true ? JSON.stringify({ principal }) : `revoked ${principal.id}`)
  return 0
}

export const run: CommandGroup = guardCommand('tokens', USAGE, execute)
