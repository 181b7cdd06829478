// A NATS-attached skill host whose connection drops mid-stream resumes its session (decision 1851),
// for the TypeScript SDK and the Python host alike: a TCP proxy between the host and nats-server is
// cut and refuses connections for a while. A call in flight when it drops (its result made while the
// host is away) and a call made while it is away (its tool_call lost on the way) both complete after
// the resume, each tool ran once (the publishing tool's events are counted), and the session was not
// started anew.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { startNatsServer } from '../kit/nats-server.ts'
import {
  type HostLanguage,
  natsSkillEntry,
  openNatsSkillHub,
  skillStatus,
  startNatsHost,
  waitUntilAttached,
} from '../kit/nats-skill-hub.ts'
import { startCuttableProxy } from '../kit/tcp-proxy.ts'
import { watchEvents } from '../kit/wait-for.ts'

/** The hub finds a silent host dead after 3 of these; the outage below stays well inside that. */
const HEARTBEAT_MS = '1000'
const OUTAGE_MS = 1600
const SLOW_MS = 1200
const PROPOSAL = { title: 'resumed', reason: 'after a drop', severity: 'low', channel: 'toast' }

function sleep(milliseconds: number) {
  return new Promise((resolve) => setTimeout(resolve, milliseconds))
}

for (const language of ['typescript', 'python'] as HostLanguage[]) {
  describe(`a ${language} skill host over NATS resumes after its connection drops`, () => {
    test('calls in flight and calls made while it was away complete once; no new session', async (t) => {
      const nats = await startNatsServer({ name: `resume-${language}` })
      const proxy = await startCuttableProxy(nats.ports.client)
      t.after(() => proxy.close())
      const subject = `localhub.test.frames.resume_${language}`
      const hub = await openNatsSkillHub(
        t,
        nats.url,
        natsSkillEntry('skill.resumer', subject, '    capabilityTier: read_only\n'),
        '      - { emit: "turn.end" }',
        { heartbeatMs: HEARTBEAT_MS },
      )
      // After the hub's own t.after, which runs first: the hub closes while its server still runs
      // (closing after it, the hub would wait out a drain to a dead server).
      t.after(() => nats.dispose())
      const host = startNatsHost(t, language, {
        natsUrl: `nats://127.0.0.1:${proxy.port}`,
        subject,
        skillId: 'skill.resumer',
        heartbeatMs: HEARTBEAT_MS,
      })
      await waitUntilAttached(hub, 'skill.resumer')
      const proposals = await watchEvents(hub.bus, 'nudge.proposal')
      t.after(() => proposals.stop())
      const requests = await watchEvents(hub.bus, 'tool.request')
      t.after(() => requests.stop())
      const tool = (name: string, params: Record<string, unknown>) =>
        fetch(`${hub.url}/tools/resumer__${name}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ params }),
        }).then(async (response) => (await response.json()) as { ok: boolean; data?: { data?: unknown } })

      // The tool_call has reached the host (through the proxy) before the cut.
      const delivered = proxy.deliveredToClient('in flight')
      const inFlight = tool('slow_echo', { text: 'in flight', delay_ms: SLOW_MS })
      await requests.next(
        (event) => (event.payload as { action: string }).action === 'resumer__slow_echo',
        'the slow call',
      )
      await delivered
      proxy.blocked = true
      proxy.cut()
      const whileAway = tool('publish', { type: 'nudge.proposal', payload: PROPOSAL })
      await sleep(OUTAGE_MS)
      assert.equal(proposals.events.length, 0, 'the publish call has not reached the host')
      proxy.blocked = false
      const unblockedAt = performance.now()
      const resumedIn = whileAway.then(() => performance.now() - unblockedAt)

      const [slow, published] = await Promise.all([inFlight, whileAway])
      t.diagnostic(
        `the lost call completed ${Math.round(await resumedIn)} ms after the server was reachable again`,
      )
      assert.deepEqual(slow.data?.data, { text: 'in flight' }, JSON.stringify(slow))
      const guid = (published.data?.data as { event_guid?: string } | undefined)?.event_guid
      assert.equal(typeof guid, 'string', JSON.stringify(published))
      await proposals.next(() => true, 'the publish')
      await sleep(500) // a repeated execution would publish a second event by now
      assert.equal(proposals.events.length, 1, 'the lost tool_call ran exactly once after the resume')
      assert.ok(proxy.connections >= 2, 'the host connected again through the proxy')
      assert.equal(host.child.exitCode, null, 'the same host process goes on')
      assert.match(host.stderr(), /resuming/)
      assert.doesNotMatch(host.stderr(), /starting a new session/)
      assert.equal((await skillStatus(hub, 'skill.resumer'))?.status, 'ready')
      const after = await tool('echo', { text: 'still numbered right' })
      assert.deepEqual(after.data?.data, { text: 'still numbered right' })
    })
  })
}
