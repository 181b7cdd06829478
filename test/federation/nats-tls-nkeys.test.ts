// Decisions 2020 and 2021 end to end: `localhub nats up --auth nkeys --client-tls` writes a root and a
// hub whose client ports are TLS and whose users are nkeys (public keys in the configurations, seeds in
// 0600 files); the real nats-server runs them; a real `localhub serve` signs in with the hub seed over
// TLS (found in its data directory) and its events reach the root's copy. A plain-text client is
// refused, a member's nkey is held to its permissions, and a key the server does not list is refused.
import assert from 'node:assert/strict'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection, nkeyAuthenticator, nkeys } from '@nats-io/transport-node'
import { DEFAULT_MANIFEST_PATH } from '../../src/kernel/index.ts'
import { type HubProcess, startHubProcess } from '../kit/hub-process.ts'
import { type NatsState, natsFederation, plainTextAttempt } from '../kit/nats-federation.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { waitFor, waitForAsync } from '../kit/wait-for.ts'

const SECRET = 'a-home-secret-for-tls-and-nkeys'
// The phone made its own key: the policy names only its public key, the seed never leaves it.
const phone = nkeys.createUser()
const POLICY = [
  'users:',
  '  - { user: owner, role: owner }',
  '  - { user: hub, role: hub }',
  '  - { user: alice, role: member }',
  `  - { user: phone, nkey: ${phone.getPublicKey()}, role: member }`,
  '',
].join('\n')
const NKEY_AND_TLS = ['--auth', 'nkeys', '--client-tls', '--policy', 'policy.yaml']

