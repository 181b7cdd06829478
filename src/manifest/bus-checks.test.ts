import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { checkManifestText, type ManifestIssue } from './index.ts'

const DEFAULT_TEXT = readFileSync(new URL('../../manifests/default.yaml', import.meta.url), 'utf8')

/** The default manifest with a bus: section appended (its lines start after the default's). */
function withBus(lines: string[]) {
  const text = `${DEFAULT_TEXT.trimEnd()}\nbus:\n${lines.map((line) => `  ${line}`).join('\n')}\n`
  const firstLine = DEFAULT_TEXT.trimEnd().split('\n').length + 2
  return { result: checkManifestText(text), firstLine }
}

function issuesOf(lines: string[]): { issues: ManifestIssue[]; firstLine: number } {
  const { result, firstLine } = withBus(lines)
  assert.equal(result.ok, false, 'expected the manifest to be refused')
  return { issues: result.ok ? [] : result.issues, firstLine }
}

test('a NATS bus section with servers, hub id and a password by variable is accepted as written', () => {
  const { result } = withBus([
    'transport: nats',
    'servers: [nats://127.0.0.1:4333]',
    'hubId: desk',
    'credentials: { user: hub, passwordEnv: LOCALHUB_NATS_PASSWORD }',
  ])
  assert.equal(result.ok, true, result.ok ? '' : result.issues.map((issue) => issue.message).join('\n'))
  assert.deepEqual(result.ok && result.manifest.bus, {
    transport: 'nats',
    servers: ['nats://127.0.0.1:4333'],
    hubId: 'desk',
    credentials: { user: 'hub', passwordEnv: 'LOCALHUB_NATS_PASSWORD' },
  })
})

test('NATS keys on the sqlite bus are refused on their own line', () => {
  const { issues, firstLine } = issuesOf(['transport: sqlite', 'hubId: desk'])
  assert.equal(issues.length, 1)
  assert.equal(issues[0]!.path, '/bus/hubId')
  assert.equal(issues[0]!.line, firstLine + 1)
  assert.match(issues[0]!.message, /acts only on the NATS bus/)
})

test('tls is taken on the NATS bus; a certificate without its key, or tls on SQLite, is refused', () => {
  const { result } = withBus([
    'transport: nats',
    'servers: [tls://127.0.0.1:4333]',
    'tls: { caFile: nats/ca.pem }',
  ])
  assert.equal(result.ok, true, result.ok ? '' : result.issues.map((issue) => issue.message).join('\n'))
  const { issues, firstLine } = issuesOf(['transport: nats', 'tls: { certFile: nats/client.pem }'])
  assert.deepEqual(
    issues.map((issue) => [issue.path, issue.line]),
    [['/bus/tls/certFile', firstLine + 1]],
  )
  const onSqlite = issuesOf(['transport: sqlite', 'tls: { caFile: ca.pem }']).issues
  assert.deepEqual(
    onSqlite.map((issue) => issue.path),
    ['/bus/tls'],
  )
})

test('a secret named twice, or a user without a password, is refused', () => {
  const { issues } = issuesOf(['transport: nats', 'credentials: { tokenEnv: T, tokenFile: nats.token }'])
  assert.deepEqual(
    issues.map((issue) => issue.path),
    ['/bus/credentials/tokenFile'],
  )
  const lonely = issuesOf(['transport: nats', 'credentials: { user: hub }']).issues
  assert.deepEqual(
    lonely.map((issue) => issue.path),
    ['/bus/credentials/user'],
  )
})

test('a secret written into the manifest is refused by the schema', () => {
  const { issues } = issuesOf(['transport: nats', 'credentials: { user: hub, password: hunter2 }'])
  assert.ok(
    issues.some((issue) => issue.path.startsWith('/bus/credentials')),
    JSON.stringify(issues),
  )
})

test('an nkey seed file signs in alone: accepted by itself, refused beside a user, password or token', () => {
  const { result } = withBus(['transport: nats', 'credentials: { nkeySeedFile: nats/nkeys/hub.nk }'])
  assert.equal(result.ok, true, result.ok ? '' : result.issues.map((issue) => issue.message).join('\n'))
  assert.deepEqual(result.ok && result.manifest.bus?.credentials, { nkeySeedFile: 'nats/nkeys/hub.nk' })
  for (const beside of ['user: hub, passwordEnv: P', 'user: hub', 'tokenEnv: T']) {
    const { issues } = issuesOf(['transport: nats', `credentials: { nkeySeedFile: hub.nk, ${beside} }`])
    assert.deepEqual(
      issues.map((issue) => issue.path),
      ['/bus/credentials/nkeySeedFile'],
      beside,
    )
    assert.match(issues[0]!.message, /signs in by itself/)
  }
  const onSqlite = issuesOf(['transport: sqlite', 'credentials: { nkeySeedFile: hub.nk }']).issues
  assert.deepEqual(
    onSqlite.map((issue) => issue.path),
    ['/bus/credentials'],
  )
})
