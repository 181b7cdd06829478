import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, writeLine } from '../io.ts'
import { dataDirOf, openLocalBus, reportFailure } from './events-bus-access.ts'

const USAGE =
  'usage: localhub events topics [--json] [--data DIR]\n\n  Stored event types with their counts, last seq and when each was last seen.'

export const run: CommandGroup = async (args, io) => {
  try {
    const { values } = parseArgs({
      args,
      options: { json: { type: 'boolean' }, data: { type: 'string' }, help: { type: 'boolean' } },
    })
    if (printedHelp(values, io, USAGE)) return 0
    const bus = await openLocalBus(dataDirOf(values.data, io), io, { mustExist: true })
    try {
      const topics = await bus.topics()
      if (values.json) for (const topic of topics) writeLine(io.stdout, JSON.stringify(topic))
      else {
        const width = Math.max(4, ...topics.map((topic) => topic.type.length))
        writeLine(
          io.stdout,
          `${'type'.padEnd(width)}  ${'count'.padStart(8)}  ${'last seq'.padStart(8)}  last seen`,
        )
        for (const topic of topics) {
          writeLine(
            io.stdout,
            `${topic.type.padEnd(width)}  ${String(topic.count).padStart(8)}  ${String(topic.lastSeq).padStart(8)}  ${topic.lastTs}`,
          )
        }
      }
    } finally {
      await bus.close()
    }
    return 0
  } catch (error) {
    return reportFailure(io, 'topics', error, USAGE)
  }
}