describe('TLS client ports and nkey users from `localhub nats up`', { timeout: 120_000 }, () => {
  const temp = makeTempDir('localhub-tls-nkeys-')
  const federation = natsFederation(temp.path, SECRET)
  const { data, localhub } = federation
  const connections: NatsConnection[] = []
  let root: NatsState
  let desk: NatsState
  let hub: HubProcess | undefined
  let busSection = ''

  const seedOf = (dir: string, user: string) => join(data(dir), 'nats', 'nkeys', `${user}.nk`)
  const caOf = (dir: string) => join(data(dir), 'nats', 'tls', 'ca.pem')
  const portOf = (state: NatsState) => Number(new URL(state.url.replace('tls:', 'http:')).port)

  async function signIn(state: NatsState, seedFile: string, caFile: string): Promise<NatsConnection> {
    const connection = await connect({
      servers: state.url,
      authenticator: nkeyAuthenticator(new TextEncoder().encode(readFileSync(seedFile, 'utf8').trim())),
      tls: { caFile },
    })
    connections.push(connection)
    return connection
  }

  before(async () => {
    writeFileSync(join(temp.path, 'policy.yaml'), POLICY)
    let leafPort: number
    ;({ root, leafPort } = await federation.upRoot(['desk'], NKEY_AND_TLS))
    const linked = await federation.upHub('desk', `nats-leaf://127.0.0.1:${leafPort}`, {
      extra: NKEY_AND_TLS,
    })
    const { printed } = linked
    desk = linked.state
    assert.match(printed, /nkeySeedFile: .*nkeys\/hub\.nk/)
    assert.match(printed, /tls: \{ caFile: .*tls\/ca\.pem \}/)
    busSection = /^bus: \{.*\}$/m.exec(printed)![0]
  })
  after(async () => {
    await hub?.stop()
    await Promise.allSettled(connections.map((connection) => connection.close()))
    await federation.downAll(['root', 'desk'])
    temp.remove()
  })

  test('the configurations hold public keys only; seeds are 0600 files; the URLs are tls://', () => {
    assert.match(root.url, /^tls:\/\/127\.0\.0\.1:\d+$/)
    assert.match(desk.url, /^tls:\/\/127\.0\.0\.1:\d+$/)
    const deskConfig = readFileSync(desk.configFile, 'utf8')
    const rootConfig = readFileSync(root.configFile, 'utf8')
    for (const [config, users] of [
      [deskConfig, ['owner', 'hub', 'alice']],
      [rootConfig, ['owner']],
    ] as const) {
      assert.match(config, /^tls \{ cert_file: "[^"]+-client\.pem", key_file: /m)
      for (const user of users) {
        const dir = config === rootConfig ? 'root' : 'desk'
        const seed = seedOf(dir, user)
        assert.equal(statSync(seed).mode & 0o777, 0o600, `${seed} is 0600`)
        const publicKey = nkeys
          .fromSeed(new TextEncoder().encode(readFileSync(seed, 'utf8').trim()))
          .getPublicKey()
        assert.ok(config.includes(`{ nkey: "${publicKey}"`), `${user}'s public key in the configuration`)
        assert.ok(!config.includes(readFileSync(seed, 'utf8').trim()), 'no seed in the configuration')
      }
      if (config === deskConfig) assert.ok(config.includes(`{ nkey: "${phone.getPublicKey()}"`))
      assert.equal(existsSync(seedOf('desk', 'phone')), false, 'no seed made for a key the policy gave')
      // Passwords remain only for the system account and the leafnodes.
      assert.doesNotMatch(config, /user: "(owner|hub|alice)"/)
    }
    assert.doesNotMatch(rootConfig, /# (hub|alice)$/m, 'the root admits only owners')
  })

  test('a plain-text client is refused on both client ports', async () => {
    for (const state of [desk, root]) {
      const { info, answer } = await plainTextAttempt(
        portOf(state),
        'CONNECT {"verbose":false,"tls_required":false}',
      )
      assert.equal(info.tls_required, true)
      assert.doesNotMatch(answer, /PONG|\+OK/, 'the plain-text client got no answer')
    }
  })

  test('a real hub runs on the hub seed over TLS; its events reach the root copy', async () => {
    // No manifest: `serve` finds nats/nkeys/hub.nk and, for tls://, nats/tls/ca.pem in its data dir.
    hub = await startHubProcess(data('desk'), ['--bus', desk.url, '--hub-id', 'desk'])
    const health = (await (
      await fetch(`${hub.url}/health`, { headers: { authorization: `Bearer ${hub.token}` } })
    ).json()) as { data: { bus?: { transport?: string } } }
    assert.equal(health.data.bus?.transport, 'nats')
    const lines = Array.from({ length: 12 }, (_, n) =>
      JSON.stringify({ type: 'ui.feedback', payload: { target: `tls-nkeys-${n}`, helpful: true } }),
    )
    const response = await fetch(`${hub.url}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/x-ndjson' },
      body: `${lines.join('\n')}\n`,
    })
    const receipts = (await response.text())
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { ok: boolean; data: { id: string } })
    assert.equal(receipts.length, 12)
    assert.ok(receipts.every((receipt) => receipt.ok))
    const owner = await signIn(root, seedOf('root', 'owner'), caOf('root'))
    const manager = await jetstreamManager(owner)
    const ids = receipts.map((receipt) => receipt.data.id)
    await waitForAsync(
      async () => {
        const stored = await manager.streams.getMessage('ROOT_HUB_desk', {
          last_by_subj: 'hub.desk.ui.feedback',
        })
        return stored !== null && (stored.json() as { id: string }).id === ids.at(-1)
      },
      'the last event in the root copy',
      30_000,
    )
    // `nats federation` signs in to the root as the owner by its seed, over TLS.
    assert.match(
      await localhub(['nats', 'federation', '--data', data('root')]),
      /desk: \d+ events \(last seq \d+\) in ROOT_HUB_desk · linked/,
    )
    // The CA this machine made is trusted by the desk's clients and vice versa: same key, same name.
    const crossed = await signIn(desk, seedOf('desk', 'owner'), caOf('root'))
    await crossed.flush()
  })

  test('the bus section `nats up` printed runs the hub from a manifest (nkeySeedFile, tls.caFile)', async () => {
    await hub?.stop()
    const manifest = join(temp.path, 'desk.yaml')
    writeFileSync(manifest, `${readFileSync(DEFAULT_MANIFEST_PATH, 'utf8').trimEnd()}\n${busSection}\n`)
    hub = await startHubProcess(data('desk'), ['--manifest', manifest])
    const response = await fetch(`${hub.url}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'ui.feedback', payload: { target: 'from-the-manifest', helpful: true } }),
    })
    assert.equal(response.status, 200)
    const replay = (await (
      await fetch(`${hub.url}/events?filter=ui.feedback&limit=100`, {
        headers: { authorization: `Bearer ${hub.token}` },
      })
    ).json()) as { data: { payload: { target: string } }[] }
    assert.equal(replay.data.length, 13, 'the twelve events before and this one, from the same stream')
    assert.equal(replay.data.at(-1)!.payload.target, 'from-the-manifest')
    // The federation view reads the root's copy on a second connection with the same seed and CA.
    await waitForAsync(
      async () => {
        const answer = await fetch(`${hub!.url}/events?scope=federation&filter=ui.feedback&limit=50`, {
          headers: { authorization: `Bearer ${hub!.token}` },
        })
        const body = (await answer.json()) as { data?: { hubId: string; payload: { target: string } }[] }
        return (
          answer.status === 200 &&
          body.data!.some((event) => event.hubId === 'desk' && event.payload.target === 'from-the-manifest')
        )
      },
      "the hub's federation view showing the event from the root's copy",
      30_000,
    )
  })

  test("a member's nkey is held to its permissions; an unknown key is refused", async () => {
    const owner = await signIn(desk, seedOf('desk', 'owner'), caOf('desk'))
    const seen: string[] = []
    owner.subscribe('hub.>', { callback: (_error, message) => void seen.push(message.subject) })
    await owner.flush()
    const alice = await signIn(desk, seedOf('desk', 'alice'), caOf('desk'))
    const violations: string[] = []
    void (async () => {
      for await (const status of alice.status())
        if (status.type === 'error') violations.push(status.error.message)
    })()
    alice.publish('hub.desk._dlq.x', 'not a member subject')
    alice.publish('hub.laptop.chat.message', 'not her hub')
    alice.subscribe('$JS.API.>', { callback: () => undefined })
    alice.publish('hub.desk.chat.message', 'hers')
    await alice.flush().catch(() => undefined)
    await waitFor(
      () => seen.includes('hub.desk.chat.message') && violations.length >= 3,
      'the allowed message and three violations',
      10_000,
    )
    assert.deepEqual(
      seen
        .filter((subject) => !subject.startsWith('hub.desk.bus.') && subject.startsWith('hub.desk.'))
        .filter((subject) => !subject.startsWith('hub.desk.ui.')),
      ['hub.desk.chat.message'],
    )
    assert.ok(!seen.includes('hub.desk._dlq.x') && !seen.includes('hub.laptop.chat.message'))
    const text = violations.join('\n')
    assert.match(text, /permissions violation for publish to "hub\.desk\._dlq\.x"/i)
    assert.match(text, /permissions violation for publish to "hub\.laptop\.chat\.message"/i)
    assert.match(text, /permissions violation for subscription to "\$JS\.API\.>"/i)

    const fromPhone = await connect({
      servers: desk.url,
      authenticator: nkeyAuthenticator(phone.getSeed()),
      tls: { caFile: caOf('desk') },
    })
    connections.push(fromPhone)
    fromPhone.publish('hub.desk.chat.message', 'from the phone')
    await fromPhone.flush()
    await waitFor(
      () => seen.filter((subject) => subject === 'hub.desk.chat.message').length === 2,
      "the phone's message, signed in by the key the policy gave",
      10_000,
    )
    const stranger = nkeys.createUser().getSeed()
    await assert.rejects(
      connect({
        servers: desk.url,
        authenticator: nkeyAuthenticator(stranger),
        tls: { caFile: caOf('desk') },
      }),
      /authorization/i,
    )
    // Alice's seed is refused on the root: the root admits only owners.
    await assert.rejects(signIn(root, seedOf('desk', 'alice'), caOf('root')), /authorization/i)
  })
})
