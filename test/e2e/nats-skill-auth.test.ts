// Credentials and TLS for skill frames over NATS (decision 1852), for the TypeScript SDK and the
// Python host: a nats-server that wants TLS (a throwaway CA) and a user and password per client; the
// hub and the host each log in with their own, the password from the environment only. A wrong
// password is refused by the server (exit 1, its reason said), a password on the command line is
// refused before anything connects (exit 78), and a token-only server is reached with the token.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import type { RunningHub } from '../../src/kernel/index.ts'
import { exited } from '../kit/child-process.ts'
import { startNatsServer } from '../kit/nats-server.ts'
import {
  type HostLanguage,
  natsSkillEntry,
  openNatsSkillHub,
  startNatsHost,
  waitUntilAttached,
} from '../kit/nats-skill-hub.ts'
import { makeTestCertificates } from '../kit/tls-certs.ts'

const SECRETS = { hub: 'hub-pw-1', host: 'host-pw-2' }

async function echo(hub: RunningHub, tool: string, text: string) {
  const response = await fetch(`${hub.url}/tools/${tool}__echo`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ params: { text } }),
  })
  return ((await response.json()) as { data?: { data?: unknown } }).data?.data
}

for (const language of ['typescript', 'python'] as HostLanguage[]) {
  describe(`a ${language} skill host over NATS with credentials and TLS`, () => {
    test('user and password over TLS with a CA file; a wrong password and a password in argv are refused', async (t) => {
      const directory = mkdtempSync(join(tmpdir(), 'localhub-nats-auth-'))
      t.after(() => rmSync(directory, { recursive: true, force: true }))
      const certificates = makeTestCertificates(directory)
      const nats = await startNatsServer({
        name: `auth-${language}`,
        extra: [
          `tls { cert_file: ${JSON.stringify(certificates.serverCert)}, key_file: ${JSON.stringify(certificates.serverKey)} }`,
          `authorization { users: [ { user: hub, password: ${SECRETS.hub} }, { user: host, password: ${SECRETS.host} } ] }`,
        ].join('\n'),
      })
      const url = `tls://127.0.0.1:${nats.ports.client}`
      const subject = `localhub.test.frames.auth_${language}`
      const hub = await openNatsSkillHub(
        t,
        url,
        natsSkillEntry('skill.secured', subject, '    capabilityTier: read_only\n'),
        '      - { emit: "turn.end" }',
        {
          env: {
            LOCALHUB_SKILL_NATS_USER: 'hub',
            LOCALHUB_SKILL_NATS_PASSWORD: SECRETS.hub,
            LOCALHUB_SKILL_NATS_CA: certificates.caFile,
          },
        },
      )
      // After the hub's own t.after, which runs first: the hub closes while its server still runs
      // (closing after it, the hub would wait out a drain to a dead server).
      t.after(() => nats.dispose())
      const start = { natsUrl: url, subject, skillId: 'skill.secured' }
      const tls = ['--nats-ca', certificates.caFile, '--nats-user', 'host']
      const wrong = startNatsHost(t, language, {
        ...start,
        args: tls,
        env: { LOCALHUB_SKILL_NATS_PASSWORD: 'not-it' },
      })
      assert.equal(await exited(wrong.child), 1, wrong.stderr())
      assert.match(wrong.stderr(), /cannot reach NATS.*[Aa]uthorization/s)
      const inArgv = startNatsHost(t, language, { ...start, args: [...tls, '--nats-password', SECRETS.host] })
      assert.equal(await exited(inArgv.child), 78, inArgv.stderr())
      assert.match(
        inArgv.stderr(),
        /--nats-password is not taken on the command line.*LOCALHUB_SKILL_NATS_PASSWORD/,
      )
      const host = startNatsHost(t, language, {
        ...start,
        args: tls,
        env: { LOCALHUB_SKILL_NATS_PASSWORD: SECRETS.host },
      })
      await waitUntilAttached(hub, 'skill.secured')
      assert.deepEqual(await echo(hub, 'secured', 'over TLS'), { text: 'over TLS' }, host.stderr())
    })

    test('a token from LOCALHUB_SKILL_NATS_TOKEN', async (t) => {
      const nats = await startNatsServer({
        name: `token-${language}`,
        extra: 'authorization { token: "tk-3" }',
      })
      const subject = `localhub.test.frames.token_${language}`
      const hub = await openNatsSkillHub(
        t,
        nats.url,
        natsSkillEntry('skill.tokened', subject, '    capabilityTier: read_only\n'),
        '      - { emit: "turn.end" }',
        { env: { LOCALHUB_SKILL_NATS_TOKEN: 'tk-3' } },
      )
      // After the hub's own t.after, which runs first: the hub closes while its server still runs
      // (closing after it, the hub would wait out a drain to a dead server).
      t.after(() => nats.dispose())
      const host = startNatsHost(t, language, {
        natsUrl: nats.url,
        subject,
        skillId: 'skill.tokened',
        env: { LOCALHUB_SKILL_NATS_TOKEN: 'tk-3' },
      })
      await waitUntilAttached(hub, 'skill.tokened')
      assert.deepEqual(await echo(hub, 'tokened', 'with a token'), { text: 'with a token' }, host.stderr())
    })
  })
}
