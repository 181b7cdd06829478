import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type NatsServerHandle, startNatsServer } from '../../test/kit/nats-server.ts'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { testRegistry } from '../../test/kit/test-registry.ts'
import { makeTestCertificates, type TestCertificates } from '../../test/kit/tls-certs.ts'
import { collect } from '../../test/kit/wait-for.ts'
import { chooseBus, openChosenBus } from './index.ts'

// bus.tls (decision 1604): a nats-server that requires TLS and verifies client certificates, a
// CA and certificates made with openssl for this run, and a bus that reaches it over tls://.

const temp = makeTempDir('localhub-nats-tls-')
let certificates: TestCertificates
let server: NatsServerHandle

before(async () => {
  certificates = makeTestCertificates(temp.path)
  server = await startNatsServer({
    name: 'tls',
    extra: [
      'tls {',
      `  cert_file: ${JSON.stringify(certificates.serverCert)}`,
      `  key_file: ${JSON.stringify(certificates.serverKey)}`,
      `  ca_file: ${JSON.stringify(certificates.caFile)}`,
      '  verify: true',
      '}',
    ].join('\n'),
  })
})
after(async () => {
  await server?.dispose()
  temp.remove()
})

const tlsUrl = () => server.url.replace('nats://', 'tls://')

test('a hub bus reaches a TLS server with the CA and a client certificate from bus.tls', async (t) => {
  const choice = chooseBus({
    section: {
      transport: 'nats',
      servers: [tlsUrl()],
      hubId: 'secure',
      // Relative to the data directory, as in the manifest.
      tls: { caFile: 'ca.pem', certFile: 'client.pem', keyFile: 'client.key' },
    },
    env: {},
    dataDir: temp.path,
  })
  const bus = await openChosenBus(choice, { registry: testRegistry() })
  t.after(() => bus.close())
  const receipt = await bus.publishUntyped({ type: 'note.added', payload: { n: 1 } })
  const stored = await collect(bus.replay({ filter: 'note.added' }))
  assert.deepEqual(
    stored.map((event) => [event.id, event.seq]),
    [[receipt.id, receipt.seq]],
  )
})

test('without the CA, or without a client certificate, the hub refuses to start and says why', async () => {
  const registry = testRegistry()
  const open = (tls: { caFile?: string; certFile?: string; keyFile?: string } | undefined) =>
    openChosenBus(
      chooseBus({
        section: {
          transport: 'nats',
          servers: [tlsUrl()],
          hubId: 'secure',
          ...(tls === undefined ? {} : { tls }),
        },
        env: {},
        dataDir: temp.path,
      }),
      { registry },
    )
  await assert.rejects(open(undefined), {
    code: 'E_DEPENDENCY_UNAVAILABLE',
    message: /cannot connect to NATS/,
  })
  await assert.rejects(open({ caFile: 'ca.pem' }), { code: 'E_DEPENDENCY_UNAVAILABLE' })
  assert.throws(
    () =>
      chooseBus({
        section: { transport: 'nats', tls: { caFile: 'missing.pem' } },
        env: {},
        dataDir: temp.path,
      }),
    { code: 'E_BAD_REQUEST', message: /bus\.tls\.caFile .*missing\.pem does not exist/ },
  )
})
