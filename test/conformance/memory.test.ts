import type { BusOptions } from '../../src/bus/index.ts'
import { openBus } from '../../src/bus-factory/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { testRegistry } from '../kit/test-registry.ts'
import { runConformance } from './run-conformance.ts'

runConformance('memory', () => async () => ({
  open: (options: Partial<Omit<BusOptions, 'transport'>> = {}) =>
    openBus({ registry: testRegistry(), ...options, transport: 'memory' }),
  requestPersistence: async () => {
    const dir = makeTempDir()
    try {
      return await openBus({ registry: testRegistry(), transport: 'memory', dataDir: dir.path })
    } finally {
      dir.remove()
    }
  },
  cleanup: async () => {},
}))
