// Shared conformance, part 1: start-up, every example tool, payloads, events, permissions, crashes.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { test } from 'node:test'
import { REPO_ROOT } from '../../kit/child-process.ts'
import { describeEachHost } from './each-host.ts'
import { canonicalJson, FrameDriver, sha256 } from './frame-driver.ts'

const TOOLS = ['ask', 'big', 'crash', 'echo', 'publish', 'seen', 'slow_echo']

describeEachHost('frame conformance: start-up and calls', ({ start, startInvalid, host }) => {
  test('sends adapter_manifest_sync first, with a manifest_hash over the canonical entries', async () => {
    const driver = start()
    const manifest = await driver.handshake()
    assert.equal(driver.frames[0], manifest, 'the first frame is the manifest')
    assert.equal(manifest.frame_seq, 1)
    const entries = manifest.entries as Record<string, unknown>[]
    // Sent sorted by tool_id (seed 002 I3, decision 1830): TOOLS is in that order.
    assert.deepEqual(
      entries.map((entry) => entry.tool_id),
      TOOLS,
    )
    for (const entry of entries) {
      assert.match(String(entry.tool_id), /^[a-z][a-z0-9_]*$/)
      assert.equal(entry.source_mode, 'internal')
      assert.equal(typeof entry.llm_description, 'string')
      assert.equal((entry.input_schema_json as { type?: string }).type, 'object')
    }
    assert.equal(manifest.manifest_hash, sha256(canonicalJson(entries)))
    assert.equal(manifest.emitter_pid, driver.child.pid)
    assert.deepEqual(driver.violations, [])
  })

  test('an invalid manifest: an invalid_manifest error frame, then exit code 78', async (t) => {
    if (!existsSync(`${REPO_ROOT}${host.invalidManifest.requires}`)) {
      t.skip(`${host.invalidManifest.requires} does not exist yet`)
      return
    }
    const driver = startInvalid()
    const { code } = await driver.exitWithin(30_000)
    assert.equal(code, 78)
    assert.equal(driver.frames.length, 1, 'nothing but the error frame')
    const error = driver.frames[0]!
    assert.equal(error.kind, 'error')
    assert.equal(error.code, 'invalid_manifest')
    const details = error.details as Record<string, unknown>
    assert.match(String(details.path), /tool_id/)
    assert.deepEqual(driver.violations, [])
  })

  test('echo and slow_echo answer with the text; calls run side by side', async () => {
    const driver = start()
    await driver.handshake()
    const text = 'héllo 😀 \u2028 "quoted" \\ 한국어'
    const echoed = await driver.call('echo', { text })
    assert.deepEqual(echoed.envelope, { kind: echoed.envelope.kind, ok: true, result: { text } })
    const started = Date.now()
    const [slow, fast] = await Promise.all([
      driver.call('slow_echo', { text: 'slow', delay_ms: 400 }),
      driver.call('echo', { text: 'fast' }),
    ])
    assert.ok(Date.now() - started >= 350, 'slow_echo waited')
    assert.deepEqual(slow.envelope.result, { text: 'slow' })
    assert.deepEqual(fast.envelope.result, { text: 'fast' })
    const results = driver.frames.filter((frame) => frame.kind === 'tool_result')
    assert.equal(
      results.at(-1)!.call_id,
      results.find((f) => (f.envelope as { result?: { text?: string } }).result?.text === 'slow')!.call_id,
      'the slow call finished last',
    )
    for (const result of results) assert.deepEqual(result.trailer, { final: true })
    assert.deepEqual(driver.violations, [])
  })

  test('big: payload frames joined, sha256 trailer and delta_count checked, every line within 1 MiB', async () => {
    const driver = start()
    await driver.handshake()
    const small = await driver.call('big', { bytes: 5 })
    assert.equal(JSON.parse(small.payloadText!), 'xxxxx')
    const size = 3 * 1024 * 1024 + 17
    const large = await driver.call('big', { bytes: size }, 30_000)
    assert.equal(large.envelope.ok, true)
    assert.equal(large.envelope.result_ref, 'payload')
    const value = JSON.parse(large.payloadText!) as string
    assert.equal(value.length, size)
    assert.ok(/^x+$/.test(value))
    const deltas = driver.frames.filter((frame) => frame.kind === 'payload_delta')
    assert.ok(deltas.length > 3, `a 3 MiB result goes in several deltas (got ${deltas.length})`)
    const seqs = driver.frames.filter((frame) => frame.kind !== 'heartbeat').map((frame) => frame.frame_seq)
    assert.deepEqual(
      seqs,
      seqs.map((_, index) => index + 1),
      'frame_seq is 1, 2, 3 … with no gap',
    )
    assert.deepEqual(driver.violations, [])
  })

  test('unknown tool: an unknown_tool error frame with the call’s correlation id; the host goes on', async () => {
    const driver = start()
    await driver.handshake()
    const correlationId = driver.send('tool_call', { call_id: 'nope-1', name: 'no_such_tool', arguments: {} })
    const error = await driver.waitFor(
      (frame) => frame.kind === 'error' && frame.correlation_id === correlationId,
    )
    assert.equal(error.code, 'unknown_tool')
    assert.deepEqual((await driver.call('echo', { text: 'still here' })).envelope.result, {
      text: 'still here',
    })
    assert.deepEqual(driver.violations, [])
  })

  test('ask: permission_request, then the decision the hub gives', async () => {
    const driver = start()
    await driver.handshake()
    for (const decision of ['allow_once', 'denied']) {
      const from = driver.frames.length
      const outcome = driver.call('ask', { description: `send the report (${decision})` })
      const request = await driver.waitFor((frame) => frame.kind === 'permission_request', { from })
      assert.equal(request.worker_id, FrameDriver.skillId)
      assert.equal(request.description_en, `send the report (${decision})`)
      assert.equal(request.tool_id, 'ask')
      assert.ok(['low', 'medium', 'high'].includes(String(request.risk_level)))
      driver.send(
        'permission_response',
        { request_id: request.request_id, decision, receipt_id: `apr-${decision}` },
        { correlationId: request.correlation_id },
      )
      assert.deepEqual((await outcome).envelope.result, { decision })
    }
    assert.deepEqual(driver.violations, [])
  })

  test('publish goes out as notification_push "publish" before the result; pushed events are seen', async () => {
    const driver = start()
    await driver.handshake()
    const published = await driver.call('publish', { type: 'note.created', payload: { text: 'hi' } })
    const guid = (published.envelope.result as { event_guid: string }).event_guid
    const push = driver.frames.find((frame) => frame.kind === 'notification_push')!
    assert.equal(push.subscription_id, 'publish')
    assert.equal(push.adapter_id, FrameDriver.skillId)
    assert.equal(push.event_guid, guid)
    assert.equal(push.payload_content_type, 'application/json')
    assert.deepEqual(JSON.parse(String(push.payload)), { type: 'note.created', payload: { text: 'hi' } })
    const result = driver.frames.find((frame) => frame.kind === 'tool_result')!
    assert.ok(push.frame_seq < result.frame_seq, 'the push is written before the result')

    for (const id of ['evt-1', 'evt-2']) {
      const envelope = { id, type: 'note.created', version: 1, payload: { text: id } }
      driver.send('notification_push', {
        subscription_id: 'note.>',
        adapter_id: FrameDriver.skillId,
        event_guid: id,
        payload_content_type: 'application/json',
        payload: JSON.stringify(envelope),
      })
    }
    assert.deepEqual((await driver.call('seen', {})).envelope.result, { event_guids: ['evt-1', 'evt-2'] })
    assert.deepEqual(driver.violations, [])
  })

  test('crash: the process exits 1 mid-call and the call gets no result', async () => {
    const driver = start()
    await driver.handshake()
    await assert.rejects(
      driver.call('crash', {}),
      (error: Error & { code?: string }) => error.code === 'E_DEPENDENCY_UNAVAILABLE',
    )
    assert.equal((await driver.exitWithin()).code, 1)
    assert.equal(driver.frames.filter((frame) => frame.kind === 'tool_result').length, 0)
    assert.deepEqual(driver.violations, [])
  })

  test('kill -9 mid-payload: nothing half-delivered reaches the driver', async () => {
    const driver = start()
    await driver.handshake()
    const outcome = driver.call('big', { bytes: 40 * 1024 * 1024 }, 60_000)
    await driver.waitFor((frame) => frame.kind === 'payload_delta', { timeoutMs: 30_000 })
    driver.child.kill('SIGKILL')
    await assert.rejects(
      outcome,
      (error: Error & { code?: string }) => error.code === 'E_DEPENDENCY_UNAVAILABLE',
    )
    assert.equal((await driver.exitWithin()).signal, 'SIGKILL')
    assert.equal(driver.payloads.size, 0, 'no payload was delivered')
    assert.equal(
      driver.frames.filter((frame) => frame.kind === 'payload_end' || frame.kind === 'tool_result').length,
      0,
    )
    assert.deepEqual(driver.violations, [], 'a line cut by the kill is dropped, not parsed')
  })
})
