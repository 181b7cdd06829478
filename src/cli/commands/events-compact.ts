import { join, resolve } from 'node:path'
import { EVENTS_FILE_NAME } from '../../bus-factory/index.ts'
import { loadRegistry } from '../../catalog/index.ts'
import { DEFAULT_MANIFEST_PATH, referencedTraceIds } from '../../kernel/index.ts'
import { knownTypesFromEntries, loadManifest } from '../../manifest/index.ts'
import { applyRetention, type RetentionRules, vacuumLog } from '../../store/index.ts'
import { parseArgs } from '../args.ts'
import { printedHelp } from '../help.ts'
import { type CommandGroup, writeLine } from '../io.ts'
import { wholeNumberFlag } from '../number-flag.ts'
import { dataDirOf, openLocalBus, reportFailure } from './events-bus-access.ts'

/**
 * The ranges of the manifest's retention.events (catalog/hub-manifest.schema.json), so a cap the
 * manifest refuses is refused here too, before the log is touched: `--max-bytes 100` emptied the
 * whole log. The schema has no maximum; the largest exact integer stands for "any".
 */
const MIN_MAX_BYTES = 65_536
const LIMIT_FLAGS = [
  { option: 'max-age-days', key: 'maxAgeDays', min: 1 },
  { option: 'max-count', key: 'maxCount', min: 1 },
  { option: 'max-bytes', key: 'maxBytes', min: MIN_MAX_BYTES },
] as const

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
  `  Ranges as in the manifest: --max-age-days and --max-count from 1, --max-bytes from ${MIN_MAX_BYTES}.`,
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
    const given: NonNullable<RetentionRules['events']> = {}
    for (const { option, key, min } of LIMIT_FLAGS) {
      const value = values[option]
      if (value !== undefined)
        given[key] = wholeNumberFlag(value, `--${option}`, { min, max: Number.MAX_SAFE_INTEGER })
    }
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
