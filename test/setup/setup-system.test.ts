import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { REPO_ROOT } from '../kit/child-process.ts'
import { makeTempDir } from '../kit/temp-dir.ts'

const SCRIPT = join(REPO_ROOT, 'scripts', 'setup-system.sh')
const PROGRAMS = ['nats-server', 'rg', 'pocketsphinx_continuous', 'flite', 'arecord']
// Requirements the script finds by absolute path; the fake PATH cannot hide them.
const FILES = ['/usr/bin/chromium', '/usr/share/pocketsphinx/model/en-us/en-us']

/** A PATH with a fake `id` (the uid to report), a recording `apt-get`, and the given programs. */
function fakeSystem(t: { after(fn: () => void): void }, uid: number, programs: string[]) {
  const temp = makeTempDir()
  t.after(() => temp.remove())
  const bin = join(temp.path, 'bin')
  mkdirSync(bin)
  const log = join(temp.path, 'apt.log')
  const script = (name: string, body: string) =>
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 })
  script('id', `echo ${uid}`)
  script('apt-get', `echo "$*" >> '${log}'`)
  symlinkSync('/usr/bin/dirname', join(bin, 'dirname'))
  for (const program of programs) script(program, 'exit 0')
  const run = () => spawnSync('/bin/bash', [SCRIPT], { env: { PATH: bin }, encoding: 'utf8' })
  return { run, aptCalls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) }
}

test('everything present: exit 0 at once, silent, no apt-get at all', (t) => {
  if (!FILES.every((file) => existsSync(file))) {
    t.skip(`needs ${FILES.join(' and ')} installed (npm test's pretest installs them)`)
    return
  }
  const system = fakeSystem(t, 1000, PROGRAMS)
  const result = system.run()
  assert.equal(result.status, 0, result.stderr)
  assert.equal(result.stdout + result.stderr, '')
  assert.deepEqual(system.aptCalls(), [])
})

test('something missing, not root: the one sudo command, exit 1, nothing installed', (t) => {
  const system = fakeSystem(t, 1000, ['nats-server', 'pocketsphinx_continuous', 'flite'])
  const result = system.run()
  assert.equal(result.status, 1)
  assert.match(result.stderr, /missing ripgrep\b/)
  assert.match(result.stderr, new RegExp(`^  sudo bash ${SCRIPT}$`, 'm'))
  assert.deepEqual(system.aptCalls(), [])
})

test('something missing, as root: installs only what is missing', (t) => {
  const system = fakeSystem(t, 0, ['nats-server', 'rg', 'pocketsphinx_continuous'])
  const result = system.run()
  assert.equal(result.status, 0, result.stderr)
  const calls = system.aptCalls()
  assert.equal(calls[0], 'update -qq')
  assert.match(calls[1] ?? '', /^install -y -qq --no-install-recommends .*\bflite\b/)
  assert.doesNotMatch(calls[1] ?? '', /ripgrep|nats-server|pocketsphinx /)
})
