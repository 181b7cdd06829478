import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { findExecutable } from '../../skill-api/index.ts'
import type { CommandIo } from '../io.ts'
import { type Systemctl, serviceCommand } from './service.ts'
import { HUB_NODE_FLAGS, serviceUnit } from './service-unit.ts'

function setup(t: { after(fn: () => void): void }, failing: string[] = []) {
  const temp = makeTempDir()
  t.after(() => temp.remove())
  const calls: string[] = []
  const systemctl: Systemctl = async (args) => {
    calls.push(args.join(' '))
    return failing.includes(args[0]!)
      ? { code: 1, output: 'Failed to connect to bus' }
      : { code: 0, output: 'active' }
  }
  const env = { HOME: join(temp.path, 'home'), PATH: '/usr/bin:/bin', OLLAMA_HOST: 'http://127.0.0.1:11434' }
  const call = async (args: string[]) => {
    const stdout = new PassThrough()
    const stderr = new PassThrough()
    let out = ''
    let err = ''
    stdout.on('data', (chunk) => (out += chunk))
    stderr.on('data', (chunk) => (err += chunk))
    const io: CommandIo = { stdin: new PassThrough(), stdout, stderr, env, cwd: temp.path }
    const code = await serviceCommand(systemctl)(args, io)
    return { code, out, err }
  }
  const unitPath = join(temp.path, 'home', '.config', 'systemd', 'user', 'localhub.service')
  return { temp: temp.path, calls, call, unitPath }
}

test('the unit: absolute node and bin, the data dir, the environment, restart on failure', () => {
  const unit = serviceUnit({
    nodePath: '/usr/bin/node',
    binPath: '/opt/localhub/bin/localhub.js',
    dataDir: '/home/me/.local/share/local hub',
    port: 8000,
    env: { PATH: '/usr/bin', OLLAMA_HOST: 'http://gpu:11434', OPENAI_API_KEY: 'sk-secret', UNRELATED: 'x' },
  })
  assert.match(
    unit,
    /^ExecStart="\/usr\/bin\/node" "--max-semi-space-size=4" "--expose-gc" "\/opt\/localhub\/bin\/localhub.js" "serve" "--data" "\/home\/me\/.local\/share\/local hub" "--port" "8000"$/m,
  )
  assert.match(unit, /^Restart=on-failure$/m)
  assert.match(unit, /^WorkingDirectory=\/home\/me\/.local\/share\/local hub$/m)
  assert.match(unit, /^Environment="LOCALHUB_DATA=\/home\/me\/.local\/share\/local hub"$/m)
  assert.match(unit, /^Environment="OLLAMA_HOST=http:\/\/gpu:11434"$/m)
  assert.match(unit, /^Environment="PATH=\/usr\/bin"$/m)
  assert.match(unit, /^EnvironmentFile=-\/home\/me\/.local\/share\/local hub\/service.env$/m)
  assert.match(unit, /journalctl --user -u localhub/)
  assert.match(unit, /^WantedBy=default.target$/m)
  // Secrets stay out of the unit; unrelated variables too.
  assert.doesNotMatch(unit, /sk-secret|UNRELATED/)
})

test('systemd quoting: % and $ in paths do not become specifiers or variables', () => {
  const unit = serviceUnit({ nodePath: '/n', binPath: '/b', dataDir: '/d/100%$HOME"x', env: {} })
  assert.match(
    unit,
    /^ExecStart="\/n" "--max-semi-space-size=4" "--expose-gc" "\/b" "serve" "--data" "\/d\/100%%\$\$HOME\\"x"$/m,
  )
})

test('install writes the unit, reloads, enables and starts it, and says where the logs are', async (t) => {
  const { call, calls, unitPath, temp } = setup(t)
  const result = await call(['install', '--data', 'hubdata', '--port', '8123'])
  assert.equal(result.code, 0, result.err)
  assert.deepEqual(calls, ['daemon-reload', 'enable --now localhub.service'])
  const unit = readFileSync(unitPath, 'utf8')
  assert.match(unit, new RegExp(`"--data" "${join(temp, 'hubdata')}" "--port" "8123"`))
  assert.match(
    unit,
    new RegExp(
      `^ExecStart="${process.execPath}" "--max-semi-space-size=4" "--expose-gc" "[^"]+/bin/localhub\\.js" "serve"`,
      'm',
    ),
  )
  assert.ok(existsSync(join(temp, 'hubdata')), 'the data dir exists for WorkingDirectory=')
  assert.match(result.out, /journalctl --user -u localhub -f/)
  const status = await call(['status'])
  assert.equal(status.code, 0)
  assert.match(status.out, /state: active/)
  const removed = await call(['uninstall'])
  assert.equal(removed.code, 0)
  assert.equal(existsSync(unitPath), false)
  assert.deepEqual(calls.slice(-2), ['disable --now localhub.service', 'daemon-reload'])
  assert.equal((await call(['status'])).code, 3)
})

test('without a user systemd the unit is still written and the command says what to run', async (t) => {
  const { call, unitPath } = setup(t, ['enable'])
  const result = await call(['install'])
  assert.equal(result.code, 1)
  assert.match(
    result.err,
    /written but not started \(Failed to connect to bus\); run: systemctl --user daemon-reload/,
  )
  assert.ok(existsSync(unitPath))
})

test('systemd-analyze verify accepts the installed unit', async (t) => {
  const analyze = findExecutable('systemd-analyze', process.env)
  if (analyze === undefined) {
    t.skip('systemd-analyze is not installed here; the unit content is checked by the tests above')
    return
  }
  const { call, calls, unitPath } = setup(t)
  assert.equal((await call(['install', '--no-start'])).code, 0)
  assert.deepEqual(calls, [], '--no-start runs no systemctl')
  const verified = spawnSync(analyze, ['verify', unitPath], { encoding: 'utf8' })
  assert.equal(verified.status, 0, verified.stderr)
  // verify exits 0 on unknown keys but names them: nothing may be said about this unit.
  assert.equal(verified.stderr.trim(), '')
})

test('the unit runs node with the flags of bin/localhub.js’s shebang line', () => {
  const shebang = readFileSync(new URL('../../../bin/localhub.js', import.meta.url), 'utf8').split('\n')[0]
  assert.equal(shebang, `#!/usr/bin/env -S node ${HUB_NODE_FLAGS.join(' ')}`)
})
