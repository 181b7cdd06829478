import { join } from 'node:path'
import { type Bus, type BusOptions, createBus, type TransportFactory } from '../bus/index.ts'
import { loadRegistry } from '../catalog/index.ts'
import { HubError, type RegistryDocument } from '../contracts/index.ts'
import { memoryTransport } from '../transports/memory/index.ts'
import type { NatsTransportOptions } from '../transports/nats/index.ts'
import { type SqliteTransportOptions, sqliteTransport } from '../transports/sqlite/index.ts'

/** The event log's file inside a data directory (DESIGN.md section 6b). */
export const EVENTS_FILE_NAME = 'events.sqlite'

export type TransportName = 'memory' | 'sqlite' | 'nats'

export interface OpenBusOptions extends Omit<BusOptions, 'transport' | 'registry'> {
  transport: TransportName | TransportFactory
  /** Defaults to the catalog shipped with the package. */
  registry?: RegistryDocument
  /** SQLite: the log file; or give dataDir and the log is <dataDir>/events.sqlite. */
  path?: string
  dataDir?: string
  /** Extra options for the chosen transport (see its index.ts). */
  transportOptions?: Record<string, unknown>
}

/**
 * The NATS client libraries load only when a bus asks for NATS. The literal path keeps the module
 * visible to the type checker and to scripts/check-boundaries.ts.
 */
async function loadNatsTransport(): Promise<(options: NatsTransportOptions) => TransportFactory> {
  try {
    const { natsTransport } = await import('../transports/nats/index.ts')
    return natsTransport
  } catch (cause) {
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `the nats transport cannot be loaded: ${(cause as Error).message}`,
      { cause },
    )
  }
}

type Placement = Pick<OpenBusOptions, 'path' | 'dataDir' | 'transportOptions'> & {
  registry: RegistryDocument
}

async function transportFor(
  transport: OpenBusOptions['transport'],
  { path, dataDir, transportOptions = {}, registry }: Placement,
): Promise<TransportFactory> {
  if (typeof transport === 'function') return transport
  if (transport === 'memory') {
    if (path !== undefined || dataDir !== undefined) {
      throw new HubError(
        'E_BAD_REQUEST',
        'the memory transport keeps nothing on disk and nothing survives a restart; use transport "sqlite" for a data directory',
      )
    }
    return memoryTransport({})
  }
  if (transport === 'sqlite') {
    const file = path ?? (dataDir === undefined ? undefined : join(dataDir, EVENTS_FILE_NAME))
    if (file === undefined) throw new HubError('E_BAD_REQUEST', 'the sqlite transport needs path or dataDir')
    return sqliteTransport({ ...(transportOptions as Partial<SqliteTransportOptions>), path: file })
  }
  if (transport === 'nats') {
    // The stream's subjects come from the catalog: the bus's own, unless the options name another.
    const natsOptions = { registry, ...transportOptions } as NatsTransportOptions
    return (await loadNatsTransport())(natsOptions)
  }
  throw new HubError(
    'E_BAD_REQUEST',
    `unknown transport ${JSON.stringify(transport)}; use memory, sqlite or nats`,
  )
}

/** Opens a bus on a named transport (or a factory), with the shipped catalog unless one is given. */
export async function openBus(options: OpenBusOptions): Promise<Bus> {
  const { transport, registry, path, dataDir, transportOptions, ...busOptions } = options
  const catalog = registry ?? loadRegistry()
  const factory = await transportFor(transport, { path, dataDir, transportOptions, registry: catalog })
  return createBus({ ...busOptions, registry: catalog, transport: factory })
}
