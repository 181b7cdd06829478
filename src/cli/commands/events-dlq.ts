import { parseArgs } from 'node:util'
import type { DeadLetterEntry, DeadLetterQuery } from '../../bus/index.ts'
import { type CommandGroup, writeLine } from '../io.ts'
import { dataDirOf, openLocalBus, reportFailure } from './events-bus-access.ts'

const USAGE = [
  'usage: localhub events dlq list [--consumer NAME] [--json] [--data DIR]',
  '       localhub events dlq retry (ID... | --all) [--consumer NAME] [--data DIR]',
  '       localhub events dlq purge (ID... | --all) [--consumer NAME] [--data DIR]',
  '',
  '  retry hands entries back to their consumer (attempts start again); purge deletes them.',
  '  Each retry or purge is itself recorded as a bus.dlq.retried / bus.dlq.purged event.',
].join('\n')

function line(entry: DeadLetterEntry): string {
  return [
    entry.dlqId,
    entry.consumer,
    `seq ${entry.seq}`,
    entry.eventType,
    `${entry.attempts} attempts`,
    entry.movedAt,
    entry.lastError,
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
    if (values.help) {
      writeLine(io.stdout, USAGE)
      return 0
    }
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
      if (action !== 'list' || values.json) {
        for (const entry of entries)
          writeLine(
            io.stdout,
            values.json || action !== 'list'
              ? JSON.stringify({ ...entry, envelope: undefined, action })
              : line(entry),
          )
      } else for (const entry of entries) writeLine(io.stdout, line(entry))
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
