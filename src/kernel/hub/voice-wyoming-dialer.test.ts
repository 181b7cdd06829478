// The dialler of satellites that wait to be called (decision 1561), without a voice turn: the waits
// between dials double up to the maximum, a connection that lasted resets them, describe and
// run-satellite open each connection, and close stops the redialling.
import assert from 'node:assert/strict'
import { createServer, type Socket } from 'node:net'
import { test } from 'node:test'
import type { Pipeline } from '../../manifest/index.ts'
import { WyomingReader } from '../../wyoming/index.ts'
import type { PipelineRunner } from '../pipeline/index.ts'
import { WyomingDialer } from './voice-wyoming-dialer.ts'

// Nothing here starts a turn: the runner is never called.
const CONNECTION = {
  runner: {} as PipelineRunner,
  pipeline: { id: 'pipeline.voice.turn', steps: [{ recv: 'voice.chunk' }] } as unknown as Pipeline,
  info: {},
}

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()))
  const port = (probe.address() as { port: number }).port
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

// The dialler's retry timers do not hold the process open (the hub's server does): a test must.
function keepAlive(t: { after(fn: () => void): void }) {
  const timer = setInterval(() => undefined, 1000)
  t.after(() => clearInterval(timer))
}

test('failed dials wait longer each time, up to the maximum, and close stops them', async (t) => {
  keepAlive(t)
  const port = await freePort()
  const waits: number[] = []
  const reasons: string[] = []
  let done: () => void = () => undefined
  const enough = new Promise<void>((resolve) => {
    done = resolve
  })
  const dialer = new WyomingDialer([{ name: 'garage', host: '127.0.0.1', port }], {
    connection: CONNECTION,
    minBackoffMs: 10,
    maxBackoffMs: 40,
    onDisconnect: (name, reason, retryInMs) => {
      assert.equal(name, 'garage')
      reasons.push(reason)
      waits.push(retryInMs)
      if (waits.length === 5) done()
    },
  })
  await enough
  dialer.close()
  assert.deepEqual(waits, [10, 20, 40, 40, 40])
  assert.ok(
    reasons.every((reason) => reason === 'ECONNREFUSED'),
    reasons.join(),
  )
  assert.deepEqual(dialer.states(), [
    { name: 'garage', host: '127.0.0.1', port, connected: false, failures: 5 },
  ])
  const after = waits.length
  await new Promise((resolve) => setTimeout(resolve, 150))
  assert.ok(waits.length <= after + 1, 'close stopped the redialling')
})

test('each connection starts with describe and run-satellite; one that lasted resets the backoff', async (t) => {
  keepAlive(t)
  const sockets: Socket[] = []
  const firstEvents: string[][] = []
  const server = createServer((socket) => {
    sockets.push(socket)
    const reader = new WyomingReader()
    const types: string[] = []
    firstEvents.push(types)
    socket.on('data', (chunk: Buffer) => types.push(...reader.push(chunk).map((event) => event.type)))
    socket.on('error', () => undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const port = (server.address() as { port: number }).port
  const waits: number[] = []
  const connected: string[] = []
  const dialer = new WyomingDialer([{ name: 'kitchen', host: '127.0.0.1', port }], {
    connection: CONNECTION,
    minBackoffMs: 10,
    maxBackoffMs: 1000,
    healthyAfterMs: 100,
    onConnect: (name) => connected.push(name),
    onDisconnect: (_name, _reason, retryInMs) => waits.push(retryInMs),
  })
  t.after(() => dialer.close())
  const until = async (condition: () => boolean) => {
    for (let tries = 0; !condition(); tries++) {
      if (tries > 200) throw new Error('timed out')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
  // Dropped at once, three times: the waits grow.
  for (let drop = 0; drop < 3; drop++) {
    await until(() => sockets.length > drop && (firstEvents[drop]?.length ?? 0) >= 2)
    sockets[drop]!.destroy()
  }
  await until(() => waits.length === 3)
  assert.deepEqual(waits, [10, 20, 40])
  // Kept longer than healthyAfterMs: the next loss waits the first wait again.
  await until(() => sockets.length > 3 && (firstEvents[3]?.length ?? 0) >= 2)
  assert.equal(dialer.states()[0]!.connected, true)
  await new Promise((resolve) => setTimeout(resolve, 150))
  sockets[3]!.destroy()
  await until(() => waits.length === 4)
  assert.equal(waits[3], 10)
  for (const types of firstEvents) assert.deepEqual(types.slice(0, 2), ['describe', 'run-satellite'])
  assert.equal(connected.length, 4)
})
