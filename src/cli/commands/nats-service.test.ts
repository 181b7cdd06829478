import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { runCommand } from '../../../test/kit/cli-io.ts'
import { requireNatsServer } from '../../../test/kit/nats-server.ts'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { findExecutable } from '../../skill-api/index.ts'
import { natsCommand } from './nats.ts'
import type { Systemctl } from './service.ts'
import { serviceUnit } from './service-unit.ts'

/** `nats service install` of hub desk on fixed ports (systemctl is faked: nothing listens). */
const installHubDesk = (data: string, extra: readonly string[]) => [
  'service',
  'install',
  '--role',
  'hub',
  '--hub-id',
  'desk',
  '--port',
  '4301',
  '--monitor-port',
  '8301',
  '--data',
  data,
  ...extra,
]

test('nats service install writes a unit that runs nats-server on the data dir configuration; uninstall removes it', async (t) => {
  const temp = makeTempDir()
  t.after(() => temp.remove())
  const calls: string[] = []
  const systemctl: Systemctl = async (args) => {
    calls.push(args.join(' '))
    return { code: 0, output: 'active' }
  }
  const data = join(temp.path, 'data')
  const env = { HOME: join(temp.path, 'home'), LOCALHUB_NATS_SERVER: requireNatsServer() }
  const call = (args: string[]) =>
    runCommand(natsCommand(systemctl), args, { cwd: temp.path, dataDir: data, env })
  const installed = await call(installHubDesk(data, ['--root-leaf-url', 'nats-leaf://home-server:7400']))
  assert.equal(installed.code, 0, installed.stderr)
  const unitPath = join(temp.path, 'home', '.config', 'systemd', 'user', 'localhub-nats-hub-desk.service')
  const unit = readFileSync(unitPath, 'utf8')
  const config = join(data, 'nats', 'hub-desk.conf')
  assert.match(unit, new RegExp(`^ExecStart="${requireNatsServer()}" "-c" "${config}"$`, 'm'))
  assert.match(unit, /^Before=localhub\.service$/m)
  assert.match(unit, /^Restart=on-failure$/m)
  assert.match(readFileSync(config, 'utf8'), /port: 4301/)
  assert.ok(existsSync(join(data, 'nats', 'hub.password')), 'the hub password for `serve --bus` is written')
  assert.deepEqual(calls, ['daemon-reload', 'enable --now localhub-nats-hub-desk.service'])
  const analyze = findExecutable('systemd-analyze', process.env)
  if (analyze !== undefined) {
    const verified = spawnSync(analyze, ['verify', unitPath], { encoding: 'utf8' })
    assert.equal(verified.status, 0, verified.stderr)
    // verify exits 0 on unknown keys but names them: nothing may be said about this unit.
    assert.equal(verified.stderr.trim(), '')
  }
  const status = await call(['service', 'status', '--name', 'hub-desk'])
  assert.equal(status.code, 0)
  assert.match(status.stdout, /state: active/)
  assert.equal(
    (await call(['service', 'install', '--role', 'hub', '--hub-id', 'desk', '--port', '0', '--data', data]))
      .code,
    2,
  )
  const removed = await call(['service', 'uninstall', '--name', 'hub-desk'])
  assert.equal(removed.code, 0)
  assert.equal(existsSync(unitPath), false)
  assert.ok(calls.includes('disable --now localhub-nats-hub-desk.service'))
})

test("the hub's own unit keeps the bus it was installed with (LOCALHUB_BUS, LOCALHUB_HUB_ID)", () => {
  const unit = serviceUnit({
    nodePath: '/usr/bin/node',
    binPath: '/opt/localhub/bin/localhub.js',
    dataDir: '/home/me/localhub-desk',
    env: { LOCALHUB_BUS: 'nats://127.0.0.1:4301', LOCALHUB_HUB_ID: 'desk' },
  })
  assert.match(unit, /^Environment="LOCALHUB_BUS=nats:\/\/127\.0\.0\.1:4301"$/m)
  assert.match(unit, /^Environment="LOCALHUB_HUB_ID=desk"$/m)
})

test('nats service install --auth nkeys --client-tls leaves the hub seed, not a password, and a TLS client port', async (t) => {
  const temp = makeTempDir()
  t.after(() => temp.remove())
  const systemctl: Systemctl = async () => ({ code: 0, output: 'active' })
  const data = join(temp.path, 'data')
  const env = {
    HOME: join(temp.path, 'home'),
    LOCALHUB_NATS_SERVER: requireNatsServer(),
    LOCALHUB_NATS_SECRET: 'a-shared-secret-of-enough-length',
  }
  const install = (extra: string[]) =>
    runCommand(natsCommand(systemctl), installHubDesk(data, extra), { cwd: temp.path, dataDir: data, env })
  assert.equal((await install([])).code, 0)
  assert.ok(existsSync(join(data, 'nats', 'hub.password')))
  const again = await install(['--auth', 'nkeys', '--client-tls'])
  assert.equal(again.code, 0, again.stderr)
  assert.equal(existsSync(join(data, 'nats', 'hub.password')), false, 'the stale password is gone')
  assert.ok(existsSync(join(data, 'nats', 'nkeys', 'hub.nk')))
  const config = readFileSync(join(data, 'nats', 'hub-desk.conf'), 'utf8')
  assert.match(config, /^tls \{ cert_file: /m)
  assert.doesNotMatch(config, /user: "hub"/)
})
