import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { chooseBus, openBus, openChosenBus } from '../../src/bus-factory/index.ts'
import { loadRegistry } from '../../src/catalog/index.ts'
import type { Envelope } from '../../src/contracts/index.ts'
import { prepareHubStream } from '../../src/transports/nats/index.ts'
import { exited, REPO_ROOT, runToEnd } from '../kit/child-process.ts'
import { type NatsServerHandle, startNatsServer } from '../kit/nats-server.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { collect } from '../kit/wait-for.ts'

// Decision 1640: `localhub events migrate` killed (SIGKILL) in the middle of a copy of 100 000 events,
// then run again, never stores an event twice — also when the stream's Nats-Msg-Id window has long passed and the
// progress file is gone — and a replay from NATS is identical to the SQLite replay.

/** Issue 23's size for the kept-seq copy ("migrate a 100k-event SQLite log and replay it identically"). */
const FULL_EVENTS = 100_000
/** The appending case needs no such size to show its point. */
const EVENTS = 12_000
const temp = makeTempDir('localhub-migrate-killed-')
let server: NatsServerHandle

before(async () => {
  server = await startNatsServer({ name: 'migrate-killed' })
})
after(async () => {
  await server?.dispose()
  temp.remove()
})

const shape = (event: Envelope) => [event.id, event.seq, event.sessionSeq, event.type, event.payload]

async function sqliteLog(dataDir: string, events: number): Promise<Envelope[]> {
  const bus = await openBus({ transport: 'sqlite', dataDir })
  try {
    for (let start = 0; start < events; start += 500)
      await bus.publishManyUntyped(
        Array.from({ length: 500 }, (_, index) => ({
          type: 'system.boot.completed',
          payload: {
            hubId: 'desk',
            version: `0.0.${start + index}`,
            bootMs: index,
            skills: [],
            degraded: [],
          },
        })),
      )
    return await collect(bus.replay({}))
  } finally {
    await bus.close()
  }
}

const cli = join(REPO_ROOT, 'bin/localhub.js')

/** Starts the copy in a child process and kills it (SIGKILL) once it reports its first progress. */
async function killMidway(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [cli, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk
      if (/copied \d+ of \d+/.test(stderr)) {
        child.kill('SIGKILL')
        resolve()
      }
    })
    child.once('exit', () => reject(new Error(`the copy ended before it could be killed: ${stderr}`)))
  })
  assert.equal(await exited(child), 'SIGKILL')
  return stderr
}

async function replayFrom(dataDir: string, hubId: string): Promise<Envelope[]> {
  const nats = await openChosenBus(chooseBus({ flags: { bus: server.url, hubId }, env: {}, dataDir }), {})
  try {
    return await collect(nats.replay({}))
  } finally {
    await nats.close()
  }
}

test('a 100k-event copy into a new stream killed midway and run again keeps seqs, each event once', async () => {
  const dataDir = join(temp.path, 'desk')
  const expected = (await sqliteLog(dataDir, FULL_EVENTS)).map(shape)
  const args = [
    'events',
    'migrate',
    '--data',
    dataDir,
    '--to',
    server.url,
    '--hub-id',
    'desk',
    '--batch',
    '500',
  ]
  const killedAt = await killMidway(args)
  const partial = await replayFrom(dataDir, 'desk')
  assert.ok(
    partial.length > 0 && partial.length < FULL_EVENTS,
    `killed at ${killedAt.trim()}: ${partial.length} stored`,
  )
  const rerun = await runToEnd(process.execPath, [cli, ...args], { timeoutMs: 150_000 })
  assert.equal(rerun.code, 0, rerun.stderr)
  assert.match(rerun.stdout, /\(resumed\); seqs kept/)
  const again = await runToEnd(process.execPath, [cli, ...args], { timeoutMs: 60_000 })
  assert.match(again.stdout, /^copied 0 events/)
  const replayed = await replayFrom(dataDir, 'desk')
  assert.equal(new Set(replayed.map((event) => event.id)).size, replayed.length, 'no id twice')
  assert.deepEqual(replayed.map(shape), expected)
  // Replaying again gives the same answer.
  assert.deepEqual((await replayFrom(dataDir, 'desk')).map(shape), expected)
})

test('an appending copy killed midway resumes from the stream, past the duplicate window, without its progress file', async () => {
  const dataDir = join(temp.path, 'laptop')
  const source = await sqliteLog(dataDir, EVENTS)
  // A stream that already holds events and forgets message ids after 100 ms.
  const connection = await connect({ servers: server.url })
  await prepareHubStream(connection, 'laptop', loadRegistry(), 60_000, 100)
  const manager = await jetstreamManager(connection)
  assert.equal((await manager.streams.info('LH_laptop')).config.duplicate_window, 100 * 1e6)
  await connection.close()
  const hub = await openChosenBus(
    chooseBus({ flags: { bus: server.url, hubId: 'laptop' }, env: {}, dataDir }),
    {},
  )
  await hub.publishManyUntyped(
    Array.from({ length: 7 }, (_, n) => ({
      type: 'system.boot.completed',
      payload: { hubId: 'laptop', version: `9.9.${n}`, bootMs: n, skills: [], degraded: [] },
    })),
  )
  await hub.close()
  const args = [
    'events',
    'migrate',
    '--data',
    dataDir,
    '--to',
    server.url,
    '--hub-id',
    'laptop',
    '--batch',
    '200',
  ]
  await killMidway(args)
  rmSync(join(dataDir, 'nats', 'migrate-laptop.json'))
  await new Promise((resolve) => setTimeout(resolve, 500))
  const rerun = await runToEnd(process.execPath, [cli, ...args], { timeoutMs: 120_000 })
  assert.equal(rerun.code, 0, rerun.stderr)
  assert.match(rerun.stdout, /\(resumed\); appended with new seqs/)
  const replayed = await replayFrom(dataDir, 'laptop')
  assert.equal(replayed.length, 7 + EVENTS)
  assert.deepEqual(
    replayed.slice(7).map((event) => [event.id, event.seq, event.payload]),
    source.map((event, index) => [event.id, index + 8, event.payload]),
  )
})
