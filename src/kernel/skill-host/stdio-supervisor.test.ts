import assert from 'node:assert/strict'
import { resolve } from 'node:path'
import { describe, test } from 'node:test'
import { createFrameValidator } from '../../frames/index.ts'
import type { ConnectionPorts } from './frame-connection.ts'
import {
  type StdioSupervisor,
  type StdioSupervisorOptions,
  startStdioSupervisor,
} from './stdio-supervisor.ts'

const ROOT = resolve(import.meta.dirname, '../../..')
const FIXTURE = resolve(ROOT, 'test/fixtures/skills/frames-fixture-host.ts')

const ports: ConnectionPorts = {
  publish: async () => undefined,
  permission: async () => ({ decision: 'denied', receiptId: null }),
  revokeConsent: async () => ({ ok: false, revokedAt: null, recordHash: null, error: 'not_found' }),
}

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined }

function start(
  t: { after(fn: () => Promise<void>): void },
  options: Partial<StdioSupervisorOptions> = {},
): StdioSupervisor {
  const supervisor = startStdioSupervisor({
    skillId: 'skill.fixture',
    command: process.execPath,
    args: ['--import', 'tsx', FIXTURE],
    cwd: ROOT,
    env: process.env,
    subscriptions: [],
    validator: createFrameValidator(),
    ports,
    logger,
    restartBaseMs: 20,
    ...options,
  })
  t.after(() => supervisor.close())
  return supervisor
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((done) => setTimeout(done, 20))
  }
}

type Stop = Parameters<NonNullable<StdioSupervisorOptions['onStopped']>>[0]

/** A host that is a few lines of JavaScript run by this node. */
function script(source: string): Partial<StdioSupervisorOptions> {
  return { command: process.execPath, args: ['-e', source] }
}

