import assert from 'node:assert/strict'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { nkeys } from '@nats-io/transport-node'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { natsSettings } from './nats-options.ts'
import { nkeyPublicOf, nkeySeedAuthenticator } from './nkey-users.ts'

// Decision 2021: a seed file is read only when it holds a user seed and nobody else may read it.

test('a seed file must hold a user seed and be 0600; its public key is derived from it', (t) => {
  const dir = makeTempDir()
  t.after(() => dir.remove())
  const pair = nkeys.createUser()
  const good = join(dir.path, 'good.nk')
  writeFileSync(good, `${new TextDecoder().decode(pair.getSeed())}\n`, { mode: 0o600 })
  assert.equal(nkeyPublicOf(good), pair.getPublicKey())
  assert.equal(typeof nkeySeedAuthenticator(good), 'function')
  chmodSync(good, 0o644)
  assert.throws(() => nkeyPublicOf(good), /may be read by others: chmod 600/)
  const account = join(dir.path, 'account.nk')
  writeFileSync(account, new TextDecoder().decode(nkeys.createAccount().getSeed()), { mode: 0o600 })
  assert.throws(() => nkeyPublicOf(account), /does not hold a user seed/)
  assert.throws(() => nkeyPublicOf(join(dir.path, 'missing.nk')), /cannot be read/)
})

test('the transport refuses an nkey seed beside a user, password or token', () => {
  assert.equal(natsSettings({ nkeySeedFile: '/x/hub.nk' }).nkeySeedFile, '/x/hub.nk')
  for (const beside of [{ user: 'hub', pass: 'p' }, { token: 't' }])
    assert.throws(() => natsSettings({ nkeySeedFile: '/x/hub.nk', ...beside }), /signs in by itself/)
})
