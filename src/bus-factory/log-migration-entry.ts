import type { MigrationInput, MigrationResult } from './log-migration.ts'

/**
 * `localhub events migrate --to nats://…`, loaded when the command runs: the migration imports
 * the NATS client (~10 MB of memory) that a hub on SQLite never needs (decision 1711).
 */
export async function migrateLogToNats(input: MigrationInput): Promise<MigrationResult> {
  const migration = await import('./log-migration.ts')
  return migration.migrateLogToNats(input)
}
