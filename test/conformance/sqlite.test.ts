import { join } from 'node:path'
import type { BusOptions } from '../../src/bus/index.ts'
import { openBus } from '../../src/bus-factory/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { testRegistry } from '../kit/test-registry.ts'
import { runConformance } from './run-conformance.ts'

runConformance('sqlite', () => async () => {
  const dir = makeTempDir('localhub-conformance-')
  return {
    open: (options: Partial<Omit<BusOptions, 'transport'>> = {}) =>
      openBus({
        registry: testRegistry(),
        ...options,
        transport: 'sqlite',
        path: join(dir.path, 'events.sqlite'),
        // Short poll so cross-process tests stay fast; synchronous stays at its FULL default.
        transportOptions: { pollIntervalMs: 20 },
      }),
    cleanup: async () => dir.remove(),
  }
})
