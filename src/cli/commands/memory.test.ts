import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { type CommandOutcome, runCommand } from '../../../test/kit/cli-io.ts'
import { openMemoryStore } from '../../skills/memory/index.ts'
import { run } from './memory.ts'

const root = mkdtempSync(join(tmpdir(), 'localhub-cli-memory-'))
after(() => rmSync(root, { recursive: true, force: true }))

function cli(args: string[]): Promise<CommandOutcome> {
  return runCommand(run, args, { cwd: root, dataDir: join(root, 'data') })
}

test('list, delete and forget work on <data>/memory.sqlite', async () => {
  const store = openMemoryStore({ path: join(root, 'data', 'memory.sqlite') })
  const first = store.recordTurn({ sessionId: 'a', userText: 'My name is Ada.', assistantText: 'Hello Ada.' })
  store.recordTurn({ sessionId: 'b', userText: 'I like chess.', assistantText: 'Nice.' })
  store.close()

  const listed = await cli(['list'])
  assert.equal(listed.code, 0)
  assert.equal(listed.stdout.trim().split('\n').length, 4)
  assert.match(listed.stdout, /fact:name {2}The user's name is Ada\./)

  const json = JSON.parse((await cli(['list', '--session', 'b', '--json'])).stdout) as {
    entries: { sessionId: string }[]
  }
  assert.equal(json.entries.length, 2)
  assert.ok(json.entries.every((entry) => entry.sessionId === 'b'))
  assert.equal(JSON.parse((await cli(['list', '--limit', '1', '--json'])).stdout).entries.length, 1)

  assert.equal((await cli(['delete', first.id])).code, 0)
  const again = await cli(['delete', first.id])
  assert.equal(again.code, 1)
  assert.match(again.stderr, /no memory with id/)
  assert.equal((await cli(['list'])).stdout.trim().split('\n').length, 2)

  const forgot = await cli(['forget', '--session', 'b'])
  assert.match(forgot.stdout, /forgot 1 episodes and 1 facts \(session 'b'\)/)
  const empty = await cli(['list'])
  assert.equal(empty.stdout, '')
  assert.match(empty.stderr, /no memories/)
  assert.match((await cli(['forget'])).stdout, /forgot 0 episodes/)
})

test('a missing data folder lists nothing and creates nothing', async () => {
  const result = await cli(['list', '--data', 'nowhere'])
  assert.equal(result.code, 0)
  assert.equal((await cli(['delete', 'ep_x', '--data', 'nowhere'])).code, 1)
})

test('usage errors exit 2 with a clear message; a corrupt file exits 1 naming it', async () => {
  for (const args of [
    [],
    ['nope'],
    ['list', '--bogus'],
    ['list', '--limit', 'ten'],
    ['delete'],
    ['delete', 'a', 'b'],
  ]) {
    const result = await cli(args)
    assert.equal(result.code, 2, args.join(' '))
    assert.match(result.stderr, /usage: localhub memory/)
  }
  assert.equal((await cli(['--help'])).code, 0)
  const garbage = await cli(['list', '--before', 'garbage'])
  assert.equal(garbage.code, 2, 'a bad time is a usage mistake, named before the store is opened')
  assert.match(garbage.stderr, /--before must be a time .*got "garbage"/)
  mkdirSync(join(root, 'bad'))
  writeFileSync(join(root, 'bad', 'memory.sqlite'), 'garbage'.repeat(1000))
  const corrupt = await cli(['list', '--data', 'bad'])
  assert.equal(corrupt.code, 1)
  assert.match(corrupt.stderr, /bad\/memory\.sqlite/)
})
