// transport: nats with the Python skill host: a real nats-server (random port), a real hub, and the
// example Python skill (manifests/examples/python-skill/echo_skill.py) started by the test with
// `--nats`, speaking NATS through localhub_skill's own stdlib client, serves a tool call in a hub
// turn. Killed -9 mid-call, and replaced by a newer session: nats-skill.test.ts, for both hosts.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { TestContextLike } from '../kit/manifest-hub.ts'
import { startNatsServer } from '../kit/nats-server.ts'
import {
  chatOnce as chat,
  openNatsSkillHub as hubWith,
  natsSkillEntry as natsSkill,
  waitUntilAttached as ready,
  skillStatus,
  startNatsHost,
} from '../kit/nats-skill-hub.ts'

/** The Python example skill as a process of its own; stderr is kept for failure messages. */
function startPythonHost(t: TestContextLike, natsUrl: string, subject: string, skillId: string) {
  return startNatsHost(t, 'python', { natsUrl, subject, skillId })
}

describe('transport: nats with the Python skill host', () => {
  test('the Python host attached over NATS serves a tool call in a hub turn', async (t) => {
    const nats = await startNatsServer({ name: 'python-skills' })
    const subject = 'localhub.test.frames.python_echo'
    const hub = await hubWith(
      t,
      nats.url,
      natsSkill('skill.python.remote', subject),
      `      - { call: "skill.python.remote", mode: "echo" }\n      - { emit: "turn.end" }`,
    )
    // After the hub's own t.after, which runs first: the hub closes while its server still runs
    // (closing after it, the hub would wait out a drain to a dead server).
    t.after(() => nats.dispose())
    assert.equal((await skillStatus(hub, 'skill.python.remote'))?.status, 'degraded', 'no host yet')
    const host = startPythonHost(t, nats.url, subject, 'skill.python.remote')
    await ready(hub, 'skill.python.remote', host.stderr)
    const answer = await chat(hub, 'hello from Python over NATS 🐍 한국어')
    assert.equal(answer.ok, true, JSON.stringify(answer))
    assert.equal(answer.data?.text, 'hello from Python over NATS 🐍 한국어')
    assert.match(host.stderr(), /attached over NATS on localhub\.test\.frames\.python_echo\.\{in,out\}\./)
  })
})
