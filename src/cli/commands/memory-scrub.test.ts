import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import Database from 'better-sqlite3'
import { type CommandOutcome, runCommand } from '../../../test/kit/cli-io.ts'
import { openMemoryStore } from '../../skills/memory/index.ts'
import { run } from './memory.ts'

const root = mkdtempSync(join(tmpdir(), 'localhub-cli-memory-scrub-'))
after(() => rmSync(root, { recursive: true, force: true }))

function cli(args: string[]): Promise<CommandOutcome> {
  return runCommand(run, args, { cwd: root, dataDir: join(root, 'data') })
}

test('memory scrub rewrites secrets an older hub stored and reports how many', async () => {
  const path = join(root, 'data', 'memory.sqlite')
  const store = openMemoryStore({ path })
  store.recordTurn({ sessionId: 'a', userText: 'I like chess.', assistantText: 'Nice.' })
  store.close()
  // As written before scrubbing existed: a key and a password in the raw text.
  const secret = 'ghp_Ab3De5Gh7Jk9Mn1Pq3St5Vw7Yz9Bc1Ef3Hi5'
  const database = new Database(path)
  database
    .prepare('UPDATE episodes SET user_text = ?')
    .run(`I like chess. token ${secret}, password: hunter2`)
  database.close()

  const scrubbed = await cli(['scrub', '--data', 'data'])
  assert.equal(scrubbed.code, 0, scrubbed.stderr)
  assert.match(scrubbed.stdout, /^removed 2 secrets from 1 episodes and 0 facts in .*memory\.sqlite\n$/)
  const listed = await cli(['list', '--json', '--data', 'data'])
  assert.equal(listed.stdout.includes(secret), false)
  assert.equal(listed.stdout.includes('hunter2'), false)
  assert.match(listed.stdout, /chess/)
  assert.match((await cli(['scrub', '--data', 'data'])).stdout, /^removed 0 secrets/)
})

test('memory scrub without a store reports nothing and creates nothing; extra arguments are usage errors', async () => {
  assert.match((await cli(['scrub', '--data', 'nowhere'])).stdout, /^removed 0 secrets/)
  assert.equal(existsSync(join(root, 'nowhere')), false)
  const wrong = await cli(['scrub', 'extra'])
  assert.equal(wrong.code, 2)
  assert.match(wrong.stderr, /usage: localhub memory/)
  assert.match((await cli(['--help'])).stdout, /scrub/)
})
