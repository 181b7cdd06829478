// transport: nats with a real nats-server (random port) and a real hub: the example skill, started
// by the test as its own process with `--nats`, attaches and serves tool calls in hub turns and
// publishes as itself; killed -9 mid-call (the TypeScript and the Python host alike) it fails the
// call with E_DEPENDENCY_UNAVAILABLE, and a new host process re-attaches; the newest session wins.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { exited, runToEnd } from '../kit/child-process.ts'
import { callHub, type TestContextLike } from '../kit/manifest-hub.ts'
import { freePort, type NatsServerHandle, startNatsServer } from '../kit/nats-server.ts'
import {
  chatOnce as chat,
  TS_ECHO as ECHO,
  type HostLanguage,
  openNatsSkillHub as hubWith,
  natsSkillEntry as natsSkill,
  waitUntilAttached as ready,
  skillStatus,
  startNatsHost,
} from '../kit/nats-skill-hub.ts'
import { watchEvents } from '../kit/wait-for.ts'

/** An example skill as a process of its own (another machine, as far as the hub knows). */
function startHost(
  t: TestContextLike,
  language: HostLanguage,
  natsUrl: string,
  subject: string,
  skillId: string,
) {
  return startNatsHost(t, language, { natsUrl, subject, skillId }).child
}

