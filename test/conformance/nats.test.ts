import { after, before } from 'node:test'
import type { BusOptions } from '../../src/bus/index.ts'
import { openBus } from '../../src/bus-factory/index.ts'
import { accountPool, isolatedAccounts, type NatsServerHandle, startNatsServer } from '../kit/nats-server.ts'
import { testRegistry } from '../kit/test-registry.ts'
import { runConformance } from './run-conformance.ts'

// The same suite as memory and SQLite, against a real nats-server with JetStream (file storage).
// One server for the file; each target gets its own account, so every test has a fresh `hub.local`
// stream, and a reopen on the same account is a restart on the same store.
const ACCOUNTS = 64
let server: NatsServerHandle | undefined
const nextAccount = accountPool(ACCOUNTS)

before(async () => {
  server = await startNatsServer({ name: 'conformance', extra: isolatedAccounts(ACCOUNTS) })
})
after(async () => {
  await server?.dispose()
})

runConformance('nats', () => async () => {
  const account = nextAccount()
  const registry = testRegistry()
  return {
    open: (options: Partial<Omit<BusOptions, 'transport'>> = {}) =>
      openBus({
        registry,
        ...options,
        transport: 'nats',
        transportOptions: { servers: server!.url, ...account, registry, publishRetryMs: 5000 },
      }),
    cleanup: async () => {},
  }
})
