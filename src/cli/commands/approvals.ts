import type { ApprovalView, ApproveOutcome } from '../../approvals/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, type CommandIo, guardCommand, UsageError, writeLine } from '../io.ts'
import { dataDirFrom, openApprovalsAccess } from './approvals-access.ts'

const USAGE = [
  'usage: localhub approvals <verb> [options]',
  '',
  '  list [--all] [--json]                       open approvals (--all: every approval), newest first',
  '  show ID [--json]                            what will happen: the diff of a write, the paths of a delete',
  '  approve ID [--reason R] [--confirm TOKEN]   approve; a destructive action first prints a dry run and',
  '                                              a token, then runs only with --confirm TOKEN',
  '  deny ID [--reason R]                        deny (final; nothing runs)',
  '',
  'Uses the running hub when there is one (--data DIR, default ~/.local/share/localhub), else <data>/approvals.sqlite;',
  'actions approved without a running hub run when it next starts. --by NAME records who decided',
  'when working on the file (the hub records its own login).',
].join('\n')

const OPTIONS = {
  data: { type: 'string' },
  reason: { type: 'string' },
  confirm: { type: 'string' },
  by: { type: 'string' },
  all: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

function summary(approval: ApprovalView): string {
  const [first, ...more] = approval.targets
  const targets = more.length === 0 ? (first ?? '-') : `${first} (+${more.length} more)`
  const extra =
    approval.status === 'approved' ? `  run:${approval.execution.state}` : `  expires ${approval.expiresAt}`
  return `${approval.id}  ${approval.status}  ${approval.tier}  ${approval.tool}  ${targets}${extra}`
}

function details(approval: ApprovalView): string {
  const lines = [
    summary(approval),
    `requested by ${approval.actorSkill} (trace ${approval.traceId}${approval.sessionId ? `, session ${approval.sessionId}` : ''})`,
  ]
  if (approval.decidedBy)
    lines.push(
      `decided by ${approval.decidedBy} at ${approval.decidedAt}${approval.reason ? `: ${approval.reason}` : ''}`,
    )
  if (approval.execution.error)
    lines.push(`run failed: ${approval.execution.error.code} ${approval.execution.error.message}`)
  lines.push('')
  if (approval.preview.kind === 'diff') lines.push(approval.preview.diff ?? '')
  else lines.push(...(approval.preview.paths ?? approval.targets).map((path) => `  ${path}`))
  return lines.join('\n')
}

function oneId(rest: string[], verb: string): string {
  if (rest.length !== 1)
    throw new UsageError(`${verb} takes exactly one approval id (see \`localhub approvals list\`)`)
  return rest[0]!
}

function reportApproved(io: CommandIo, outcome: ApproveOutcome, json: boolean): void {
  if (json) {
    writeLine(io.stdout, JSON.stringify(outcome))
    return
  }
  if (outcome.status === 'awaiting_confirmation') {
    // The paths are what the tool touches: for a move, the tree it takes away and where it goes.
    writeLine(
      io.stdout,
      `dry run of ${outcome.approvalId}: nothing has changed yet; ${outcome.approval.tool} would touch`,
    )
    for (const path of outcome.approval.preview.paths ?? outcome.approval.targets)
      writeLine(io.stdout, `  ${path}`)
    writeLine(
      io.stdout,
      `confirmation token (single use, until ${outcome.tokenExpiresAt}): ${outcome.confirmationToken}`,
    )
    writeLine(
      io.stdout,
      `to go ahead: localhub approvals approve ${outcome.approvalId} --confirm ${outcome.confirmationToken}`,
    )
    return
  }
  const { execution } = outcome.approval
  const ran =
    execution.state === 'queued'
      ? 'it runs when the hub next starts'
      : execution.state === 'failed'
        ? `the action failed: ${execution.error?.code} ${execution.error?.message}`
        : `run: ${execution.state}`
  writeLine(io.stdout, `approved ${outcome.approvalId} (${ran})`)
}

async function execute(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  if (printedHelp(values, io, USAGE)) return 0
  const [verb, ...rest] = positionals
  if (verb === undefined) throw new UsageError('missing verb')
  if (!['list', 'show', 'approve', 'deny'].includes(verb)) throw new UsageError(`unknown verb '${verb}'`)
  if (verb === 'list' && rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`)
  const id = verb === 'list' ? '' : oneId(rest, verb)
  const json = values.json === true
  const access = await openApprovalsAccess(dataDirFrom(values.data, io), io, values.by ?? 'owner')
  try {
    switch (verb) {
      case 'list': {
        const approvals = await access.list(values.all === true ? 'all' : 'open')
        if (json) writeLine(io.stdout, JSON.stringify({ approvals }))
        else if (approvals.length === 0)
          writeLine(io.stderr, `no ${values.all ? '' : 'open '}approvals (${access.where})`)
        else for (const approval of approvals) writeLine(io.stdout, summary(approval))
        return 0
      }
      case 'show': {
        const approval = await access.get(id)
        writeLine(io.stdout, json ? JSON.stringify({ approval }) : details(approval))
        return 0
      }
      case 'approve': {
        const outcome = await access.approve(id, {
          ...(values.reason === undefined ? {} : { reason: values.reason }),
          ...(values.confirm === undefined ? {} : { confirmationToken: values.confirm }),
        })
        reportApproved(io, outcome, json)
        return 0
      }
      default: {
        const approval = await access.deny(id, values.reason === undefined ? {} : { reason: values.reason })
        writeLine(io.stdout, json ? JSON.stringify({ approval }) : `denied ${approval.id}`)
        return 0
      }
    }
  } finally {
    await access.close()
  }
}

export const run: CommandGroup = guardCommand('approvals', USAGE, execute)
