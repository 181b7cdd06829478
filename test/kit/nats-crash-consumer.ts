// Child process for the NATS consumer's crash test: subscribes durably to note.added on hub
// argv[3] at server argv[2], prints `<seq>:<attempt>` for each delivery, and on the fifth event
// leaves its handler unfinished and exits hard 200 ms later — time enough for any ack that was
// (wrongly) sent before the handler finished to reach the server.
import { openBus } from '../../src/bus-factory/index.ts'
import { testRegistry } from './test-registry.ts'

const [servers, hubId] = process.argv.slice(2) as [string, string]
const registry = testRegistry()
const bus = await openBus({ registry, hubId, transport: 'nats', transportOptions: { servers, registry } })
await bus.subscribe(
  'note.added',
  (event, context) => {
    process.stdout.write(`${event.seq}:${context.attempt}\n`)
    if (event.seq !== 5) return
    setTimeout(() => process.exit(1), 200)
    return new Promise<void>(() => {})
  },
  // The server redelivers 300 ms after a delivery nobody acknowledged (BackOff[0] = ackWait + 0).
  { durable: 'fragile', from: 'first', ackWaitMs: 300, backoffMs: [0] },
)
