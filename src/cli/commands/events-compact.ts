import { join, resolve } from 'node:path'
import { EVENTS_FILE_NAME } from '../../bus-factory/index.ts'
import { loadRegistry } from '../../catalog/index.ts'
import { DEFAULT_MANIFEST_PATH, referencedTraceIds } from '../../kernel/index.ts'
import { knownTypesFromEntries, loadManifest } from '../../manifest/index.ts'
import { applyRetention, type RetentionRules, vacuumLog } from '../../store/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, writeLine } from '../io.ts'
import { dataDirOf, openLocalBus, parseCount, reportFailure } from './events-bus-access.ts'

const USAGE = [
  'usage: localhub events compact [--max-age-days N] [--max-count N] [--max-bytes N] [--manifest FILE]',
  '         [--full] [--data DIR]',
  '',
  '  Runs retention on the event log and the dead-letter queue now: the limits given, else the',
  "  manifest's retention.events and retention.deadLetters (--manifest, default: the built-in one).",
  '  Deletes in small batches (safe next to a running hub), keeps every trace the ledger or an open',
  '  approval references, gives freed pages back to the disk, publishes store.log.compacted and',
  '  prints its summary as JSON. --full then rewrites the file once (VACUUM): it needs free space',
  '  for a copy, and it switches a log made before schema 3 to incremental vacuuming.',
].join('\n')

async function manifestRules(path: string): Promise<RetentionRules> {
  const registry = loadRegistry()
  const manifest = await loadManifest(path, { knownTypes: knownTypesFromEntries(registry.entries) })
  const retention = manifest.retention ?? {}
  return {
    ...(retention.events === undefined ? {} : { events: retention.events }),
    ...(retention.deadLetters === undefined ? {} : { deadLetters: retention.deadLetters }),
  }
}

export const run: CommandGroup = async (args, io) => {
  try {
    const { values } = parseArgs({
      args,
      options: {
        'max-age-days': { type: 'string' },
        'max-count': { type: 'string' },
        'max-bytes': { type: 'string' },
        manifest: { type: 'string' },
        full: { type: 'boolean' },
        data: { type: 'string' },
        help: { type: 'boolean' },
      },
    })
    if (printedHelp(values, io, USAGE)) return 0
    const limits = {
      maxAgeDays: parseCount(values['max-age-days'], '--max-age-days'),
      maxCount: parseCount(values['max-count'], '--max-count'),
      maxBytes: parseCount(values['max-bytes'], '--max-bytes'),
    }
    const given = Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined))
    if (Object.keys(given).length > 0 && values.manifest !== undefined)
      throw new Error('give limits or --manifest, not both')
    const rules: RetentionRules =
      Object.keys(given).length > 0
        ? { events: given }
        : await manifestRules(resolve(io.cwd, values.manifest ?? DEFAULT_MANIFEST_PATH))
    const dataDir = dataDirOf(values.data, io)
    const eventsPath = join(dataDir, EVENTS_FILE_NAME)
    const bus = await openLocalBus(dataDir, io, { mustExist: true })
    try {
      const outcome = await applyRetention(
        { bus, eventsPath, keepTraceIds: () => referencedTraceIds(dataDir) },
        rules,
        Date.now(),
        'compact',
      )
      const full = values.full === true ? vacuumLog(eventsPath) : undefined
      writeLine(io.stdout, JSON.stringify({ ...outcome, ...(full === undefined ? {} : { vacuum: full }) }))
    } finally {
      await bus.close()
    }
    return 0
  } catch (error) {
    return reportFailure(io, 'compact', error, USAGE)
  }
}
