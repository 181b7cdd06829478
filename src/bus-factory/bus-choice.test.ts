import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { makeTempDir } from '../../test/kit/temp-dir.ts'
import { chooseBus } from './bus-choice.ts'

const DATA = '/tmp/localhub-data'

test('with nothing named the hub runs on SQLite in its data directory', () => {
  const choice = chooseBus({ env: {}, dataDir: DATA })
  assert.equal(choice.transport, 'sqlite')
  assert.equal(choice.from, 'default')
  assert.deepEqual(choice.open, { transport: 'sqlite', dataDir: DATA })
})

test('flag > environment > manifest, for the bus and for the hub id', () => {
  const section = { transport: 'nats' as const, servers: ['nats://10.0.0.2:4222'], hubId: 'manifest' }
  const fromManifest = chooseBus({ section, env: {}, dataDir: DATA })
  assert.deepEqual(
    [fromManifest.from, fromManifest.servers, fromManifest.hubId],
    ['manifest', ['nats://10.0.0.2:4222'], 'manifest'],
  )
  const env = { LOCALHUB_BUS: 'nats://127.0.0.1:5000', LOCALHUB_HUB_ID: 'fromenv' }
  const fromEnv = chooseBus({ section, env, dataDir: DATA })
  assert.deepEqual(
    [fromEnv.from, fromEnv.servers, fromEnv.hubId],
    ['environment', ['nats://127.0.0.1:5000'], 'fromenv'],
  )
  const fromFlag = chooseBus({ section, env, dataDir: DATA, flags: { bus: 'memory' } })
  assert.deepEqual([fromFlag.transport, fromFlag.from], ['memory', 'flag'])
  assert.throws(() => chooseBus({ section, env, dataDir: DATA, flags: { bus: 'memory', hubId: 'x' } }), {
    code: 'E_BAD_REQUEST',
    message: /--hub-id names a hub id, which only the NATS bus uses/,
  })
  const flagged = chooseBus({ section, env, dataDir: DATA, flags: { bus: 'nats://h:1', hubId: 'desk' } })
  assert.deepEqual(flagged.open, {
    transport: 'nats',
    hubId: 'desk',
    transportOptions: { servers: ['nats://h:1'], name: 'localhub-desk' },
  })
})

test('a bus value it cannot read is refused, naming where it came from', () => {
  assert.throws(() => chooseBus({ env: { LOCALHUB_BUS: 'kafka://x' }, dataDir: DATA }), {
    code: 'E_BAD_REQUEST',
    message: /LOCALHUB_BUS must be sqlite, memory, nats or nats:\/\/HOST:PORT/,
  })
  assert.throws(() => chooseBus({ env: {}, dataDir: DATA, flags: { bus: 'nats', hubId: 'a.b' } }), {
    message: /--hub-id must be 1-64 letters/,
  })
})

test('credentials come from the named variable or file, never from the manifest itself', (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  writeFileSync(join(dir.path, 'nats.password'), 's3cret\n')
  const byFile = chooseBus({
    section: { transport: 'nats', credentials: { user: 'hub', passwordFile: 'nats.password' } },
    env: {},
    dataDir: dir.path,
  })
  assert.equal(byFile.open.transportOptions?.pass, 's3cret')
  assert.equal(byFile.open.transportOptions?.user, 'hub')
  const byEnv = chooseBus({
    section: { transport: 'nats', credentials: { tokenEnv: 'NATS_TOKEN' } },
    env: { NATS_TOKEN: 't0ken' },
    dataDir: dir.path,
  })
  assert.equal(byEnv.open.transportOptions?.token, 't0ken')
  assert.throws(
    () =>
      chooseBus({
        section: { transport: 'nats', credentials: { tokenEnv: 'NATS_TOKEN' } },
        env: {},
        dataDir: dir.path,
      }),
    { message: /tokenEnv names NATS_TOKEN, which is not set/ },
  )
})

test('without manifest credentials the hub signs in with the password `nats up` left (decision 1608)', (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  mkdirSync(join(dir.path, 'nats'))
  writeFileSync(join(dir.path, 'nats', 'hub.password'), 'from-nats-up\n')
  const plain = chooseBus({
    env: {},
    dataDir: dir.path,
    flags: { bus: 'nats://127.0.0.1:4301', hubId: 'desk' },
  })
  assert.equal(plain.open.transportOptions?.user, 'hub')
  assert.equal(plain.open.transportOptions?.pass, 'from-nats-up')
  const named = chooseBus({
    section: { transport: 'nats', credentials: { tokenEnv: 'NATS_TOKEN' } },
    env: { NATS_TOKEN: 't0ken' },
    dataDir: dir.path,
  })
  assert.equal(named.open.transportOptions?.user, undefined, 'the manifest wins')
  assert.equal(named.open.transportOptions?.token, 't0ken')
  const onSqlite = chooseBus({ env: {}, dataDir: dir.path })
  assert.equal(onSqlite.transport, 'sqlite')
})

test('an nkey seed file from the manifest or from `nats up`; a tls:// bus trusts the CA `nats up` made (decisions 2020, 2021)', (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  mkdirSync(join(dir.path, 'nats', 'nkeys'), { recursive: true })
  mkdirSync(join(dir.path, 'nats', 'tls'))
  writeFileSync(join(dir.path, 'nats', 'nkeys', 'hub.nk'), 'SU…\n', { mode: 0o600 })
  writeFileSync(join(dir.path, 'nats', 'tls', 'ca.pem'), 'a CA\n')
  const found = chooseBus({
    env: {},
    dataDir: dir.path,
    flags: { bus: 'tls://127.0.0.1:4301', hubId: 'desk' },
  })
  assert.equal(found.open.transportOptions?.nkeySeedFile, join(dir.path, 'nats', 'nkeys', 'hub.nk'))
  assert.equal(found.open.transportOptions?.user, undefined)
  assert.deepEqual(found.open.transportOptions?.tls, { caFile: join(dir.path, 'nats', 'tls', 'ca.pem') })
  // nats:// says no TLS: the CA is not forced on a plain connection.
  const plain = chooseBus({
    env: {},
    dataDir: dir.path,
    flags: { bus: 'nats://127.0.0.1:4301', hubId: 'desk' },
  })
  assert.equal(plain.open.transportOptions?.tls, undefined)
  // The password `nats up` writes for password users wins over a seed left from before.
  writeFileSync(join(dir.path, 'nats', 'hub.password'), 'pw-from-nats-up\n')
  const both = chooseBus({
    env: {},
    dataDir: dir.path,
    flags: { bus: 'nats://127.0.0.1:4301', hubId: 'desk' },
  })
  assert.equal(both.open.transportOptions?.pass, 'pw-from-nats-up')
  assert.equal(both.open.transportOptions?.nkeySeedFile, undefined)
  const named = chooseBus({
    section: {
      transport: 'nats',
      credentials: { nkeySeedFile: 'nats/nkeys/hub.nk' },
      tls: { caFile: 'nats/tls/ca.pem' },
    },
    env: {},
    dataDir: dir.path,
  })
  assert.equal(named.open.transportOptions?.nkeySeedFile, join(dir.path, 'nats', 'nkeys', 'hub.nk'))
  assert.throws(
    () =>
      chooseBus({
        section: { transport: 'nats', credentials: { nkeySeedFile: 'missing.nk' } },
        env: {},
        dataDir: dir.path,
      }),
    /nkeySeedFile .*missing\.nk does not exist/,
  )
})
