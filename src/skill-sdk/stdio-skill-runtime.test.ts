import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { describe, test } from 'node:test'
import { manifestHash, sha256Hex } from '../frames/index.ts'
import { defineStdioSkill, defineTool } from './define.ts'
import { manifestProblems } from './manifest-entries.ts'
import { EXIT_INVALID_MANIFEST, runStdioSkill } from './stdio-skill-runtime.ts'

type Wire = Record<string, unknown> & { kind: string; frame_seq: number; correlation_id: string }

/** A hub played by the test: writes frames to the skill, records what the skill writes. */
function harness(definition: Parameters<typeof runStdioSkill>[0]) {
  const toSkill = new PassThrough()
  const fromSkill = new PassThrough()
  const written: Wire[] = []
  let text = ''
  fromSkill.on('data', (chunk: Buffer) => {
    text += chunk.toString()
    let newline = text.indexOf('\n')
    while (newline !== -1) {
      written.push(JSON.parse(text.slice(0, newline)))
      text = text.slice(newline + 1)
      newline = text.indexOf('\n')
    }
  })
  const exits: number[] = []
  const logs: string[] = []
  const running = runStdioSkill(definition, {
    stream: { input: toSkill, output: fromSkill },
    env: { LOCALHUB_SKILL_ID: 'skill.test', LOCALHUB_FRAME_SESSION: 's-9' },
    exit: (code) => exits.push(code),
    log: (line) => logs.push(line),
  })
  let seq = 0
  const send = (kind: string, fields: Record<string, unknown>, correlationId = `c${seq + 1}`) =>
    toSkill.write(
      `${JSON.stringify({ session_id: 's-9', correlation_id: correlationId, ts: new Date().toISOString(), version: '1.0', role: 'backend', frame_seq: ++seq, kind, ...fields })}\n`,
    )
  const next = async (predicate: (frame: Wire) => boolean, what: string): Promise<Wire> => {
    const deadline = Date.now() + 3000
    for (;;) {
      const found = written.find(predicate)
      if (found !== undefined) return found
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(written)}`)
      await new Promise((done) => setTimeout(done, 5))
    }
  }
  return { running, written, exits, logs, send, next, close: () => running.session.close() }
}

const skill = defineStdioSkill({
  tools: {
    echo: defineTool({
      description: 'echo',
      input: { type: 'object' },
      handler: (args: { text: string }) => ({ text: args.text }),
    }),
    big: defineTool({
      primitive: 'document',
      description: 'big',
      handler: (args: { bytes: number }) => 'x'.repeat(args.bytes),
    }),
    fails: defineTool({
      description: 'fails',
      handler: () => {
        throw Object.assign(new Error('no such file'), { code: 'E_IO' })
      },
    }),
    publish: defineTool({
      description: 'publish',
      handler: (_args: Record<string, never>, context) => ({
        guid: context.publish('nudge.proposal', {
          title: 't',
          reason: 'r',
          severity: 'low',
          channel: 'toast',
        }),
      }),
    }),
  },
  events: {
    'event.fs.changed': (event) => {
      seen.push(event.payload.path)
    },
  },
})
const seen: string[] = []

describe('runStdioSkill', () => {
  test('syncs its manifest with the canonical hash, answers calls, errors and unknown tools', async (t) => {
    const hub = harness(skill)
    t.after(hub.close)
    const sync = await hub.next((frame) => frame.kind === 'adapter_manifest_sync', 'the manifest')
    assert.equal(sync.frame_seq, 1)
    assert.equal(sync.session_id, 's-9')
    assert.equal(sync.manifest_hash, manifestHash(sync.entries as unknown[]))
    assert.deepEqual(
      (sync.entries as { tool_id: string }[]).map((entry) => entry.tool_id),
      ['big', 'echo', 'fails', 'publish'],
      'sorted by tool_id, not in definition order (decision 1830)',
    )
    hub.send('session_event', { event: 'new', payload: { skill_id: 'skill.test' } })
    await hub.running.ready
    hub.send('tool_call', { call_id: 'k1', name: 'echo', arguments: { text: 'hi' } })
    hub.send('tool_call', { call_id: 'k2', name: 'fails', arguments: {} })
    hub.send('tool_call', { call_id: 'k3', name: 'nope', arguments: {} })
    const ok = await hub.next((frame) => frame.call_id === 'k1', 'echo')
    assert.deepEqual(ok.envelope, { kind: 'check', ok: true, result: { text: 'hi' } })
    assert.deepEqual(ok.trailer, { final: true })
    const failed = await hub.next((frame) => frame.call_id === 'k2', 'fails')
    assert.deepEqual(failed.envelope, {
      kind: 'check',
      ok: false,
      error: { code: 'E_IO', message: 'no such file' },
    })
    const unknown = await hub.next(
      (frame) => frame.kind === 'error' && frame.code === 'unknown_tool',
      'unknown',
    )
    assert.equal(unknown.correlation_id, 'c4')
  })

  test('a big result goes as payload frames with the sha256 trailer, then result_ref', async (t) => {
    const hub = harness(skill)
    t.after(hub.close)
    await hub.next((frame) => frame.kind === 'adapter_manifest_sync', 'the manifest')
    hub.send('tool_call', { call_id: 'b1', name: 'big', arguments: { bytes: 600_000 } }, 'big-call')
    const result = await hub.next((frame) => frame.kind === 'tool_result', 'the result')
    assert.deepEqual(result.envelope, { kind: 'document', ok: true, result_ref: 'payload' })
    const deltas = hub.written.filter((frame) => frame.kind === 'payload_delta')
    const end = hub.written.find((frame) => frame.kind === 'payload_end')!
    const joined = deltas.map((frame) => frame.payload).join('')
    assert.equal(JSON.parse(joined), 'x'.repeat(600_000))
    assert.equal(end.delta_count, deltas.length)
    assert.equal((end.trailer as { checksum_sha256: string }).checksum_sha256, sha256Hex(joined))
    assert.ok(hub.written.filter((frame) => frame.correlation_id === 'big-call').length === deltas.length + 3)
  })

  test('typed events reach their handler; publish is a notification_push with the JSON text of {type, payload}', async (t) => {
    const hub = harness(skill)
    t.after(hub.close)
    await hub.next((frame) => frame.kind === 'adapter_manifest_sync', 'the manifest')
    const event = { id: 'evt-1', type: 'event.fs.changed', payload: { path: 'a.md', kind: 'modify' } }
    hub.send('notification_push', {
      subscription_id: 'event.fs.*',
      adapter_id: 'skill.test',
      event_guid: 'evt-1',
      payload_content_type: 'application/json',
      payload: JSON.stringify(event),
    })
    hub.send('tool_call', { call_id: 'p1', name: 'publish', arguments: {} })
    const push = await hub.next((frame) => frame.kind === 'notification_push', 'the publish')
    assert.equal(push.subscription_id, 'publish')
    assert.equal(push.adapter_id, 'skill.test')
    assert.deepEqual(JSON.parse(String(push.payload)), {
      type: 'nudge.proposal',
      payload: { title: 't', reason: 'r', severity: 'low', channel: 'toast' },
    })
    const result = await hub.next((frame) => frame.kind === 'tool_result', 'the publish result')
    assert.equal((result.envelope as { result: { guid: string } }).result.guid, push.event_guid)
    assert.deepEqual(seen, ['a.md'])
  })

  test('an invalid manifest: an invalid_manifest error frame and exit 78', async (t) => {
    const bad = defineStdioSkill({ tools: { 'Bad-Id': { description: 'x', handler: () => null } } })
    assert.equal(manifestProblems(bad)[0]?.path, '/entries/0/tool_id')
    assert.equal(manifestProblems(defineStdioSkill({ tools: {} }))[0]?.path, '/tools')
    const hub = harness(bad)
    t.after(hub.close)
    const error = await hub.next((frame) => frame.kind === 'error', 'the error')
    assert.equal(error.code, 'invalid_manifest')
    await new Promise((done) => setTimeout(done, 20))
    assert.deepEqual(hub.exits, [EXIT_INVALID_MANIFEST])
    assert.equal(
      hub.written.some((frame) => frame.kind === 'adapter_manifest_sync'),
      false,
    )
  })

  test('reconnect: the end of a stream dials again; nothing to dial ends the host with exit 1, no reconnect with 0', async () => {
    const run = (reconnect?: () => Promise<undefined>) => {
      const input = new PassThrough()
      const exits: number[] = []
      const dials: number[] = []
      runStdioSkill(skill, {
        stream: { input, output: new PassThrough() },
        env: { LOCALHUB_SKILL_ID: 'skill.test', LOCALHUB_FRAME_SESSION: 's-9' },
        exit: (code) => exits.push(code),
        log: () => undefined,
        ...(reconnect === undefined
          ? {}
          : {
              reconnect: async () => {
                dials.push(Date.now())
                return reconnect()
              },
            }),
      })
      input.end()
      return { exits, dials }
    }
    const plain = run()
    const dialling = run(async () => undefined)
    await new Promise((done) => setTimeout(done, 30))
    assert.deepEqual(plain.exits, [0])
    assert.equal(dialling.dials.length, 1, 'dialled once, not once per end/close event')
    assert.deepEqual(dialling.exits, [1])
  })
})
