import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_DEDUPE_WINDOW_MS } from '../bus/index.ts'
import { loadRegistry } from '../catalog/index.ts'
import { HubError, type RegistryDocument } from '../contracts/index.ts'
import { openLogExport } from '../store/index.ts'
import {
  DEFAULT_IMPORT_BATCH,
  importLog,
  type LogImportPlan,
  type NatsTransportOptions,
  planLogImport,
  prepareHubStream,
  raiseSessionCounters,
} from '../transports/nats/index.ts'
import { type BusSection, chooseBus } from './bus-choice.ts'
import { connectLikeTransport } from './nats-connection.ts'
import { EVENTS_FILE_NAME } from './open-bus.ts'

// `localhub events migrate --to nats://…` (decision 1607): the data directory's SQLite log into the
// hub's stream LH_<hubId>, seqs kept when the stream is new, resumable: the mode and progress are
// recorded after every acknowledged batch in <data>/nats/migrate-<hubId>.json, and where the copy
// stands is read back from the stream itself (decision 1640), so a killed run never duplicates.

export interface MigrationInput {
  dataDir: string
  /** A --bus value naming NATS: nats://HOST:PORT[,…] or tls://… */
  to: string
  hubId?: string
  env: Readonly<Record<string, string | undefined>>
  /** The manifest's bus: section, for credentials and TLS. */
  section?: BusSection
  registry?: RegistryDocument
  batchSize?: number
  onProgress?(progress: MigrationProgress): void | Promise<void>
}

export interface MigrationProgress {
  copied: number
  total: number
  lastSourceSeq: number
}

export interface MigrationResult extends MigrationProgress {
  hubId: string
  stream: string
  preserveSeqs: boolean
  resumed: boolean
  sessionsRaised: number
}

interface SavedState extends LogImportPlan {
  done: boolean
}

function progressFileOf(dataDir: string, hubId: string): string {
  return join(dataDir, 'nats', `migrate-${hubId}.json`)
}

export async function migrateLogToNats(input: MigrationInput): Promise<MigrationResult> {
  const choice = chooseBus({
    flags: { bus: input.to, ...(input.hubId === undefined ? {} : { hubId: input.hubId }) },
    env: input.env,
    dataDir: input.dataDir,
    ...(input.section === undefined ? {} : { section: input.section }),
  })
  if (choice.transport !== 'nats' || choice.hubId === undefined)
    throw new HubError('E_BAD_REQUEST', `--to must name a NATS server (nats://HOST:PORT), got ${input.to}`)
  const hubId = choice.hubId
  const source = join(input.dataDir, EVENTS_FILE_NAME)
  if (!existsSync(source))
    throw new HubError('E_BAD_REQUEST', `no event log to copy: ${source} does not exist`)
  const progressFile = progressFileOf(input.dataDir, hubId)
  const saved = existsSync(progressFile)
    ? (JSON.parse(readFileSync(progressFile, 'utf8')) as SavedState)
    : undefined
  const log = openLogExport(source)
  const connection = await connectLikeTransport(
    choice.open.transportOptions as NatsTransportOptions,
    'migrate',
  )
  try {
    // The stream and KV buckets exactly as the hub's transport makes them.
    await prepareHubStream(connection, hubId, input.registry ?? loadRegistry(), DEFAULT_DEDUPE_WINDOW_MS)
    const plan = await planLogImport(connection, hubId, saved)
    const total = log.countAfter(plan.afterSeq)
    const save = (afterSeq: number, done: boolean) => {
      mkdirSync(join(input.dataDir, 'nats'), { recursive: true, mode: 0o700 })
      const state: SavedState = { preserveSeqs: plan.preserveSeqs, afterSeq, done }
      writeFileSync(progressFile, `${JSON.stringify(state)}\n`)
    }
    save(plan.afterSeq, false)
    const batch = input.batchSize ?? DEFAULT_IMPORT_BATCH
    const copied = await importLog(
      connection,
      hubId,
      plan,
      log.pages(plan.afterSeq, batch),
      async (progress) => {
        save(progress.lastSourceSeq, false)
        await input.onProgress?.({ ...progress, total })
      },
      batch,
    )
    const sessionsRaised = await raiseSessionCounters(connection, hubId, log.sessionMaxima())
    save(copied.lastSourceSeq, true)
    return {
      ...copied,
      total,
      hubId,
      stream: `LH_${hubId}`,
      preserveSeqs: plan.preserveSeqs,
      resumed: saved !== undefined || plan.foundInStream === true,
      sessionsRaised,
    }
  } finally {
    log.close()
    await connection.close()
  }
}
