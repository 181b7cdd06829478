// Issue 16 (first slice): a real hub answers seed 001's registry and resolver endpoints. Two agents
// announce, a plan resolves to the better one, its exec token starts the step once; the better
// agent stops heartbeating, its lease expires, the plan moves with route.changed; a restart replays it.
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import type { Envelope } from '../../src/contracts/index.ts'
import { DEFAULT_MANIFEST_PATH, openHub, type RunningHub } from '../../src/kernel/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { collect, waitForAsync } from '../kit/wait-for.ts'

// Answers are arbitrary JSON read field by field.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = any

function manifestPath(root: string): string {
  const workspace = join(root, 'workspace')
  mkdirSync(workspace, { recursive: true })
  const text = readFileSync(DEFAULT_MANIFEST_PATH, 'utf8').replace(
    /path: "~\/projects"/,
    `path: ${JSON.stringify(workspace)}`,
  )
  writeFileSync(join(root, 'manifest.yaml'), text)
  return join(root, 'manifest.yaml')
}

const start = (root: string) =>
  openHub({
    dataDir: join(root, 'data'),
    manifestPath: join(root, 'manifest.yaml'),
    port: 0,
    logger: false,
    env: { OLLAMA_HOST: 'http://127.0.0.1:9' },
  })

async function call(
  hub: RunningHub,
  method: string,
  path: string,
  body?: unknown,
  token = hub.token,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${hub.url}${path}`, {
    method,
    headers: {
      ...(token === '' ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
  return { status: response.status, body: await response.json() }
}

const agent = (name: string, prio: number, ttlMs: number) => ({
  agent: name,
  kind: /^agent:\/\/([a-z]+)\//.exec(name)?.[1],
  capabilities: [{ id: 'capability://tts', prio, outputs: ['wav'] }],
  availability: { status: 'up', ttlMs },
  telemetry: { load: 0.1, rttMs: { hub: 5 } },
})
const PLAN = { planId: 'p1', steps: [{ id: 'speak', need: 'capability://tts' }], slots: { text: 'hello' } }

const typesIn = async (hub: RunningHub, filter: string): Promise<Envelope[]> =>
  collect(hub.bus.replay({ filter }))

describe('federation over HTTP', () => {
  test('announce, resolve, exec, lease expiry, re-route and restart', async (t) => {
    const temp = makeTempDir('localhub-federation-')
    t.after(() => temp.remove())
    manifestPath(temp.path)
    let hub = await start(temp.path)
    t.after(() => hub.close())

    assert.equal(
      (await call(hub, 'POST', '/registry/announce', agent('agent://member/fast', 90, 1000), '')).status,
      401,
    )
    const bad = await call(hub, 'POST', '/registry/announce', {
      ...agent('agent://member/x', 1, 1000),
      availability: { status: 'up', ttlMs: 5 },
    })
    assert.equal(bad.status, 422)
    assert.equal(bad.body.error.code, 'E_VALIDATION')
    assert.equal(bad.body.error.details.issues[0].path, '/availability/ttlMs')
    assert.equal((await call(hub, 'POST', '/registry/announce', '"not an object"')).status, 422)
    assert.equal((await call(hub, 'POST', '/registry/announce', { pad: 'x'.repeat(200_000) })).status, 413)
    // Hostile bodies: prototype keys, deep nesting, too many capabilities, a wrong-typed exec body.
    assert.equal((await call(hub, 'POST', '/registry/announce', '{"__proto__": {"agent": "x"}}')).status, 400)
    const deep = `{"agent": ${'['.repeat(5000)}${']'.repeat(5000)}}`
    assert.equal((await call(hub, 'POST', '/registry/announce', deep)).status, 422)
    const many = {
      ...agent('agent://member/x', 1, 1000),
      capabilities: Array.from({ length: 257 }, (_, i) => ({ id: `capability://c${i}` })),
    }
    const tooMany = await call(hub, 'POST', '/registry/announce', many)
    assert.equal(tooMany.status, 422)
    assert.equal(tooMany.body.error.details.issues[0].path, '/capabilities')
    const execBody = await call(hub, 'POST', '/exec', { token: 42, stepId: 'speak' })
    assert.equal(execBody.status, 422)
    assert.equal(execBody.body.error.details.issues[0].path, '/token')
    assert.equal(
      (
        await call(hub, 'POST', '/registry/heartbeat', {
          agent: 'agent://member/ghost',
          status: 'up',
          ttlMs: 5000,
        })
      ).status,
      400,
    )
    assert.deepEqual((await call(hub, 'GET', '/registry')).body.data.agents, [])

    assert.equal(
      (await call(hub, 'POST', '/registry/announce', agent('agent://member/fast', 90, 1000))).status,
      200,
    )
    assert.equal(
      (await call(hub, 'POST', '/registry/announce', agent('agent://hub/slow', 40, 600_000))).status,
      200,
    )
    const listed = await call(hub, 'GET', '/registry')
    assert.deepEqual(
      listed.body.data.agents.map((entry: Json) => [entry.agent, entry.leased]),
      [
        ['agent://hub/slow', true],
        ['agent://member/fast', true],
      ],
    )
    assert.match(listed.body.data.publicKey, /BEGIN PUBLIC KEY/)

    const first = await call(hub, 'POST', '/resolve', PLAN)
    assert.equal(first.status, 200, JSON.stringify(first.body))
    const firstBinding = first.body.data.bindings[0]
    assert.equal(firstBinding.agent, 'agent://member/fast')
    const execOnce = await call(hub, 'POST', '/exec', {
      token: firstBinding.execToken,
      stepId: 'speak',
      slots: { text: 'hello' },
    })
    assert.equal(execOnce.status, 200, JSON.stringify(execOnce.body))
    const execTwice = await call(hub, 'POST', '/exec', { token: firstBinding.execToken, stepId: 'speak' })
    assert.equal(execTwice.status, 403)
    assert.equal(execTwice.body.error.details.reason, 'used')
    // One character inside the signature, changed for certain (ending the token in "AA" left it
    // unchanged whenever it already ended so).
    const token: string = firstBinding.execToken
    const at = token.length - 10
    const tampered = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1)
    assert.equal(
      (await call(hub, 'POST', '/exec', { token: tampered, stepId: 'speak' })).body.error.details.reason,
      'signature',
    )

    // fast stops heartbeating: its 1 s lease runs out and the hub says so in the log.
    await waitForAsync(
      async () => (await typesIn(hub, 'registry.lease.expired')).length === 1,
      'registry.lease.expired',
      5000,
    )
    const second = await call(hub, 'POST', '/resolve', PLAN)
    assert.equal(second.status, 200, JSON.stringify(second.body))
    assert.equal(second.body.data.bindings[0].agent, 'agent://hub/slow')
    const changed = await typesIn(hub, 'route.changed')
    assert.deepEqual(
      changed.map((event) => event.payload),
      [
        {
          planId: 'p1',
          stepId: 'speak',
          fromAgent: 'agent://member/fast',
          toAgent: 'agent://hub/slow',
          reason: 'lease_expired',
          degraded: false,
        },
      ],
    )
    // The same resolver answers resolve.request on the bus.
    const overBus = await hub.bus.request('resolve.request', {
      steps: [{ id: 'speak', need: 'capability://tts' }],
    })
    assert.equal((overBus.payload as Json).data.bindings[0].agent, 'agent://hub/slow')
    const secondToken = second.body.data.bindings[0].execToken
    assert.equal((await call(hub, 'POST', '/exec', { token: secondToken, stepId: 'speak' })).status, 200)

    await hub.close()
    hub = await start(temp.path)
    const replayed = await call(hub, 'GET', '/registry')
    assert.deepEqual(
      replayed.body.data.agents.map((entry: Json) => [entry.agent, entry.leased]),
      [
        ['agent://hub/slow', true],
        ['agent://member/fast', false],
      ],
    )
    // Same key after the restart (a new key would answer "signature"), same lease state.
    const afterRestart = await call(hub, 'POST', '/exec', { token: secondToken, stepId: 'speak' })
    assert.equal(afterRestart.body.error.details.reason, 'used')
    const stored = (await typesIn(hub, 'exec.lease.granted'))[0]?.payload as Json
    assert.equal(stored.execToken, undefined, 'the exec token is dropped before persistence')
  })
})
