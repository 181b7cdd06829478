import { join } from 'node:path'
import { loadRegistry } from '../catalog/index.ts'
import { HubError, type RegistryDocument } from '../contracts/index.ts'
import { createBus } from './bus.ts'
import type { Bus, BusOptions } from './bus-types.ts'
import type { TransportFactory } from './transport-types.ts'

/** The event log's file inside a data directory (DESIGN.md section 6b). */
export const EVENTS_FILE_NAME = 'events.sqlite'

export interface OpenBusOptions extends Omit<BusOptions, 'transport' | 'registry'> {
  transport: 'memory' | 'sqlite' | 'nats' | TransportFactory
  /** Defaults to the catalog shipped with the package. */
  registry?: RegistryDocument
  /** SQLite: the log file; or give dataDir and the log is <dataDir>/events.sqlite. */
  path?: string
  dataDir?: string
  /** Extra options for the chosen transport (see its index.ts). */
  transportOptions?: Record<string, unknown>
}

type TransportModule = Record<string, (options: Record<string, unknown>) => TransportFactory>

async function loadTransport(kind: 'memory' | 'sqlite' | 'nats'): Promise<TransportModule> {
  try {
    // Loaded on demand: the transports build on this folder, and a hub without NATS never loads it.
    if (kind === 'memory')
      return (await import('../transports/memory/index.ts')) as unknown as TransportModule
    if (kind === 'sqlite')
      return (await import('../transports/sqlite/index.ts')) as unknown as TransportModule
    // Written by another engineer; a variable specifier keeps the type check independent of it.
    const natsModule = '../transports/nats/index.ts'
    return (await import(natsModule)) as TransportModule
  } catch (cause) {
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `the ${kind} transport cannot be loaded: ${(cause as Error).message}`,
      { cause },
    )
  }
}

/** Opens a bus on a named transport (or a factory), with the shipped catalog unless one is given. */
export async function openBus(options: OpenBusOptions): Promise<Bus> {
  const { transport, registry, path, dataDir, transportOptions, ...busOptions } = options
  let factory: TransportFactory
  if (typeof transport === 'function') factory = transport
  else if (transport === 'memory') {
    if (path !== undefined || dataDir !== undefined) {
      throw new HubError(
        'E_BAD_REQUEST',
        'the memory transport keeps nothing on disk and nothing survives a restart; use transport "sqlite" for a data directory',
      )
    }
    factory = (await loadTransport('memory')).memoryTransport!(transportOptions ?? {})
  } else if (transport === 'sqlite') {
    const file = path ?? (dataDir === undefined ? undefined : join(dataDir, EVENTS_FILE_NAME))
    if (file === undefined) throw new HubError('E_BAD_REQUEST', 'the sqlite transport needs path or dataDir')
    factory = (await loadTransport('sqlite')).sqliteTransport!({ ...transportOptions, path: file })
  } else if (transport === 'nats') {
    const module = await loadTransport('nats')
    const make = module.natsTransport
    if (make === undefined)
      throw new HubError('E_DEPENDENCY_UNAVAILABLE', 'src/transports/nats does not export natsTransport')
    factory = make(transportOptions ?? {})
  } else {
    throw new HubError(
      'E_BAD_REQUEST',
      `unknown transport ${JSON.stringify(transport)}; use memory, sqlite or nats`,
    )
  }
  return createBus({ ...busOptions, registry: registry ?? loadRegistry(), transport: factory })
}
