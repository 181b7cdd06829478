import type { DeadLetterEntry, DeadLetterQuery } from '../../bus/index.ts'
import { createGuardrails, type Guardrails } from '../../contracts/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, writeLine } from '../io.ts'
import { dataDirOf, openLocalBus, reportFailure } from './events-bus-access.ts'

const USAGE = [
  'usage: localhub events dlq list [--consumer NAME] [--json] [--data DIR]',
  '       localhub events dlq retry (ID... | --all) [--consumer NAME] [--data DIR]',
  '       localhub events dlq purge (ID... | --all) [--consumer NAME] [--data DIR]',
  '',
  '  list shows each entry with its event type, source and a redacted payload preview (the',
  '  guardrails of the log: content hashed, secrets dropped), so you can decide what to retry.',
  '  retry hands entries back to their consumer (attempts start again); purge deletes them.',
  '  Each retry or purge is itself recorded as a bus.dlq.retried / bus.dlq.purged event.',
].join('\n')

/** Characters of the payload preview in the text listing (the JSON listing has it whole). */
export const DEFAULT_PREVIEW_CHARS = 160

/** The entry's payload as the log would show it: through the guardrails, never raw. */
function redactedPayload(entry: DeadLetterEntry, guardrails: Guardrails): unknown {
  try {
    const { _guardrails: _summary, ...payload } = guardrails(entry.envelope).payload as Record<
      string,
      unknown
    >
    return payload
  } catch {
    // A payload the guardrails cannot read is not shown at all.
    return '(unreadable payload)'
  }
}

function preview(payload: unknown): string {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload)
  return text.length > DEFAULT_PREVIEW_CHARS ? `${text.slice(0, DEFAULT_PREVIEW_CHARS - 1)}…` : text
}

function line(entry: DeadLetterEntry, payload: unknown): string {
  return [
    entry.dlqId,
    entry.consumer,
    `seq ${entry.seq}`,
    entry.eventType,
    `from ${entry.envelope?.source ?? '-'}`,
    `${entry.attempts} attempts`,
    entry.movedAt,
    entry.lastError,
    preview(payload),
  ].join('  ')
}

export const run: CommandGroup = async (args, io) => {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        consumer: { type: 'string' },
        all: { type: 'boolean' },
        json: { type: 'boolean' },
        data: { type: 'string' },
        help: { type: 'boolean' },
      },
      allowPositionals: true,
    })
    if (printedHelp(values, io, USAGE)) return 0
    const [action, ...ids] = positionals
    if (action !== 'list' && action !== 'retry' && action !== 'purge')
      throw new Error('say list, retry or purge')
    const query: DeadLetterQuery = {}
    if (values.consumer !== undefined) query.consumer = values.consumer
    if (action === 'list') {
      if (ids.length > 0) throw new Error('list takes no ids')
    } else {
      if (ids.length === 0 && !values.all) throw new Error(`${action} needs ids or --all`)
      if (ids.length > 0 && values.all) throw new Error('give ids or --all, not both')
      if (ids.some((id) => !/^\d{1,15}$/.test(id))) throw new Error('ids are whole numbers (see dlq list)')
      if (ids.length > 0) query.ids = ids.map(Number)
    }
    const bus = await openLocalBus(dataDirOf(values.data, io), io)
    try {
      const entries =
        action === 'list'
          ? await bus.dlq.list(query)
          : action === 'retry'
            ? await bus.dlq.retry(query)
            : await bus.dlq.purge(query)
      const guardrails = createGuardrails(bus.contracts.registry)
      for (const entry of entries) {
        const { envelope: _raw, ...fields } = entry
        if (action !== 'list') writeLine(io.stdout, JSON.stringify({ ...fields, action }))
        else {
          const payload = redactedPayload(entry, guardrails)
          writeLine(
            io.stdout,
            values.json
              ? JSON.stringify({ ...fields, source: entry.envelope?.source, payload, action })
              : line(entry, payload),
          )
        }
      }
      if (action !== 'list')
        writeLine(io.stderr, `${action === 'retry' ? 'retried' : 'purged'} ${entries.length}`)
    } finally {
      await bus.close()
    }
    return 0
  } catch (error) {
    return reportFailure(io, 'dlq', error, USAGE)
  }
}
