import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { makeTempDir } from '../../../test/kit/temp-dir.ts'
import { ensureLeafTls, federationCaKey, localNames } from './leaf-tls.ts'

// Decision 1641: the CA key comes from the shared secret, so a CA certificate made on one machine
// verifies the root's leafnode certificate made on another; another secret does not.

test('CA certificates made apart from one secret verify the root certificate; another secret does not', (t) => {
  const temp = makeTempDir('localhub-leaf-tls-unit-')
  t.after(() => temp.remove())
  assert.equal(federationCaKey('one shared secret!'), federationCaKey('one shared secret!'))
  assert.notEqual(federationCaKey('one shared secret!'), federationCaKey('another secret!!'))
  const root = ensureLeafTls(
    join(temp.path, 'root'),
    'one shared secret!',
    'root',
    localNames(['home-server']),
  )
  const hub = ensureLeafTls(join(temp.path, 'hub'), 'one shared secret!', 'hub')
  const stranger = ensureLeafTls(join(temp.path, 'stranger'), 'another secret!!', 'hub')
  const leaf = new X509Certificate(readFileSync(root.certFile!))
  const hubCa = new X509Certificate(readFileSync(hub.caFile))
  assert.notEqual(hubCa.fingerprint256, new X509Certificate(readFileSync(root.caFile)).fingerprint256)
  assert.equal(leaf.checkIssued(hubCa), true)
  assert.equal(leaf.verify(hubCa.publicKey), true)
  assert.equal(leaf.verify(new X509Certificate(readFileSync(stranger.caFile)).publicKey), false)
  assert.match(leaf.subjectAltName ?? '', /DNS:home-server/)
  assert.match(leaf.subjectAltName ?? '', /IP Address:127\.0\.0\.1/)
  assert.equal(hubCa.ca, true)
  // Made once: a second call with the same names keeps the files.
  const again = ensureLeafTls(
    join(temp.path, 'root'),
    'one shared secret!',
    'root',
    localNames(['home-server']),
  )
  assert.equal(readFileSync(again.certFile!, 'utf8'), readFileSync(root.certFile!, 'utf8'))
})
