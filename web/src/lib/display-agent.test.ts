// The page's display agent with Node's WebCrypto, a fake hub API and a fake dispatch stream:
// what it announces and heartbeats, which dispatches it takes (only its own display steps, once),
// grants sealed by the hub's node:crypto code, refusals, the paired-device agent id, stopping.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sealGrant } from '../../../src/federation-agent/index.ts'
import type { ApiOutcome } from './api-client.ts'
import {
  browserAgentUri,
  DISPLAY_CAPABILITY,
  type DisplayAgentOptions,
  type DisplayItem,
  mediaOf,
  type StepNote,
  startDisplayAgent,
  storedAgentId,
} from './display-agent.ts'
import type { WebCryptoLike } from './grant-crypto.ts'
import type { Timers } from './stream-client.ts'

// Bodies are arbitrary JSON read field by field.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = any

interface Harness {
  posts: Array<{ path: string; body: Json }>
  shown: DisplayItem[]
  notes: StepNote[]
  deliver(payload: unknown): void
  timers: Array<{ callback: () => void; ms: number; cleared: boolean }>
  stopped: { value: boolean }
  answer: (path: string, body: Json) => ApiOutcome<unknown>
}

function harness(): { h: Harness; options: (extra?: Partial<DisplayAgentOptions>) => DisplayAgentOptions } {
  let handler: (payload: unknown) => void = () => {}
  const h: Harness = {
    posts: [],
    shown: [],
    notes: [],
    deliver: (payload) => handler(payload),
    timers: [],
    stopped: { value: false },
    answer: () => ({ kind: 'ok', data: {} }),
  }
  const timers: Timers = {
    set: (callback, ms) => {
      const entry = { callback, ms, cleared: false }
      h.timers.push(entry)
      return entry
    },
    clear: (entry) => {
      ;(entry as { cleared: boolean }).cleared = true
    },
  }
  let tick = 0
  const options = (extra: Partial<DisplayAgentOptions> = {}): DisplayAgentOptions => ({
    agentId: 'tab-1',
    api: {
      post: async <T>(path: string, body?: unknown) => {
        h.posts.push({ path, body })
        return h.answer(path, body) as ApiOutcome<T>
      },
    },
    crypto: globalThis.crypto as unknown as WebCryptoLike,
    subscribe: (onDispatch) => {
      handler = onDispatch
      return {
        opened: Promise.resolve(),
        stop: () => {
          h.stopped.value = true
        },
      }
    },
    onDisplay: (item) => {
      h.shown.push(item)
    },
    onStep: (note) => h.notes.push(note),
    load: () => 0.1234,
    timers,
    clock: () => (tick += 7),
    now: () => new Date('2026-12-06T02:00:00Z'),
    ...extra,
  })
  return { h, options }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let round = 0; round < 400; round++) {
    if (condition()) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`timed out waiting for ${what}`)
}

function dispatch(recipientHex: string, extra: Json = {}): Json {
  const leaseId = extra.leaseId ?? 'lease-1'
  return {
    planId: 'film',
    stepId: 'display',
    leaseId,
    agent: 'agent://browser/tab-1',
    capability: DISPLAY_CAPABILITY,
    attempt: 1,
    startBy: '2026-12-06T02:00:05Z',
    inputs: { stream: { hls: 'https://plex1/m-42.m3u8', by: 'agent://member/plex1' } },
    grant: sealGrant(`token-for-${leaseId}`, recipientHex, leaseId),
    ...extra,
  }
}

