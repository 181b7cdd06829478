import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import type { CommandIo } from '../io.ts'
import { run as data } from './data.ts'
import { run as memory } from './memory.ts'

function setup(t: { after(fn: () => void): void }) {
  const temp = makeTempDir()
  t.after(() => temp.remove())
  const cwd = join(temp.path, 'project')
  const legacy = join(cwd, 'data')
  mkdirSync(legacy, { recursive: true })
  writeFileSync(join(legacy, 'events.sqlite'), 'log')
  const env = { HOME: join(temp.path, 'home') }
  const home = join(temp.path, 'home', '.local', 'share', 'localhub')
  const call = async (command: typeof data, args: string[]) => {
    const stdout = new PassThrough()
    const stderr = new PassThrough()
    let out = ''
    let err = ''
    stdout.on('data', (chunk) => (out += chunk))
    stderr.on('data', (chunk) => (err += chunk))
    const io: CommandIo = { stdin: new PassThrough(), stdout, stderr, env, cwd }
    const code = await command(args, io)
    return { code, out, err }
  }
  return { temp: temp.path, cwd, legacy, home, call }
}

test('commands keep using an old ./data with a one-line hint; data move takes it home', async (t) => {
  const { legacy, home, call } = setup(t)
  const before = await call(data, ['where'])
  assert.match(before.out, new RegExp(`^${legacy}  \\(an older ./data`))
  // Any command: memory list reads <data>/memory.sqlite from the old place, and says so in one line.
  const listed = await call(memory, ['list'])
  assert.match(
    listed.err.split('\n')[0] ?? '',
    /^localhub: using .*project\/data \(the old default\); .*`localhub data move`/,
  )
  const moved = await call(data, ['move'])
  assert.equal(moved.code, 0, moved.err)
  assert.match(moved.out, /moved .*project\/data → .*\.local\/share\/localhub/)
  assert.equal(existsSync(legacy), false)
  assert.equal(readFileSync(join(home, 'events.sqlite'), 'utf8'), 'log')
  const after = await call(data, ['where'])
  assert.equal(after.out, `${home}  (the platform home for the data)\n`)
  assert.equal(after.err, '')
})

test('data move refuses while a hub runs from the folder, and onto data already there', async (t) => {
  const { legacy, home, call } = setup(t)
  // server.json naming a live process (this one) is a running hub.
  writeFileSync(
    join(legacy, 'server.json'),
    JSON.stringify({
      url: 'http://127.0.0.1:1',
      pid: process.pid,
      startedAt: '2026-01-01T00:00:00Z',
      version: '0.1.0',
    }),
  )
  const running = await call(data, ['move'])
  assert.equal(running.code, 1)
  assert.match(running.err, /a hub is running from .*project\/data.*stop it first/)
  assert.equal(existsSync(join(legacy, 'events.sqlite')), true)
  writeFileSync(join(legacy, 'server.json'), '{}')
  mkdirSync(home, { recursive: true })
  writeFileSync(join(home, 'events.sqlite'), 'newer')
  const occupied = await call(data, ['move'])
  assert.equal(occupied.code, 1)
  assert.match(occupied.err, /already holds data/)
  assert.equal(readFileSync(join(home, 'events.sqlite'), 'utf8'), 'newer')
})

test('data move --to DIR, and nothing to move', async (t) => {
  const { temp, call } = setup(t)
  const target = join(temp, 'elsewhere', 'hub')
  const moved = await call(data, ['move', '--to', target])
  assert.equal(moved.code, 0, moved.err)
  assert.match(moved.out, /LOCALHUB_DATA=/)
  assert.equal(readFileSync(join(target, 'events.sqlite'), 'utf8'), 'log')
  const again = await call(data, ['move', '--to', target])
  assert.equal(again.code, 1)
  assert.match(again.err, /nothing to move/)
})
