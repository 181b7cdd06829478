import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, writeLine } from '../io.ts'
import { dataDirOf, reportFailure } from './events-bus-access.ts'
import { publishLines } from './events-publish.ts'

const USAGE = [
  'usage: localhub events import <FILE|-> [--data DIR]',
  '',
  '  Publishes the events of an `events export` file (stored form, one envelope per line) into this',
  '  log. Each is validated like any publish; seq and sessionSeq are assigned anew; ids are kept, so',
  '  an event this log already holds is reported as a duplicate, not stored twice. Lines that fail',
  '  go to stderr as {"line":N,"error":{...}} (exit code 1). Prints a summary as JSON.',
].join('\n')

export const run: CommandGroup = async (args, io) => {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { data: { type: 'string' }, help: { type: 'boolean' } },
      allowPositionals: true,
    })
    if (printedHelp(values, io, USAGE)) return 0
    if (positionals.length !== 1) throw new Error('give one FILE, or - for stdin')
    let imported = 0
    let duplicates = 0
    let firstSeq: number | undefined
    let lastSeq: number | undefined
    const complete = await publishLines(positionals[0]!, dataDirOf(values.data, io), io, (receipt) => {
      if (receipt.duplicate) {
        duplicates++
        return
      }
      imported++
      if (receipt.seq !== undefined) {
        firstSeq ??= receipt.seq
        lastSeq = receipt.seq
      }
    })
    writeLine(
      io.stdout,
      JSON.stringify({ imported, duplicates, firstSeq: firstSeq ?? null, lastSeq: lastSeq ?? null }),
    )
    return complete ? 0 : 1
  } catch (error) {
    return reportFailure(io, 'import', error, USAGE)
  }
}
