// Shared conformance, part 3: resume after a dropped connection. Over stdio a dropped pipe means
// the host process is gone, so each host is run over a loopback connection it dials again
// (HostCommand.overTcp); a host without such a variant is skipped and says so.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { after, describe, test } from 'node:test'
import { REPO_ROOT } from '../../kit/child-process.ts'
import { FrameDriver } from './frame-driver.ts'
import { HOST_COMMANDS } from './host-commands.ts'

for (const host of HOST_COMMANDS) {
  const variant = host.overTcp
  const skip =
    variant === undefined
      ? `the ${host.name} host has no reconnecting variant (HostCommand.overTcp) yet`
      : existsSync(`${REPO_ROOT}${variant.requires}`)
        ? undefined
        : `${variant.requires} does not exist yet`
  describe(`frame conformance: resume [${host.name} host]`, { skip }, () => {
    const start = async () => {
      const driver = await FrameDriver.overTcp(variant!.command, variant!.args, host.env)
      after(() => driver.stop())
      await driver.handshake()
      return driver
    }
    const onConnection = (driver: FrameDriver, connection: number) =>
      driver.frames.filter(
        (_, index) => driver.connectionOf[index] === connection && driver.frames[index]!.kind !== 'heartbeat',
      )

    test('frames still buffered: resume_request, then the frames the hub missed again, unchanged, then new ones', async () => {
      const driver = await start()
      for (const text of ['a', 'b', 'c']) await driver.call('echo', { text }) // host frames 2, 3, 4
      // A call in flight across the drop: its result is made while the connection is down.
      driver.send('tool_call', {
        call_id: 'across',
        name: 'slow_echo',
        arguments: { text: 'across', delay_ms: 300 },
      })
      driver.drop()
      const request = await driver.waitFor((frame) => frame.kind === 'resume_request', {
        what: 'resume_request',
      })
      assert.equal(request.frame_seq, 0)
      assert.equal(request.last_seen_frame_seq, driver.lastSentSeq)
      assert.equal(request.tui_session_token, 'conformance-token')
      // The hub says it got the host's frames up to 2: 3 and 4 must come again, byte for byte.
      driver.send(
        'resume_response',
        {
          resumed_from_frame_seq: 2,
          replay_count: 0,
          server_session_id: FrameDriver.sessionId,
          heartbeat_interval_ms: 60_000,
          trailer: { final: true },
        },
        { frameSeq: 0, correlationId: request.correlation_id },
      )
      await driver.waitFor((frame) => frame.kind === 'tool_result' && frame.frame_seq === 4, {
        from: driver.frames.indexOf(request) + 1,
      })
      const second = onConnection(driver, 2)
      assert.deepEqual(
        second.map((frame) => frame.frame_seq),
        [0, 3, 4],
      )
      const firstLine = (seq: number) =>
        driver.lines[
          driver.frames.findIndex(
            (frame, index) =>
              driver.connectionOf[index] === 1 && frame.frame_seq === seq && frame.kind !== 'heartbeat',
          )
        ]
      const secondLine = (seq: number) =>
        driver.lines[
          driver.frames.findIndex(
            (frame, index) =>
              driver.connectionOf[index] === 2 && frame.frame_seq === seq && frame.kind !== 'heartbeat',
          )
        ]
      assert.equal(secondLine(3), firstLine(3))
      assert.equal(secondLine(4), firstLine(4))
      const across = await driver.waitFor(
        (frame) => frame.kind === 'tool_result' && frame.call_id === 'across',
      )
      assert.equal(across.frame_seq, 5, 'held while resuming, then numbered after the replay')
      const next = await driver.call('echo', { text: 'after the resume' })
      assert.deepEqual(next.envelope.result, { text: 'after the resume' })
      assert.deepEqual(
        onConnection(driver, 2).map((frame) => frame.frame_seq),
        [0, 3, 4, 5, 6],
      )
      assert.deepEqual(driver.violations, [])
    })

    test('frames gone: resume_rejected (ring_evicted) starts a new session from frame_seq 1', async () => {
      const driver = await start()
      await driver.call('echo', { text: 'a' })
      driver.drop()
      const request = await driver.waitFor((frame) => frame.kind === 'resume_request', {
        what: 'resume_request',
      })
      driver.send(
        'resume_rejected',
        {
          reason: 'ring_evicted',
          detail: 'the hub no longer holds frames after 1',
          trailer: { final: true },
        },
        { frameSeq: 0, correlationId: request.correlation_id },
      )
      const fresh = await driver.waitFor((frame) => frame.kind === 'adapter_manifest_sync', {
        from: driver.frames.indexOf(request) + 1,
      })
      assert.equal(fresh.frame_seq, 1)
      driver.restartNumbering()
      await driver.handshake()
      assert.deepEqual((await driver.call('echo', { text: 'new session' })).envelope.result, {
        text: 'new session',
      })
      assert.deepEqual(driver.violations, [])
    })

    test('frames the host no longer holds (over its ring of 256): the host starts a new session', async () => {
      const driver = await start()
      for (let n = 0; n < 300; n++) await driver.call('echo', { text: String(n) })
      driver.drop()
      const request = await driver.waitFor((frame) => frame.kind === 'resume_request', {
        what: 'resume_request',
      })
      driver.send(
        'resume_response',
        {
          resumed_from_frame_seq: 1,
          replay_count: 0,
          server_session_id: FrameDriver.sessionId,
          heartbeat_interval_ms: 60_000,
        },
        { frameSeq: 0, correlationId: request.correlation_id },
      )
      const fresh = await driver.waitFor((frame) => frame.kind === 'adapter_manifest_sync', {
        from: driver.frames.indexOf(request) + 1,
      })
      assert.equal(fresh.frame_seq, 1)
      assert.equal(
        onConnection(driver, 2).filter((frame) => frame.kind === 'tool_result').length,
        0,
        'nothing half-replayed',
      )
      assert.deepEqual(driver.violations, [])
    })
  })
}
