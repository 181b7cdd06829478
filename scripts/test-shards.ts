// How scripts/run-tests.ts spreads test files over shards: by the seconds each file took when last
// recorded (test/durations.json), so the shards finish together instead of one waiting on the other.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

export type FileSeconds = Record<string, number>

export const DURATIONS_ABOUT =
  'Wall seconds each test file took (child start-up included) when last recorded; only ratios ' +
  'matter. scripts/run-tests.ts uses them to balance its shards. Refresh with ' +
  '`npm run test:unit -- --record-durations` (a filtered run updates only the files it ran).'

/** Reads recorded seconds; a missing or unreadable file means nothing is recorded yet. */
export function readDurations(path: string): FileSeconds {
  if (!existsSync(path)) return {}
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { seconds?: unknown }
    const seconds: FileSeconds = {}
    if (parsed.seconds && typeof parsed.seconds === 'object') {
      for (const [file, value] of Object.entries(parsed.seconds)) {
        if (typeof value === 'number' && Number.isFinite(value) && value >= 0) seconds[file] = value
      }
    }
    return seconds
  } catch {
    return {}
  }
}

/** Slowest first, so the file reads as the list of what to speed up next. */
export function writeDurations(path: string, seconds: FileSeconds, recordedAt: Date): void {
  const sorted = Object.entries(seconds).sort(([fileA, a], [fileB, b]) => b - a || fileA.localeCompare(fileB))
  const body = {
    about: DURATIONS_ABOUT,
    recorded: recordedAt.toISOString(),
    seconds: Object.fromEntries(sorted.map(([file, value]) => [file, Math.round(value * 10) / 10])),
  }
  writeFileSync(path, `${JSON.stringify(body, null, 2)}\n`)
}

/** A file never recorded (a new one) weighs what the median recorded file does. */
export function defaultSeconds(seconds: FileSeconds): number {
  const values = Object.values(seconds).sort((a, b) => a - b)
  if (values.length === 0) return 1
  const middle = Math.floor(values.length / 2)
  return values.length % 2 === 1 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2
}

export type ShardPlan = { files: string[]; seconds: number }[]

/**
 * Longest first, each file onto the shard with the least seconds so far (ties: the lower shard,
 * then file names, so the plan is the same on every machine).
 */
export function planShards(files: string[], seconds: FileSeconds, shardCount: number): ShardPlan {
  const fallback = defaultSeconds(seconds)
  const weightOf = (file: string) => seconds[file] ?? fallback
  const shards: ShardPlan = Array.from({ length: Math.max(1, shardCount) }, () => ({ files: [], seconds: 0 }))
  const ordered = [...files].sort((a, b) => weightOf(b) - weightOf(a) || a.localeCompare(b))
  for (const file of ordered) {
    let least = shards[0]!
    for (const shard of shards) if (shard.seconds < least.seconds) least = shard
    least.files.push(file)
    least.seconds += weightOf(file)
  }
  for (const shard of shards) shard.files.sort()
  return shards
}
