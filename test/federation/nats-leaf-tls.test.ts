// The leafnode link between a root and its hubs is TLS by default (decision 1641): `localhub nats up`
// makes the certificates itself from the shared secret on each machine (no file copied between
// data directories), a hub joins the root over TLS and its events reach the root's copy; a
// plain-text attempt on the root's leafnode port is refused, and a hub set up with --leaf-plain
// never links.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { chooseBus, openChosenBus } from '../../src/bus-factory/index.ts'
import {
  leafnodeCount,
  type NatsState,
  natsFederation,
  ownerPasswordOf,
  plainTextAttempt,
} from '../kit/nats-federation.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { collect, waitForAsync } from '../kit/wait-for.ts'

const SECRET = 'a-home-secret-for-the-tls-test'

describe('TLS on the leafnode link', { timeout: 90_000 }, () => {
  const temp = makeTempDir('localhub-leaf-tls-')
  const federation = natsFederation(temp.path, SECRET)
  const { data } = federation
  let root: NatsState
  let leafPort = 0

  const leafCount = () => leafnodeCount(root)

  before(async () => {
    ;({ root, leafPort } = await federation.upRoot(['desk', 'laptop']))
  })
  after(async () => {
    await federation.downAll(['root', 'desk', 'laptop'])
    temp.remove()
  })

  test('the root asks for TLS on its leafnode port and refuses a plain-text connection', async () => {
    const config = readFileSync(root.configFile, 'utf8')
    assert.match(config, /leafnodes \{[\s\S]*tls \{ cert_file: "[^"]+root-leaf\.pem"/)
    // Answer the server's INFO in plain text, as a leafnode without TLS would.
    const { info, received } = await plainTextAttempt(
      leafPort,
      'CONNECT {"user":"leaf-desk","pass":"x","tls_required":false}',
    )
    assert.equal(info.tls_required, true)
    assert.doesNotMatch(received, /PONG|\+OK/, 'the plain-text client got no answer')
  })

  test('a hub joins the root over TLS and its events reach the root; a plain-text hub never links', async (t) => {
    const leafUrl = `nats-leaf://127.0.0.1:${leafPort}`
    const { state: desk } = await federation.upHub('desk', leafUrl)
    assert.match(readFileSync(desk.configFile, 'utf8'), /remotes: \[[\s\S]*tls \{ ca_file: "[^"]+ca\.pem"/)
    // Each machine made its own CA certificate from the secret: no file was copied between them.
    const caOf = (dir: string) => readFileSync(join(data(dir), 'nats', 'tls', 'ca.pem'), 'utf8')
    assert.notEqual(caOf('desk'), caOf('root'))
    await waitForAsync(async () => (await leafCount()) === 1, 'the desk linked to the root', 20_000)

    const bus = await openChosenBus(
      chooseBus({ flags: { bus: desk.url, hubId: 'desk' }, env: {}, dataDir: data('desk') }),
      {},
    )
    t.after(() => bus.close())
    await bus.publishManyUntyped(
      Array.from({ length: 25 }, (_, n) => ({
        type: 'system.boot.completed',
        payload: { hubId: 'desk', version: `1.0.${n}`, bootMs: n, skills: [], degraded: [] },
      })),
    )
    const recorded = await collect(bus.replay({}))
    assert.equal(recorded.length, 25)
    const owner = await connect({
      servers: root.url,
      user: 'owner',
      pass: ownerPasswordOf(root.configFile),
    })
    t.after(() => owner.close())
    const manager = await jetstreamManager(owner)
    await waitForAsync(
      async () => (await manager.streams.info('ROOT_HUB_desk')).state.messages >= recorded.length,
      'the root copy holding the desk events',
      30_000,
    )
    const last = await manager.streams.getMessage('ROOT_HUB_desk', {
      last_by_subj: 'hub.desk.system.boot.completed',
    })
    assert.equal((last!.json() as { id: string }).id, recorded.at(-1)!.id)

    // The laptop set up without TLS is refused by the root: it never links.
    const { state: laptop } = await federation.upHub('laptop', leafUrl, { extra: ['--leaf-plain'] })
    await waitForAsync(
      async () =>
        /leafnode|TLS|tls/i.test(
          readFileSync(laptop.logFile, 'utf8')
            .split('\n')
            .filter((line) => /error|closed/i.test(line))
            .join('\n'),
        ),
      'the laptop logging its refused leafnode attempt',
      20_000,
    )
    assert.equal(await leafCount(), 1, 'only the desk is linked')
  })
})
