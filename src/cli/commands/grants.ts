import type { GrantView } from '../../approvals/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, type CommandIo, guardCommand, UsageError, writeLine } from '../io.ts'
import { dataDirFrom, openApprovalsAccess } from './approvals-access.ts'

const USAGE = [
  'usage: localhub grants <verb> [options]',
  '',
  '  list [--all] [--json]        standing grants in force (--all: also revoked, expired, used up)',
  '  revoke ID [--reason R]       revoke a grant now (ledgered)',
  '',
  'A grant lets writes (write_local_confirm) under one folder run without asking, for one session or',
  'all, until it expires. Destructive actions are never covered. Uses the running hub when there is',
  'one (--data DIR, default ~/.local/share/localhub), else <data>/approvals.sqlite.',
].join('\n')

const OPTIONS = {
  data: { type: 'string' },
  reason: { type: 'string' },
  by: { type: 'string' },
  all: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

function summary(grant: GrantView): string {
  const state = grant.active ? 'active' : grant.revokedAt ? `revoked by ${grant.revokedBy}` : 'ended'
  const uses = grant.maxUses === null ? `${grant.uses} uses` : `${grant.uses}/${grant.maxUses} uses`
  return [
    grant.id,
    state,
    grant.tool ?? '(any tool)',
    `${grant.pathPrefix}/**`,
    grant.sessionId === null ? 'all sessions' : `session ${grant.sessionId}`,
    `until ${grant.expiresAt}`,
    uses,
  ].join('  ')
}

async function execute(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  if (printedHelp(values, io, USAGE)) return 0
  const [verb, ...rest] = positionals
  if (verb === undefined) throw new UsageError('missing verb')
  if (verb !== 'list' && verb !== 'revoke') throw new UsageError(`unknown verb '${verb}'`)
  if (verb === 'list' && rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`)
  if (verb === 'revoke' && rest.length !== 1) throw new UsageError('revoke takes exactly one grant id')
  const json = values.json === true
  const access = await openApprovalsAccess(dataDirFrom(values.data, io), io, values.by ?? 'owner')
  try {
    if (verb === 'list') {
      const grants = await access.listGrants(values.all === true)
      if (json) writeLine(io.stdout, JSON.stringify({ grants }))
      else if (grants.length === 0)
        writeLine(io.stderr, `no ${values.all ? '' : 'active '}grants (${access.where})`)
      else for (const grant of grants) writeLine(io.stdout, summary(grant))
      return 0
    }
    const { grant, recordHash } = await access.revokeGrant(rest[0]!, values.reason)
    writeLine(
      io.stdout,
      json ? JSON.stringify({ grant, recordHash }) : `revoked ${grant.id} (ledger record ${recordHash})`,
    )
    return 0
  } finally {
    await access.close()
  }
}

export const run: CommandGroup = guardCommand('grants', USAGE, execute)