describe('stdio supervisor with a real host process', () => {
  test('a host that stops reading: frames wait in a bounded queue, then calls fail E_RESOURCE_LIMIT; after a kill they fail E_DEPENDENCY_UNAVAILABLE and a restarted host answers', async (t) => {
    const supervisor = start(t, { session: { maxQueuedFrames: 4 } })
    await supervisor.started
    assert.equal(supervisor.status().state, 'ready')
    await supervisor.call('stop_reading', {})
    const text = 'y'.repeat(32 * 1024)
    const pending: Promise<unknown>[] = []
    let refused: unknown
    for (let index = 0; index < 80 && refused === undefined; index++) {
      const call = supervisor.call('echo', { text })
      call.catch(() => undefined)
      pending.push(call)
      // A refused send rejects at once; give it a turn to show.
      await new Promise((done) => setImmediate(done))
      await Promise.race([
        call.catch((error) => (refused = error)),
        new Promise((done) => setTimeout(done, 10)),
      ])
    }
    assert.equal((refused as { code?: string } | undefined)?.code, 'E_RESOURCE_LIMIT', 'the queue is bounded')
    // The pipe and the host's read buffer (64 KiB each) and the hub's write buffer (256 KiB) took a
    // few 32 KiB calls, the queue four more; then sends were refused instead of holding more.
    assert.ok(pending.length > 4 && pending.length < 40, `refused after ${pending.length} calls`)
    const firstPid = supervisor.pid!
    process.kill(firstPid, 'SIGKILL')
    const outcomes = await Promise.allSettled(pending.slice(0, -1))
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected')
      assert.equal((outcome.reason as { code: string }).code, 'E_DEPENDENCY_UNAVAILABLE')
    }
    await until(() => supervisor.status().state === 'ready', 'the restart')
    assert.notEqual(supervisor.pid, firstPid)
    assert.equal(supervisor.restarts, 1)
    assert.deepEqual(await supervisor.call('echo', { text: 'back' }), { text: 'back\n' })
  })

  test('a frozen host (SIGSTOP) misses its heartbeats and is killed and restarted; the reason says so', async (t) => {
    const stops: Stop[] = []
    const readyPids: number[] = []
    const supervisor = start(t, {
      session: { heartbeatIntervalMs: 100 },
      onStopped: (info) => stops.push(info),
      onReady: (info) => readyPids.push(info.pid),
    })
    await supervisor.started
    const frozen = supervisor.pid!
    assert.deepEqual(readyPids, [frozen], 'skill.started gets the pid of the host')
    process.kill(frozen, 'SIGSTOP')
    await until(
      () =>
        supervisor.pid !== undefined && supervisor.pid !== frozen && supervisor.status().state === 'ready',
      'a new host',
    )
    assert.match(String(supervisor.restarts), /^[1-9]/)
    assert.match(
      stops[0]?.reason ?? '',
      /^the host was stopped by the hub: it missed its heartbeats; restarting in/,
    )
    assert.equal(readyPids.at(-1), supervisor.pid)
  })

  test('a command that does not exist is restarted with growing delays and reported degraded with the reason', async (t) => {
    const supervisor = start(t, { command: '/nonexistent/skill-host', restartBaseMs: 30 })
    await supervisor.started
    const status = supervisor.status()
    assert.equal(status.state, 'degraded')
    assert.match(status.reason ?? '', /ENOENT|restarting in 30 ms/)
    await until(() => supervisor.restarts >= 3, 'three restarts')
    assert.match(supervisor.status().reason ?? '', /restarting in (120|240|480) ms/)
    await assert.rejects(supervisor.call('echo', {}), { code: 'E_DEPENDENCY_UNAVAILABLE' })
  })

  test('entries in any order are accepted when the hash is over them sorted by tool_id (decision 1830)', async (t) => {
    const supervisor = start(t, { env: { ...process.env, FRAMES_FIXTURE_REVERSED: '1' } })
    await supervisor.started
    assert.equal(supervisor.status().state, 'ready', supervisor.status().reason)
    const ids = supervisor.tools().map((tool) => tool.toolId)
    assert.ok(ids.length > 1)
    assert.notDeepEqual(ids, [...ids].sort(), 'the host really sent them unsorted')
    assert.equal(((await supervisor.call('echo', { text: 'x' })) as { text: string }).text.trim(), 'x')
  })

  test('a manifest_hash that does not match its entries: unavailable with the reason, never restarted', async (t) => {
    const supervisor = start(t, { env: { ...process.env, FRAMES_FIXTURE_BAD_HASH: '1' } })
    await supervisor.started
    const status = supervisor.status()
    assert.equal(status.state, 'unavailable')
    assert.match(status.reason ?? '', /manifest_hash_mismatch/)
    await new Promise((done) => setTimeout(done, 300))
    assert.equal(supervisor.restarts, 0)
    assert.equal(supervisor.pid, undefined)
    await assert.rejects(supervisor.call('echo', {}), { code: 'E_DEPENDENCY_UNAVAILABLE' })
  })

  test('a host that exits at once: never ready; each stop tells the restart it schedules (1, 2, 3), the delay really waited and its stderr', async (t) => {
    const stops: (Stop & { at: number })[] = []
    let readies = 0
    const supervisor = start(t, {
      ...script(`process.stderr.write('cannot start: no config\\n'); process.exit(2)`),
      restartBaseMs: 40,
      onStopped: (info) => stops.push({ ...info, at: performance.now() }),
      onReady: () => readies++,
    })
    await supervisor.started
    await until(() => stops.length >= 3, 'three stops')
    assert.deepEqual(
      stops.slice(0, 3).map((stop) => [stop.restarts, stop.willRestart, stop.nextRestartInMs]),
      [
        [1, true, 40],
        [2, true, 80],
        [3, true, 160],
      ],
    )
    for (const stop of stops.slice(0, 3)) {
      assert.match(
        stop.reason,
        /^the host exited with code 2 \(stderr: cannot start: no config\); restarting in \d+ ms$/,
      )
      assert.ok(stop.reason.endsWith(`restarting in ${stop.nextRestartInMs} ms`))
    }
    assert.ok(stops[1]!.at - stops[0]!.at >= 40, 'the delay told is the delay waited')
    assert.equal(readies, 0, 'never ready: no skill.started')
  })

  test('starting again after a stop, the health says how the last host stopped', async (t) => {
    const supervisor = start(t, {
      ...script(`setTimeout(() => { process.stderr.write('gave up\\n'); process.exit(3) }, 150)`),
      restartBaseMs: 20,
    })
    assert.deepEqual(supervisor.status(), { state: 'degraded', reason: 'starting its host' })
    await supervisor.started
    await until(() => /^starting/.test(supervisor.status().reason ?? ''), 'the second start')
    assert.equal(
      supervisor.status().reason,
      'starting its host again (the last one exited with code 3 (stderr: gave up))',
    )
  })

  test('a host that writes what is not a frame: the health quotes it at once; at startTimeoutMs it is stopped with a reason that says both', async (t) => {
    const stops: Stop[] = []
    const supervisor = start(t, {
      ...script(`setInterval(() => console.log('hello I am not a frame'), 10)`),
      startTimeoutMs: 400,
      restartBaseMs: 10_000,
      onStopped: (info) => stops.push(info),
    })
    await until(() => /not a frame/.test(supervisor.status().reason ?? ''), 'the health naming the line')
    assert.equal(supervisor.status().state, 'degraded')
    assert.match(
      supervisor.status().reason ?? '',
      /^starting its host; it wrote on stdout what is not a frame \(invalid_frame: not JSON: .*\): "hello I am not a frame"$/,
    )
    await supervisor.started
    assert.equal(stops.length, 1)
    assert.match(
      stops[0]!.reason,
      /^the host was stopped by the hub: it did not send its manifest \(adapter_manifest_sync\) within 400 ms; it wrote on stdout what is not a frame \(.*\): "hello I am not a frame"; restarting in 10000 ms$/,
    )
    assert.deepEqual(
      [stops[0]!.restarts, stops[0]!.willRestart, stops[0]!.nextRestartInMs],
      [1, true, 10_000],
    )
  })

  test('a host that writes nothing: stopped at startTimeoutMs, the reason says it sent no manifest in time', async (t) => {
    const stops: Stop[] = []
    const supervisor = start(t, {
      ...script('setInterval(() => undefined, 1000)'),
      startTimeoutMs: 200,
      restartBaseMs: 10_000,
      onStopped: (info) => stops.push(info),
    })
    await supervisor.started
    assert.equal(
      stops[0]?.reason,
      'the host was stopped by the hub: it did not send its manifest (adapter_manifest_sync) within 200 ms; restarting in 10000 ms',
    )
  })
})
