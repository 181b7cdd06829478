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

  test('a frozen host (SIGSTOP) misses its heartbeats and is killed and restarted', async (t) => {
    const supervisor = start(t, { session: { heartbeatIntervalMs: 100 } })
    await supervisor.started
    const frozen = supervisor.pid!
    process.kill(frozen, 'SIGSTOP')
    await until(
      () =>
        supervisor.pid !== undefined && supervisor.pid !== frozen && supervisor.status().state === 'ready',
      'a new host',
    )
    assert.match(String(supervisor.restarts), /^[1-9]/)
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
})
