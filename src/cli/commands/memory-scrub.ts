import type { MemoryStore, ScrubReport } from '../../skills/memory/index.ts'
import { type CommandIo, UsageError, writeLine } from '../io.ts'

export const SCRUB_USAGE_LINE =
  '  scrub                                                    replace secrets kept by stores written before'

/**
 * `localhub memory scrub`: rewrites episodes and facts that still hold credentials (API keys,
 * tokens, passwords in free text…) with the event log's detectors, then compacts the file.
 */
export function scrubVerb(
  rest: readonly string[],
  io: CommandIo,
  path: string,
  present: boolean,
  withStore: <T>(use: (store: MemoryStore) => T) => T,
): number {
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`)
  const report: ScrubReport = present
    ? withStore((store) => store.scrubSecrets())
    : { episodes: 0, facts: 0, secrets: 0 }
  writeLine(
    io.stdout,
    `removed ${report.secrets} secrets from ${report.episodes} episodes and ${report.facts} facts in ${path}`,
  )
  return 0
}
