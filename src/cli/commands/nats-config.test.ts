import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import type { CommandIo } from '../io.ts'
import { run } from './nats.ts'
import { type ConfigValues, writeHubCredential, writeServerConfig } from './nats-config.ts'

// Decisions 2020 (client TLS) and 2021 (nkey users): what `nats config` writes for each choice, and
// the choices it refuses. test/federation/nats-tls-nkeys.test.ts runs the result on nats-server.

const SECRET = 'a-shared-secret-of-enough-length'

function io(cwd: string): CommandIo {
  return { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), env: {}, cwd }
}

const hub = (out: string, extra: ConfigValues = {}): ConfigValues => ({
  role: 'hub',
  'hub-id': 'desk',
  port: '14301',
  'monitor-port': '18301',
  out,
  ...extra,
})

test('the client port is plain on loopback, TLS beyond it or with --client-tls; monitoring stays on loopback', (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const plain = writeServerConfig(hub(join(dir.path, 'plain')), SECRET, io(dir.path))
  assert.equal(plain.url, 'nats://127.0.0.1:14301')
  assert.equal(plain.clientCaFile, undefined)
  assert.doesNotMatch(readFileSync(plain.file, 'utf8'), /^tls \{/m)

  const lan = writeServerConfig(
    hub(join(dir.path, 'lan'), { host: '0.0.0.0', 'tls-name': 'desk.lan' }),
    SECRET,
    io(dir.path),
  )
  const text = readFileSync(lan.file, 'utf8')
  assert.match(text, /^host: "0\.0\.0\.0"$/m)
  assert.match(text, /^http: "127\.0\.0\.1:18301"$/m)
  assert.match(
    text,
    /^tls \{ cert_file: "[^"]+\/tls\/hub-desk-client\.pem", key_file: "[^"]+hub-desk-client\.key"/m,
  )
  assert.equal(lan.url, 'tls://127.0.0.1:14301')
  assert.equal(lan.clientCaFile, join(dir.path, 'lan', 'tls', 'ca.pem'))
  const certificate = new X509Certificate(readFileSync(join(dir.path, 'lan', 'tls', 'hub-desk-client.pem')))
  assert.match(certificate.subjectAltName ?? '', /DNS:desk\.lan/)
  assert.match(certificate.subjectAltName ?? '', /IP Address:127\.0\.0\.1/)
  assert.equal(certificate.checkIssued(new X509Certificate(readFileSync(lan.clientCaFile!))), true)
  assert.equal(statSync(join(dir.path, 'lan', 'tls', 'hub-desk-client.key')).mode & 0o777, 0o600)

  const forced = writeServerConfig(
    hub(join(dir.path, 'forced'), { 'client-tls': true }),
    SECRET,
    io(dir.path),
  )
  assert.equal(forced.url, 'tls://127.0.0.1:14301')
  const opted = writeServerConfig(
    hub(join(dir.path, 'opted'), { host: '192.168.1.20', 'client-plain': true }),
    SECRET,
    io(dir.path),
  )
  assert.equal(opted.url, 'nats://192.168.1.20:14301')
})

test('contradicting or meaningless TLS and auth options are refused', (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const refused = (extra: ConfigValues, pattern: RegExp) =>
    assert.throws(() => writeServerConfig(hub(dir.path, extra), SECRET, io(dir.path)), pattern)
  refused({ 'client-tls': true, 'client-plain': true }, /contradict/)
  refused({ 'client-plain': true }, /--client-plain matters only/)
  refused({ 'tls-name': 'desk.lan' }, /--tls-name on a hub/)
  refused({ auth: 'jwt' }, /--auth must be passwords or nkeys/)
  refused({ host: 'a b' }, /--host must be/)
  // A policy user without a password cannot go into a password configuration.
  writeFileSync(join(dir.path, 'policy.yaml'), 'users: [{ user: alice, role: member }]\n')
  refused({ policy: 'policy.yaml' }, /alice has neither a password nor an nkey/)
})

test('--auth nkeys: seeds in 0600 files, kept across runs; public keys alone in the configuration', (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const given = 'UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4'
  writeFileSync(
    join(dir.path, 'policy.yaml'),
    [
      'users:',
      '  - { user: owner, role: owner }',
      '  - { user: hub, password: ignored-with-nkeys, role: hub }',
      `  - { user: phone, nkey: ${given}, role: member }`,
      '',
    ].join('\n'),
  )
  const first = writeServerConfig(
    hub(join(dir.path, 'out'), { auth: 'nkeys', policy: 'policy.yaml' }),
    SECRET,
    io(dir.path),
  )
  assert.deepEqual(Object.keys(first.seedFiles).sort(), ['hub', 'owner'], 'no seed for a given key')
  const text = readFileSync(first.file, 'utf8')
  for (const [user, file] of Object.entries(first.seedFiles)) {
    assert.equal(statSync(file).mode & 0o777, 0o600)
    const publicKey = first.policy.users.find((entry) => entry.user === user)!.nkey!
    assert.match(publicKey, /^U[A-Z2-7]{55}$/)
    assert.ok(text.includes(`{ nkey: "${publicKey}"`))
    assert.ok(!text.includes(readFileSync(file, 'utf8').trim()))
  }
  assert.ok(text.includes(`{ nkey: "${given}"`), 'a key the policy gives is written as given')
  assert.doesNotMatch(text, /ignored-with-nkeys/)
  const again = writeServerConfig(
    hub(join(dir.path, 'out'), { auth: 'nkeys', policy: 'policy.yaml' }),
    SECRET,
    io(dir.path),
  )
  assert.deepEqual(again.policy.users, first.policy.users, 'the same keys on a second run')

  // The hub's own sign-in file: the seed with nkeys (a stale password file goes), the password else.
  const natsDir = join(dir.path, 'out')
  writeFileSync(join(natsDir, 'hub.password'), 'stale\n')
  assert.equal(writeHubCredential(again, SECRET, natsDir), first.seedFiles.hub)
  assert.equal(existsSync(join(natsDir, 'hub.password')), false)
  const withPasswords = writeServerConfig(hub(join(dir.path, 'pw')), SECRET, io(dir.path))
  assert.equal(
    writeHubCredential(withPasswords, SECRET, join(dir.path, 'pw')),
    join(dir.path, 'pw', 'hub.password'),
  )
})

test('a policy nkey must be a user public key, and not beside a password', (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  writeFileSync(
    join(dir.path, 'policy.yaml'),
    [
      'users:',
      '  - { user: a, nkey: SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY, role: owner }',
      '  - { user: b, nkey: UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4, password: p4ssword, role: member }',
      // One letter off: the checksum fails.
      '  - { user: c, nkey: UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF5, role: member }',
      '',
    ].join('\n'),
  )
  assert.throws(
    () => writeServerConfig(hub(dir.path, { policy: 'policy.yaml' }), SECRET, io(dir.path)),
    (error: Error & { details?: { issues: { path: string }[] } }) => {
      assert.deepEqual(
        error.details?.issues.map((issue) => issue.path),
        ['/users/0/nkey', '/users/1/password', '/users/2/nkey'],
      )
      return true
    },
  )
})

test('`nats config` says where the client port is, what clients trust and which seeds it wrote', async (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const stdout = new PassThrough()
  let out = ''
  stdout.on('data', (chunk) => (out += chunk))
  const commandIo = { ...io(dir.path), stdout, env: { LOCALHUB_NATS_SECRET: SECRET } }
  const args = ['config', '--role', 'hub', '--hub-id', 'desk', '--port', '14301', '--out', 'out']
  assert.equal(await run([...args, '--auth', 'nkeys', '--client-tls'], commandIo), 0)
  assert.match(out, /client port: TLS at tls:\/\/127\.0\.0\.1:14301; clients trust .*out\/tls\/ca\.pem/)
  assert.match(out, /user hub signs in with the nkey seed .*out\/nkeys\/hub\.nk/)
  assert.doesNotMatch(out, /users \(derived from the secret\)/, 'no passwords to print')
  out = ''
  assert.equal(await run(args, commandIo), 0)
  assert.match(out, /client port: plain text at nats:\/\/127\.0\.0\.1:14301/)
  assert.match(out, /users \(derived from the secret\): owner \/ /)
})