describe('the display agent', () => {
  test('announces a browser agent with the display capability, its key, load and a heartbeat timer', async () => {
    const { h, options } = harness()
    const agent = await startDisplayAgent(options())
    assert.equal(agent.agent, 'agent://browser/tab-1')
    const announce = h.posts[0]
    assert.equal(announce?.path, '/registry/announce')
    assert.deepEqual(announce?.body.capabilities, [
      { id: 'capability://ui.render.video', prio: 90, inputs: ['hls', 'dash', 'mp4'], tags: ['screen'] },
    ])
    assert.equal(announce?.body.kind, 'browser')
    assert.equal(announce?.body.dispatchPublicKey, agent.publicKeyHex)
    assert.deepEqual(announce?.body.availability, { status: 'up', ttlMs: 15_000 })
    assert.deepEqual(announce?.body.telemetry, { load: 0.123 })
    assert.equal(h.timers[0]?.ms, 5_000)
    h.timers[0]?.callback()
    await until(() => h.posts.length === 2, 'the heartbeat')
    assert.deepEqual(h.posts[1], {
      path: '/registry/heartbeat',
      body: {
        agent: 'agent://browser/tab-1',
        status: 'up',
        ttlMs: 15_000,
        telemetry: { load: 0.123, rttMs: { hub: 7 } },
      },
    })
    await until(() => h.timers.length === 2, 'the next heartbeat scheduled')
    await agent.stop({ announceDown: true })
    assert.equal(h.stopped.value, true)
    assert.equal(h.timers[1]?.cleared, true)
    assert.deepEqual(h.posts.at(-1), {
      path: '/registry/heartbeat',
      body: { agent: 'agent://browser/tab-1', status: 'down', ttlMs: 15_000 },
    })
  })

  test('a dispatch for another agent or capability is ignored; its own opens, starts, shows and reports once', async () => {
    const { h, options } = harness()
    const agent = await startDisplayAgent(options())
    h.deliver(dispatch(agent.publicKeyHex, { agent: 'agent://browser/tab-2', leaseId: 'other-agent' }))
    h.deliver(
      dispatch(agent.publicKeyHex, { capability: 'capability://media.playback', leaseId: 'other-cap' }),
    )
    h.deliver({ not: 'a dispatch' })
    h.deliver(dispatch(agent.publicKeyHex))
    h.deliver(dispatch(agent.publicKeyHex))
    await until(() => h.posts.some((post) => post.path === '/exec/report'), 'the report')
    const paths = h.posts.map((post) => post.path)
    assert.deepEqual(paths, ['/registry/announce', '/exec', '/exec/report'])
    assert.deepEqual(h.posts[1]?.body, { token: 'token-for-lease-1', stepId: 'display' })
    assert.equal(h.shown.length, 1)
    assert.deepEqual(h.shown[0]?.media, [{ from: 'stream', format: 'hls', url: 'https://plex1/m-42.m3u8' }])
    assert.deepEqual(h.posts[2]?.body, {
      token: 'token-for-lease-1',
      stepId: 'display',
      ok: true,
      output: {
        shown: true,
        by: 'agent://browser/tab-1',
        shownAt: '2026-12-06T02:00:00.000Z',
        formats: ['hls'],
      },
    })
    assert.deepEqual(
      h.notes.map((note) => [note.leaseId, note.phase]),
      [
        ['other-cap', 'ignored'],
        ['lease-1', 'started'],
        ['lease-1', 'completed'],
      ],
    )
    await agent.stop()
  })

  test('a grant sealed to another key or a refused start shows nothing', async () => {
    const { h, options } = harness()
    const agent = await startDisplayAgent(options())
    const stranger = await startDisplayAgent(harness().options({ agentId: 'stranger' }))
    h.deliver(dispatch(stranger.publicKeyHex, { leaseId: 'wrong-key' }))
    await until(() => h.notes.length === 1, 'the refusal')
    assert.deepEqual(h.notes[0], {
      leaseId: 'wrong-key',
      stepId: 'display',
      phase: 'refused',
      detail: 'grant not for this key',
    })
    h.answer = (path) =>
      path === '/exec'
        ? {
            kind: 'error',
            status: 403,
            error: { code: 'E_PERMISSION_REQUIRED', message: 'revoked', details: { reason: 'revoked' } },
          }
        : { kind: 'ok', data: {} }
    h.deliver(dispatch(agent.publicKeyHex, { leaseId: 'moved' }))
    await until(() => h.notes.length === 2, 'the refused start')
    assert.equal(h.notes[1]?.phase, 'refused')
    assert.match(h.notes[1]?.detail ?? '', /\/exec: E_PERMISSION_REQUIRED revoked/)
    assert.equal(h.shown.length, 0)
    assert.ok(!h.posts.some((post) => post.path === '/exec/report'))
    await agent.stop()
    await stranger.stop()
  })

  test('a display that throws reports the step failed', async () => {
    const { h, options } = harness()
    const agent = await startDisplayAgent(
      options({
        onDisplay: () => {
          throw new Error('no screen')
        },
      }),
    )
    h.deliver(dispatch(agent.publicKeyHex))
    await until(() => h.posts.some((post) => post.path === '/exec/report'), 'the report')
    assert.deepEqual(h.posts.at(-1)?.body.error, { code: 'E_HANDLER', message: 'no screen' })
    assert.equal(h.posts.at(-1)?.body.ok, false)
    await agent.stop()
  })

  test('a paired device refused its random id announces as the browser agent the refusal allows', async () => {
    const { h, options } = harness()
    h.answer = (path, body) =>
      path === '/registry/announce' && body.agent !== 'agent://browser/laptop'
        ? {
            kind: 'error',
            status: 403,
            error: {
              code: 'E_PERMISSION_REQUIRED',
              message: 'not owned',
              details: {
                reason: 'agent_not_owned',
                allowed: ['agent://member/laptop', 'agent://browser/laptop'],
              },
            },
          }
        : { kind: 'ok', data: {} }
    const agent = await startDisplayAgent(options())
    assert.equal(agent.agent, 'agent://browser/laptop')
    assert.deepEqual(
      h.posts.map((post) => post.body.agent),
      ['agent://browser/tab-1', 'agent://browser/laptop'],
    )
    // Dispatches now have to name the agent it became.
    h.deliver(dispatch(agent.publicKeyHex))
    h.deliver(dispatch(agent.publicKeyHex, { agent: 'agent://browser/laptop', leaseId: 'lease-2' }))
    await until(() => h.shown.length === 1, 'the display')
    assert.equal(h.shown[0]?.leaseId, 'lease-2')
    await agent.stop()
  })

  test('a refusal naming no browser agent, and a heartbeat the hub forgot, are handled', async () => {
    const { h, options } = harness()
    h.answer = () => ({
      kind: 'error',
      status: 403,
      error: {
        code: 'E_PERMISSION_REQUIRED',
        message: 'no',
        details: { reason: 'agent_not_owned', allowed: [] },
      },
    })
    await assert.rejects(startDisplayAgent(options()), /E_PERMISSION_REQUIRED/)
    assert.equal(h.stopped.value, true)

    const second = harness()
    const agent = await startDisplayAgent(second.options())
    second.h.answer = (path) =>
      path === '/registry/heartbeat'
        ? { kind: 'error', status: 400, error: { code: 'E_BAD_REQUEST', message: 'not announced' } }
        : { kind: 'ok', data: {} }
    await agent.heartbeat()
    assert.deepEqual(
      second.h.posts.map((post) => post.path),
      ['/registry/announce', '/registry/heartbeat', '/registry/announce'],
    )
    await agent.stop()
  })

  test('options, ids and media links are checked', async () => {
    const { options } = harness()
    await assert.rejects(startDisplayAgent(options({ heartbeatMs: 50 })), /heartbeatMs/)
    await assert.rejects(startDisplayAgent(options({ ttlMs: 5000, heartbeatMs: 5000 })), /ttlMs/)
    assert.throws(() => browserAgentUri('a/b'), /not an agent id/)
    const kept = new Map<string, string>()
    const storage = {
      getItem: (key: string) => kept.get(key) ?? null,
      setItem: (key: string, value: string) => void kept.set(key, value),
    }
    const first = storedAgentId(storage, 'k', () => 'ab-cd-ef')
    assert.equal(first, 'tab-abcdef')
    assert.equal(
      storedAgentId(storage, 'k', () => 'other'),
      first,
    )
    assert.equal(
      storedAgentId(undefined, 'k', () => 'x1'),
      'tab-x1',
    )
    assert.deepEqual(
      mediaOf({
        stream: { hls: 'https://a/b.m3u8', mp4: 'javascript:alert(1)', dash: 'http://a/b.mpd' },
        other: 'text',
        list: [{ hls: 'https://c' }],
      }),
      [
        { from: 'stream', format: 'hls', url: 'https://a/b.m3u8' },
        { from: 'stream', format: 'dash', url: 'http://a/b.mpd' },
      ],
    )
  })
})
