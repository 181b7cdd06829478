// The agent runtime (localhub/agent) against a real hub in this process: the manifest carries the
// dispatch key, heartbeats carry the probe function's result, the load given and the measured rtt;
// a dispatched step runs its handler with the slots, and its output ends the plan.
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import type { Envelope } from '../../src/contracts/index.ts'
import { startAgent } from '../../src/federation-agent/index.ts'
import { DEFAULT_MANIFEST_PATH, openHub } from '../../src/kernel/index.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { collect, waitForAsync } from '../kit/wait-for.ts'

// Answers are arbitrary JSON read field by field.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = any

describe('the agent runtime against a hub', () => {
  test('announce with a key, heartbeat with probes, load and rtt, run a dispatched step', async (t) => {
    const temp = makeTempDir('localhub-agent-runtime-')
    t.after(() => temp.remove())
    const workspace = join(temp.path, 'workspace')
    mkdirSync(workspace, { recursive: true })
    writeFileSync(
      join(temp.path, 'manifest.yaml'),
      readFileSync(DEFAULT_MANIFEST_PATH, 'utf8').replace(
        /path: "~\/projects"/,
        `path: ${JSON.stringify(workspace)}`,
      ),
    )
    const hub = await openHub({
      dataDir: join(temp.path, 'data'),
      manifestPath: join(temp.path, 'manifest.yaml'),
      port: 0,
      logger: false,
      env: { OLLAMA_HOST: 'http://127.0.0.1:9' },
    })
    t.after(() => hub.close())
    const call = async (method: string, path: string, body?: unknown): Promise<Json> => {
      const response = await fetch(`${hub.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return response.json()
    }
    const listed = async (name: string): Promise<Json> =>
      ((await call('GET', '/registry')).data.agents as Json[]).find((agent) => agent.agent === name)

    let healthy = true
    let announces = 0
    let forget = false
    const seenSlots: unknown[] = []
    const agent = await startAgent(
      {
        agent: 'agent://member/runtime',
        prioBase: 60,
        capabilities: [
          {
            id: 'capability://tts.speak',
            prio: 80,
            probe: () => healthy,
            probeDescription: 'synthesizer loaded',
            handler: ({ slots }) => {
              seenSlots.push(slots)
              return { spoken: String(slots.text).length }
            },
          },
        ],
      },
      {
        hubUrl: hub.url,
        token: hub.token,
        heartbeatMs: 60_000,
        ttlMs: 120_000,
        load: () => 0.25,
        // Counts announces, and can answer one heartbeat as a hub that never heard of the agent.
        fetch: async (input, init) => {
          const url = String(input)
          if (url.endsWith('/registry/announce')) announces++
          if (url.endsWith('/registry/heartbeat') && forget) {
            forget = false
            const error = {
              code: 'E_BAD_REQUEST',
              message: 'agent://member/runtime has not announced itself',
            }
            return new Response(JSON.stringify({ ok: false, error }), { status: 400 })
          }
          return fetch(input, init)
        },
      },
    )
    t.after(() => agent.close())
    const announced = await listed('agent://member/runtime')
    assert.equal(announced.dispatched, true)
    assert.equal(announced.capabilities[0].probe, 'synthesizer loaded')
    assert.equal(announced.load, 0.25)

    healthy = false
    await agent.heartbeat()
    const afterBeat = await listed('agent://member/runtime')
    assert.equal(afterBeat.capabilities[0].probeOk, false)
    assert.equal(typeof afterBeat.capabilities[0].probeLatencyMs, 'number')
    assert.equal(typeof afterBeat.rttMs.hub, 'number', 'the announce measured the rtt the heartbeat reports')
    healthy = true
    await agent.heartbeat()
    assert.equal((await listed('agent://member/runtime')).capabilities[0].probeOk, true)

    const resolved = await call('POST', '/resolve', {
      planId: 'runtime-plan',
      steps: [{ id: 'say', need: 'capability://tts.speak' }],
      slots: { text: 'hello' },
    })
    assert.equal(resolved.data.dispatched, true)
    const finished = async (): Promise<Envelope[]> =>
      collect(hub.bus.replay({ filter: 'exec.plan.finished' }))
    await waitForAsync(async () => (await finished()).length === 1, 'the plan to finish', 10_000)
    const [outcome] = await finished()
    assert.deepEqual((outcome as Envelope).payload, {
      planId: 'runtime-plan',
      status: 'completed',
      outputs: { say: { spoken: 5 } },
    })
    assert.deepEqual(seenSlots, [{ text: 'hello' }])
    assert.deepEqual(
      agent.executed.map((step) => step.stepId),
      ['say'],
    )

    // A hub that does not know the agent any more hears the manifest again.
    assert.equal(announces, 1)
    forget = true
    await agent.heartbeat()
    assert.equal(announces, 2)
    await agent.close()
  })
})
