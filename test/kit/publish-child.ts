// Child process for crash tests: publishes without end to the SQLite log at argv[2] and prints
// each receipt as one JSON line the moment its publish resolves.
import { openBus } from '../../src/bus-factory/index.ts'
import { testRegistry } from './test-registry.ts'

const path = process.argv[2]!
const bus = await openBus({ transport: 'sqlite', path, registry: testRegistry() })
process.stdout.write('ready\n')
let n = 0
for (;;) {
  // Concurrent publishes and a batch, so group commits carry many events.
  const singles = Array.from({ length: 20 }, () =>
    bus
      .publishUntyped({ type: 'note.added', payload: { n: n++ }, sessionId: `s${n % 3}` })
      .then((receipt) => {
        process.stdout.write(`${JSON.stringify(receipt)}\n`)
      }),
  )
  const batch = bus.publishManyUntyped(
    Array.from({ length: 50 }, () => ({ type: 'chat.message', payload: { n: n++ }, sessionId: 's1' })),
  )
  await Promise.all(singles)
  for (const outcome of await batch) if (outcome.ok) process.stdout.write(`${JSON.stringify(outcome.data)}\n`)
}
