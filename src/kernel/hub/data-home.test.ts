import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { chooseDataDir, defaultDataDir } from './data-home.ts'

test('the default data dir: LOCALHUB_DATA, then an absolute XDG_DATA_HOME, then ~/.local/share', () => {
  const home = '/home/someone'
  assert.equal(defaultDataDir({ HOME: home }), '/home/someone/.local/share/localhub')
  assert.equal(defaultDataDir({ HOME: home, XDG_DATA_HOME: '/xdg' }), '/xdg/localhub')
  // The XDG spec ignores a relative XDG_DATA_HOME.
  assert.equal(defaultDataDir({ HOME: home, XDG_DATA_HOME: 'rel' }), '/home/someone/.local/share/localhub')
  assert.equal(defaultDataDir({ HOME: home, XDG_DATA_HOME: '/xdg', LOCALHUB_DATA: '/srv/hub' }), '/srv/hub')
  assert.equal(defaultDataDir({ HOME: home, LOCALHUB_DATA: 'hub' }, '/work'), '/work/hub')
  // Empty values count as unset.
  assert.equal(
    defaultDataDir({ HOME: home, LOCALHUB_DATA: '', XDG_DATA_HOME: '' }),
    '/home/someone/.local/share/localhub',
  )
})

test('the same data dir from every folder; --data wins over everything', (t) => {
  const temp = makeTempDir()
  t.after(() => temp.remove())
  const env = { HOME: join(temp.path, 'home') }
  const here = chooseDataDir(undefined, { env, cwd: temp.path })
  const there = chooseDataDir(undefined, { env, cwd: '/' })
  assert.equal(here.dir, join(temp.path, 'home', '.local', 'share', 'localhub'))
  assert.equal(there.dir, here.dir)
  assert.equal(here.source, 'platform')
  assert.deepEqual(chooseDataDir('d', { env: { ...env, LOCALHUB_DATA: '/x' }, cwd: '/w' }), {
    dir: '/w/d',
    source: 'flag',
  })
  assert.equal(chooseDataDir(undefined, { env: { ...env, LOCALHUB_DATA: '/x' }, cwd: '/w' }).source, 'env')
})

test("an older hub's ./data keeps working, with a hint, until the platform home exists", (t) => {
  const temp = makeTempDir()
  t.after(() => temp.remove())
  const env = { HOME: join(temp.path, 'home') }
  const cwd = join(temp.path, 'project')
  const legacy = join(cwd, 'data')
  mkdirSync(legacy, { recursive: true })
  // A folder named data that no hub wrote is not taken for one.
  assert.equal(chooseDataDir(undefined, { env, cwd }).source, 'platform')
  writeFileSync(join(legacy, 'events.sqlite'), '')
  const old = chooseDataDir(undefined, { env, cwd })
  assert.equal(old.dir, legacy)
  assert.equal(old.source, 'legacy')
  assert.match(old.hint ?? '', /localhub data move/)
  const home = defaultDataDir(env)
  mkdirSync(home, { recursive: true })
  const moved = chooseDataDir(undefined, { env, cwd })
  assert.deepEqual(moved, { dir: home, source: 'platform' })
  // LOCALHUB_DATA is an explicit choice: no guessing, no hint.
  assert.deepEqual(chooseDataDir(undefined, { env: { ...env, LOCALHUB_DATA: '/x' }, cwd }), {
    dir: '/x',
    source: 'env',
  })
})