describe('transport: nats skill hosts', () => {
  // One nats-server for the file: each test has subjects of its own, so the tests stay apart. Its
  // hubs close (their t.after) while it still runs, instead of waiting out a drain to a dead server.
  let nats: NatsServerHandle
  before(async () => {
    nats = await startNatsServer({ name: 'skills' })
  })
  after(() => nats?.dispose())

  test('a host attached over NATS serves a tool call in a hub turn and publishes as itself', async (t) => {
    const subject = 'localhub.test.frames.skill_remote'
    const hub = await hubWith(
      t,
      nats.url,
      natsSkill(
        'skill.remote',
        subject,
        `    config: { arguments: { type: "nudge.proposal", payload: { title: "remote", reason: "from afar", severity: "low", channel: "toast" } } }\n`,
      ),
      `      - { call: "skill.remote", mode: "echo" }
      - { call: "skill.remote", mode: "publish" }
      - { emit: "turn.end" }`,
    )
    const before = await skillStatus(hub, 'skill.remote')
    assert.equal(before?.status, 'degraded')
    assert.match(
      before?.reason ?? '',
      /waiting for a skill host to attach on localhub\.test\.frames\.skill_remote/,
    )
    const refused = await chat(hub, 'nobody there')
    assert.equal(refused.error?.code, 'E_BAD_REQUEST', 'no host has told the hub its tools yet')

    const proposals = await watchEvents(hub.bus, 'nudge.proposal')
    startHost(t, 'typescript', nats.url, subject, 'skill.remote')
    await ready(hub, 'skill.remote')
    const answer = await chat(hub, 'hello over NATS 한국어')
    assert.equal(answer.ok, true, JSON.stringify(answer))
    assert.equal(answer.data?.text, 'hello over NATS 한국어')
    const proposal = await proposals.next(() => true, 'the host’s publish')
    assert.equal(proposal.source, 'skill.remote', 'published as the skill (its provides)')
    assert.equal((proposal.payload as { reason: string }).reason, 'from afar')
  })

  for (const language of ['typescript', 'python'] as HostLanguage[]) {
    test(`${language} host: kill -9 mid-call fails the call with E_DEPENDENCY_UNAVAILABLE; a new host re-attaches and serves`, async (t) => {
      const subject = `localhub.test.frames.skill_slow_${language}`
      const hub = await hubWith(
        t,
        nats.url,
        natsSkill('skill.slow', subject, '    config: { arguments: { delay_ms: 2500 } }\n'),
        `      - { call: "skill.slow", mode: "slow_echo" }\n      - { emit: "turn.end" }`,
      )
      const statuses = await watchEvents(hub.bus, 'pipeline.status')
      const first = startHost(t, language, nats.url, subject, 'skill.slow')
      await ready(hub, 'skill.slow')
      const turn = chat(hub, 'interrupted')
      await statuses.next(
        (event) =>
          (event.payload as { step: string; state: string }).step.includes('call:skill.slow') &&
          (event.payload as { state: string }).state === 'start',
        'the slow step starting',
      )
      const killedAt = performance.now()
      first.kill('SIGKILL')
      const failed = await turn
      const detectedMs = performance.now() - killedAt
      assert.equal(failed.ok, false)
      assert.equal(failed.error?.code, 'E_DEPENDENCY_UNAVAILABLE', JSON.stringify(failed))
      assert.match(failed.error?.message ?? '', /missed its heartbeats/)
      assert.ok(
        detectedMs < 2500,
        `found dead by heartbeats before the call would have ended (${Math.round(detectedMs)} ms)`,
      )
      const waiting = await skillStatus(hub, 'skill.slow')
      assert.equal(waiting?.status, 'degraded')
      assert.match(waiting?.reason ?? '', /missed its heartbeats; waiting for a skill host/)
      const down = await chat(hub, 'while down')
      assert.equal(
        down.error?.code,
        'E_DEPENDENCY_UNAVAILABLE',
        'a call while no host is attached fails at once',
      )

      startHost(t, language, nats.url, subject, 'skill.slow')
      await ready(hub, 'skill.slow')
      const again = await chat(hub, 'back again')
      assert.equal(again.ok, true, JSON.stringify(again))
      assert.equal(again.data?.text, 'back again')
    })

    test(`${language} host: the newest session wins: the replaced host is told its stream ended and exits 0`, async (t) => {
      const subject = `localhub.test.frames.skill_twice_${language}`
      const hub = await hubWith(
        t,
        nats.url,
        natsSkill('skill.twice', subject),
        `      - { call: "skill.twice", mode: "echo" }\n      - { emit: "turn.end" }`,
      )
      const first = startHost(t, language, nats.url, subject, 'skill.twice')
      await ready(hub, 'skill.twice')
      const firstExit = exited(first)
      startHost(t, language, nats.url, subject, 'skill.twice')
      assert.equal(await firstExit, 0, 'the replaced host ended cleanly')
      await ready(hub, 'skill.twice')
      const answer = await chat(hub, 'served by the second')
      assert.equal(answer.data?.text, 'served by the second', JSON.stringify(answer))
    })
  }

  test('config.tools on a NATS skill: tiers per tool, off refused; a tool the host lacks makes the skill unavailable', async (t) => {
    const tiers = (tools: string) =>
      `    capabilityTier: write_local_confirm\n    auditLedger: true\n    config: { tools: ${tools} }\n`
    const hub = await hubWith(
      t,
      nats.url,
      natsSkill('skill.tiered', 'localhub.test.frames.tiered', tiers('{ echo: read_only, crash: off }')) +
        natsSkill('skill.misnamed', 'localhub.test.frames.misnamed', tiers('{ nope: off }')),
      '      - { emit: "turn.end" }',
    )
    startHost(t, 'typescript', nats.url, 'localhub.test.frames.tiered', 'skill.tiered')
    await ready(hub, 'skill.tiered')
    const listed = await callHub<{ data: { name: string; tier: string }[] }>(hub, 'GET', '/tools')
    const offered = Object.fromEntries(listed.body.data.map((tool) => [tool.name, tool.tier]))
    assert.equal(offered.tiered__echo, 'read_only')
    assert.equal(offered.tiered__publish, 'write_local_confirm')
    assert.equal(offered.tiered__crash, undefined)
    const refused = await callHub<{ error?: { code: string } }>(hub, 'POST', '/tools/tiered__crash', {
      params: {},
    })
    assert.equal(refused.body.error?.code, 'E_PERMISSION_REQUIRED')
    const echoed = await callHub<{ data?: { data?: unknown } }>(hub, 'POST', '/tools/tiered__echo', {
      params: { text: 'over NATS' },
    })
    assert.deepEqual(echoed.body.data?.data, { text: 'over NATS' })

    const misnamed = startHost(t, 'typescript', nats.url, 'localhub.test.frames.misnamed', 'skill.misnamed')
    assert.equal(await exited(misnamed), 0, 'the hub ended the session it refused')
    const status = await skillStatus(hub, 'skill.misnamed')
    assert.equal(status?.status, 'unavailable')
    assert.match(status?.reason ?? '', /config\.tools names nope, which this host does not serve/)
  })

  test('the SDK refuses --nats without a subject (78) and says when the server cannot be reached (1)', async () => {
    const noSubject = await runToEnd(
      process.execPath,
      ['--conditions=localhub-source', '--import', 'tsx', ECHO, '--nats', 'nats://127.0.0.1:1'],
      {
        timeoutMs: 20_000,
      },
    )
    assert.equal(noSubject.code, 78, noSubject.stderr)
    assert.match(noSubject.stderr, /NATS mode needs --subject/)
    const port = await freePort()
    const unreachable = await runToEnd(
      process.execPath,
      [
        '--conditions=localhub-source',
        '--import',
        'tsx',
        ECHO,
        '--nats',
        `nats://127.0.0.1:${port}`,
        '--subject',
        'localhub.test.none',
      ],
      { timeoutMs: 20_000 },
    )
    assert.equal(unreachable.code, 1, unreachable.stderr)
    assert.match(unreachable.stderr, new RegExp(`cannot reach NATS at nats://127.0.0.1:${port}`))
  })

  test('a hub that knows no NATS server reports the skill unavailable with the variable to set', async (t) => {
    const hub = await hubWith(
      t,
      '',
      natsSkill('skill.nowhere', 'localhub.test.frames.nowhere'),
      `      - { call: "skill.nowhere", mode: "echo", optional: true }\n      - { emit: "turn.end" }`,
    )
    const status = await skillStatus(hub, 'skill.nowhere')
    assert.equal(status?.status, 'failed', 'the skill could not open')
    assert.match(status?.reason ?? '', /set LOCALHUB_SKILL_NATS=nats:\/\/HOST:PORT/)
  })
})
