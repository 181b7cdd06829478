// Shared conformance, part 2: what the wire does wrong and how the host keeps going — frame_seq
// gaps, broken, oversized and split lines, version and role errors, heartbeats, backpressure.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import fc from 'fast-check'
import { describeEachHost } from './each-host.ts'
import type { Frame } from './frame-driver.ts'

const errorsAfter = (frames: Frame[], from: number) =>
  frames.slice(from).filter((frame) => frame.kind === 'error')

describeEachHost('frame conformance: the wire', ({ start }) => {
  test('a frame_seq gap is reported with expected/got; the frame is still handled and counting goes on', async () => {
    const driver = start()
    await driver.handshake()
    const skipped = driver.lastSentSeq + 3
    const correlationId = driver.send(
      'tool_call',
      { call_id: 'gap-1', name: 'echo', arguments: { text: 'after a gap' } },
      { frameSeq: skipped },
    )
    const error = await driver.waitFor((frame) => frame.kind === 'error' && frame.code === 'frame_seq_gap')
    assert.equal(error.correlation_id, correlationId)
    assert.deepEqual(
      {
        expected: (error.details as Frame['details'] & { expected: number }).expected,
        got: (error.details as { got: number }).got,
      },
      { expected: skipped - 2, got: skipped },
    )
    await driver.waitFor((frame) => frame.kind === 'tool_result' && frame.call_id === 'gap-1')
    const before = driver.frames.length
    assert.deepEqual((await driver.call('echo', { text: 'next' })).envelope.result, { text: 'next' })
    assert.deepEqual(
      errorsAfter(driver.frames, before),
      [],
      'the number after the gap is accepted as the next one',
    )
    assert.deepEqual(driver.violations, [])
  })

  test('invalid JSON, non-objects, unknown kinds and schema errors: error frames with path/expected/got', async () => {
    const driver = start()
    await driver.handshake()
    const cases: [string, string, string][] = [
      ['{"kind": "tool_call", ', 'invalid_frame', ''],
      ['[1, 2]', 'invalid_frame', ''],
      ['['.repeat(300_000) + ']'.repeat(300_000), 'invalid_frame', ''], // deeper than any parser's stack
      [JSON.stringify(driver.frame('no_such_kind', {}, { frameSeq: 0 })), 'invalid_frame', '/kind'],
      [
        JSON.stringify({ ...driver.frame('tool_call', { name: 'echo', arguments: {} }, { frameSeq: 0 }) }),
        'invalid_frame',
        '/call_id',
      ],
      [
        JSON.stringify(
          driver.frame('tool_call', { call_id: 'x', name: 'echo', arguments: 'text' }, { frameSeq: 0 }),
        ),
        'invalid_frame',
        '/arguments',
      ],
    ]
    for (const [line, code, path] of cases) {
      const from = driver.frames.length
      driver.writeLine(line)
      const error = await driver.waitFor((frame) => frame.kind === 'error', {
        from,
        what: `an error for ${line.slice(0, 40)}`,
      })
      assert.equal(error.code, code, line)
      const details = error.details as { path: string; expected: unknown; got: unknown }
      assert.equal(details.path, path, line)
      assert.equal(typeof details.expected, 'string')
      assert.ok(details.got !== undefined)
    }
    // Invalid frames were not accepted: they used no number, so the next one is simply the next.
    const from = driver.frames.length
    assert.deepEqual((await driver.call('echo', { text: 'still fine' })).envelope.result, {
      text: 'still fine',
    })
    assert.deepEqual(errorsAfter(driver.frames, from), [])
    assert.deepEqual(driver.violations, [])
  })

  test('fuzz: 300 generated hostile lines each get one error frame; the host keeps answering', async () => {
    const driver = start()
    await driver.handshake()
    const lines = fc
      .sample(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? 'null'),
          fc.uint8Array({ maxLength: 100 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
        ),
        { numRuns: 300, seed: 1811 },
      )
      .map((line) => line.replace(/[\r\n]/g, ' '))
      .filter((line) => line.trim() !== '')
    const from = driver.frames.length
    driver.child.stdin!.write(`${lines.join('\n')}\n`)
    const answer = await driver.call('echo', { text: 'after the fuzz' }, 30_000)
    assert.deepEqual(answer.envelope.result, { text: 'after the fuzz' })
    const errors = errorsAfter(driver.frames, from)
    assert.equal(errors.length, lines.length, 'one error frame per hostile line')
    for (const error of errors)
      assert.ok(['invalid_frame', 'role_not_allowed'].includes(String(error.code)), String(error.code))
    assert.deepEqual(driver.violations, [])
  })

  test('a frame of a kind the hub may not send is role_not_allowed', async () => {
    const driver = start()
    await driver.handshake()
    const from = driver.frames.length
    driver.writeLine(
      JSON.stringify(driver.frame('user_input', { text: 'hi' }, { frameSeq: driver.lastSentSeq + 1 })),
    )
    const error = await driver.waitFor((frame) => frame.kind === 'error', { from })
    assert.equal(error.code, 'role_not_allowed')
    assert.deepEqual(driver.violations, [])
  })

  test('an oversized line is frame_too_large, discarded; split and batched lines are joined', async () => {
    const driver = start()
    await driver.handshake()
    let from = driver.frames.length
    const huge = JSON.stringify(
      driver.frame(
        'tool_call',
        { call_id: 'huge', name: 'echo', arguments: { text: 'x'.repeat(1024 * 1024) } },
        { frameSeq: 0 },
      ),
    )
    driver.writeLine(huge)
    const tooLarge = await driver.waitFor((frame) => frame.kind === 'error', { from })
    assert.equal(tooLarge.code, 'frame_too_large')
    assert.equal(
      driver.frames.filter((frame) => frame.call_id === 'huge').length,
      0,
      'the oversized call was not run',
    )

    const split = JSON.stringify(
      driver.frame('tool_call', { call_id: 'split', name: 'echo', arguments: { text: 'in pieces 한국어' } }),
    )
    const bytes = Buffer.from(`${split}\n`)
    for (const [begin, end] of [
      [0, 7],
      [7, 60],
      [60, 61],
      [61, bytes.length],
    ]) {
      driver.child.stdin!.write(bytes.subarray(begin, end)) // cuts inside multi-byte characters too
      await sleep(30)
    }
    await driver.waitFor((frame) => frame.kind === 'tool_result' && frame.call_id === 'split')
    const two = [1, 2].map((n) =>
      JSON.stringify(
        driver.frame('tool_call', { call_id: `batch-${n}`, name: 'echo', arguments: { text: `b${n}` } }),
      ),
    )
    driver.child.stdin!.write(`${two.join('\n')}\n`)
    for (const n of [1, 2])
      await driver.waitFor((frame) => frame.kind === 'tool_result' && frame.call_id === `batch-${n}`)
    from = driver.frames.length
    assert.deepEqual((await driver.call('echo', { text: 'ok' })).envelope.result, { text: 'ok' })
    assert.deepEqual(errorsAfter(driver.frames, from), [])
    assert.deepEqual(driver.violations, [])
  })

  test('another protocol version: protocol_mismatch, then the host closes', async () => {
    const driver = start()
    await driver.handshake()
    driver.writeLine(
      JSON.stringify({
        ...driver.frame('tool_call', { call_id: 'v2', name: 'echo', arguments: { text: 'x' } }),
        version: '2.0',
      }),
    )
    const error = await driver.waitFor((frame) => frame.kind === 'error')
    assert.equal(error.code, 'protocol_mismatch')
    const { code } = await driver.exitWithin()
    assert.notEqual(code, 0)
    assert.equal(driver.frames.filter((frame) => frame.call_id === 'v2').length, 0)
    assert.deepEqual(driver.violations, [])
  })

  test('heartbeat: ping gets a pong with its correlation id; heartbeats keep their own counter', async () => {
    const driver = start({ LOCALHUB_HEARTBEAT_MS: '250' })
    await driver.handshake({ heartbeat_interval_ms: 250 })
    await driver.call('echo', { text: 'one numbered frame' })
    const pingId = 'ping-from-driver'
    driver.sendHeartbeat('ping', pingId)
    const pong = await driver.waitFor((frame) => frame.kind === 'heartbeat' && frame.direction === 'pong')
    assert.equal(pong.correlation_id, pingId)
    assert.equal(pong.peer_frame_seq, 2, "the host's last numbered frame (manifest 1, result 2)")
    await driver.waitFor(
      (frame) => frame.kind === 'heartbeat' && frame.direction === 'ping' && frame.frame_seq >= 2,
      { timeoutMs: 3_000 },
    )
    const beats = driver.frames.filter((frame) => frame.kind === 'heartbeat').map((frame) => frame.frame_seq)
    assert.deepEqual(
      beats,
      beats.map((_, index) => index + 1),
      'heartbeats count 1, 2, 3 … on their own',
    )
    const numbered = driver.frames
      .filter((frame) => frame.kind !== 'heartbeat')
      .map((frame) => frame.frame_seq)
    assert.deepEqual(numbered, [1, 2])
    assert.deepEqual(driver.violations, [])
  })

  test('missed heartbeats: a host that hears nothing for 3 intervals exits; one that hears pings stays', async () => {
    // Two separate host processes, so they run side by side: the silent one's life is measured
    // from its own handshake, and the kept one is watched for the same span plus more.
    const silent = start({ LOCALHUB_HEARTBEAT_MS: '200' })
    silent.autoPong = false
    const kept = start({ LOCALHUB_HEARTBEAT_MS: '200' })
    const silentLife = silent.handshake({ heartbeat_interval_ms: 200 }).then(async () => {
      const started = Date.now()
      const { code } = await silent.exitWithin()
      return { code, lived: Date.now() - started }
    })
    silentLife.catch(() => {}) // awaited below; this only keeps an early failure from being unhandled
    await kept.handshake({ heartbeat_interval_ms: 200 })
    const pinger = setInterval(() => kept.sendHeartbeat('ping'), 100)
    try {
      const [{ code, lived }] = await Promise.all([silentLife, sleep(1_500)])
      assert.notEqual(code, 0)
      assert.ok(lived >= 400 && lived < 5_000, `exited after ${lived} ms`)
      assert.equal(kept.hasExited, false, 'still running after 7 intervals of pings')
      assert.deepEqual((await kept.call('echo', { text: 'alive' })).envelope.result, { text: 'alive' })
    } finally {
      clearInterval(pinger)
    }
    assert.deepEqual([...silent.violations, ...kept.violations], [])
  })

  test('backpressure pause from the hub: the host holds frames until resume or retry_after_ms', async () => {
    const driver = start()
    await driver.handshake()
    const pause = {
      source: 'backend_writer',
      queue_depth: 70,
      hwm: 64,
      hud_copy_ko: '잠시',
      hud_copy_en: 'wait',
    }
    driver.send('backpressure', { signal: 'pause', retry_after_ms: 60_000, ...pause })
    const held = driver.call('echo', { text: 'held' })
    await sleep(500)
    assert.equal(
      driver.frames.filter((frame) => frame.kind === 'tool_result').length,
      0,
      'nothing written while paused',
    )
    driver.send('backpressure', { signal: 'resume', ...pause, queue_depth: 0 })
    assert.deepEqual((await held).envelope.result, { text: 'held' })

    driver.send('backpressure', { signal: 'pause', retry_after_ms: 400, ...pause })
    const sent = Date.now()
    const later = await driver.call('echo', { text: 'after retry_after_ms' })
    assert.ok(Date.now() - sent >= 350, 'waited out retry_after_ms')
    assert.deepEqual(later.envelope.result, { text: 'after retry_after_ms' })
    assert.deepEqual(driver.violations, [])
  })

  test('backpressure from the host: pause over its high-water mark, resume once drained', async () => {
    const driver = start()
    await driver.handshake({ high_water_mark: 4 })
    const calls = Array.from({ length: 12 }, (_, n) =>
      driver.call('slow_echo', { text: `n${n}`, delay_ms: 150 }, 30_000),
    )
    const pause = await driver.waitFor((frame) => frame.kind === 'backpressure' && frame.signal === 'pause')
    assert.equal(pause.source, 'tui_reader')
    assert.equal(pause.hwm, 4)
    assert.ok(Number(pause.queue_depth) > 4)
    const results = await Promise.all(calls)
    assert.deepEqual(
      results.map((result) => result.envelope.result),
      Array.from({ length: 12 }, (_, n) => ({ text: `n${n}` })),
    )
    const resume = await driver.waitFor((frame) => frame.kind === 'backpressure' && frame.signal === 'resume')
    assert.ok(Number(resume.queue_depth) <= 2)
    assert.deepEqual(driver.violations, [])
  })
})
