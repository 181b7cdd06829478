import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { freePort, requireNatsServer } from '../../../test/kit/nats-server.ts'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { testRegistry } from '../../../test/kit/test-registry.ts'
import { chooseBus, openChosenBus } from '../../bus-factory/index.ts'
import type { CommandIo } from '../io.ts'
import { run } from './nats.ts'

function io(cwd: string): CommandIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk) => (out += chunk))
  stderr.on('data', (chunk) => (err += chunk))
  const env = { LOCALHUB_NATS_SERVER: requireNatsServer() }
  return { stdin: new PassThrough(), stdout, stderr, env, cwd, out: () => out, err: () => err }
}

test('nats up starts a root and a hub under the data dir; the hub user it writes runs a bus; down stops both', async (t) => {
  const dir = makeTempDir()
  const data = join(dir.path, 'data')
  t.after(async () => {
    await run(['down', '--data', data], io(dir.path))
    dir.remove()
  })
  // Nothing listens there: the hub's leafnode must never reach a server this test did not start.
  const nowhere = `nats-leaf://127.0.0.1:${await freePort()}`
  const root = io(dir.path)
  const rootArgs = ['up', '--role', 'root', '--hubs', 'desk', '--data', data]
  const zeroPorts = ['--port', '0', '--monitor-port', '0']
  assert.equal(await run([...rootArgs, ...zeroPorts, '--leaf-port', '0'], root), 0, root.err())
  assert.match(root.out(), /root: nats-server \d+ is ready at nats:\/\/127\.0\.0\.1:\d+/)
  const hub = io(dir.path)
  const hubArgs = ['up', '--role', 'hub', '--hub-id', 'desk', '--root-leaf-url', nowhere, '--data', data]
  assert.equal(await run([...hubArgs, ...zeroPorts], hub), 0, hub.err())
  const url = /hub-desk: nats-server \d+ is ready at (nats:\/\/127\.0\.0\.1:\d+)/.exec(hub.out())?.[1]
  assert.ok(url, hub.out())
  assert.match(hub.out(), /passwordFile: .*hub\.password/)
  assert.match(
    readFileSync(join(data, 'nats', 'hub-desk.conf'), 'utf8'),
    /store_dir: ".*data\/nats\/hub-desk-store"/,
  )

  // The printed bus section works: the hub user signs in and the bus stores and replays on it.
  const choice = chooseBus({
    section: {
      transport: 'nats',
      servers: [url],
      hubId: 'desk',
      credentials: { user: 'hub', passwordFile: join('nats', 'hub.password') },
    },
    env: {},
    dataDir: data,
  })
  const bus = await openChosenBus(choice, { registry: testRegistry() })
  try {
    await bus.publishUntyped({ type: 'note.added', payload: { n: 1 } })
    const replayed: unknown[] = []
    for await (const event of bus.replay({ filter: 'note.added' })) replayed.push(event.payload)
    assert.deepEqual(replayed, [{ n: 1 }])
  } finally {
    await bus.close()
  }

  const status = io(dir.path)
  assert.equal(await run(['status', '--data', data], status), 0, status.out())
  assert.match(status.out(), /root: running/)
  assert.match(status.out(), /hub-desk: running/)
  const again = io(dir.path)
  assert.equal(await run([...hubArgs, ...zeroPorts], again), 0)
  assert.match(again.out(), /hub-desk already runs/)

  const down = io(dir.path)
  assert.equal(await run(['down', '--data', data], down), 0, down.err())
  assert.match(down.out(), /root: stopped nats-server \d+/)
  assert.match(down.out(), /hub-desk: stopped nats-server \d+/)
  const after = io(dir.path)
  assert.equal(await run(['status', '--data', data], after), 3)
})

test('nats up refuses a port that is taken, and starts nothing', async (t) => {
  const dir = makeTempDir()
  const data = join(dir.path, 'data')
  const taken = createServer()
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  t.after(async () => {
    await run(['down', '--data', data], io(dir.path))
    await new Promise((resolve) => taken.close(resolve))
    dir.remove()
  })
  const port = (taken.address() as { port: number }).port
  const busy = io(dir.path)
  const args = ['up', '--role', 'hub', '--hub-id', 'desk', '--data', data, '--port', String(port)]
  assert.equal(await run([...args, '--monitor-port', '0'], busy), 2)
  assert.match(busy.err(), new RegExp(`--port ${port} cannot be used \\(EADDRINUSE\\)`))
  const status = io(dir.path)
  assert.equal(await run(['status', '--data', data], status), 3)
})
