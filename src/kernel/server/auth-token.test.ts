import assert from 'node:assert/strict'
import { chmodSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { HubError } from '../../contracts/index.ts'
import { AUTH_TOKEN_FILE, loadAuthToken, TOKEN_ENV_VARIABLE } from './auth-token.ts'

function tempData(t: { after(fn: () => void): void }) {
  const dir = makeTempDir('localhub-token-')
  t.after(dir.remove)
  return join(dir.path, 'data')
}

test('first start creates a 32-byte base64url token file with mode 0600; later starts reuse it', (t) => {
  const dataDir = tempData(t)
  const first = loadAuthToken({ dataDir, env: {} })
  assert.equal(first.source, 'created')
  assert.match(first.token, /^[A-Za-z0-9_-]{43}$/)
  const path = join(dataDir, AUTH_TOKEN_FILE)
  assert.equal(statSync(path).mode & 0o777, 0o600)
  assert.equal(readFileSync(path, 'utf8').trim(), first.token)
  const second = loadAuthToken({ dataDir, env: {} })
  assert.deepEqual(second, { token: first.token, source: 'file' })
})

test('a token file readable by others is replaced by a new private one, with a warning', (t) => {
  const dataDir = tempData(t)
  const first = loadAuthToken({ dataDir, env: {} })
  const path = join(dataDir, AUTH_TOKEN_FILE)
  chmodSync(path, 0o644)
  const next = loadAuthToken({ dataDir, env: {} })
  assert.equal(next.source, 'replaced')
  assert.notEqual(next.token, first.token)
  assert.match(next.warning ?? '', /644/)
  assert.equal(statSync(path).mode & 0o777, 0o600)
})

test('an empty or garbage token file is replaced', (t) => {
  const dataDir = tempData(t)
  loadAuthToken({ dataDir, env: {} })
  const path = join(dataDir, AUTH_TOKEN_FILE)
  writeFileSync(path, '\u0000\u0001 not a token', { mode: 0o600 })
  const next = loadAuthToken({ dataDir, env: {} })
  assert.equal(next.source, 'replaced')
  assert.match(next.token, /^[A-Za-z0-9_-]{43}$/)
})

test('a symlinked token file is refused', (t) => {
  const dataDir = tempData(t)
  loadAuthToken({ dataDir, env: {} })
  const path = join(dataDir, AUTH_TOKEN_FILE)
  const other = join(dataDir, 'elsewhere')
  writeFileSync(other, 'x'.repeat(43), { mode: 0o600 })
  rmSync(path)
  symlinkSync(other, path)
  assert.throws(
    () => loadAuthToken({ dataDir, env: {} }),
    (error: unknown) => error instanceof HubError && error.code === 'E_PERMISSION_REQUIRED',
  )
})

test('LOCALHUB_TOKEN wins over the file and must not be trivially short', (t) => {
  const dataDir = tempData(t)
  const fromEnv = loadAuthToken({ dataDir, env: { [TOKEN_ENV_VARIABLE]: 'a-long-enough-token-123' } })
  assert.deepEqual(fromEnv, { token: 'a-long-enough-token-123', source: 'env' })
  for (const bad of ['short', 'has space in it here', 'x'.repeat(600), 'newline\ninside-token']) {
    assert.throws(() => loadAuthToken({ dataDir, env: { [TOKEN_ENV_VARIABLE]: bad } }), /LOCALHUB_TOKEN/)
  }
})
