// A stdio skill's rights in a real hub: it is pushed what its consumes match, publishes only what it
// provides (a refusal comes back as an error frame with path/expected/got), asks permission through
// the hub's approvals, and revokes consent with the ledger record's hash.
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, test } from 'node:test'
import type { RunningHub } from '../../src/kernel/index.ts'
import { openManifestHub } from '../kit/manifest-hub.ts'
import { makeTempDir } from '../kit/temp-dir.ts'
import { watchEvents } from '../kit/wait-for.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const FIXTURE = join(ROOT, 'test/fixtures/skills/frames-fixture-host.ts')

function fixtureSkill(id: string, publishType: string, payload: Record<string, unknown>): string {
  return `  - id: ${id}
    version: "0.1"
    role: "probe"
    transport:
      type: stdio
      command: ${JSON.stringify(process.execPath)}
      args: ["--import", "tsx", ${JSON.stringify(FIXTURE)}]
      cwd: ${JSON.stringify(ROOT)}
      timeoutMs: 20000
    provides: ["nudge.proposal"]
    consumes: ["event.fs.*"]
    latencyClass: background
    config: { arguments: { type: ${JSON.stringify(publishType)}, payload: ${JSON.stringify(payload)} } }
`
}

async function request(hub: RunningHub, method: string, path: string, body?: unknown) {
  const response = await fetch(`${hub.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return (await response.json()) as {
    ok: boolean
    data?: Record<string, unknown>
    error?: { code: string; message: string }
  }
}

describe('a stdio skill’s bus rights, permissions and consent', () => {
  test('events pushed by consumes; publish as itself, refused outside provides; permission via approvals; revoke with the ledger hash', async (t) => {
    const temp = makeTempDir()
    const workspace = join(temp.path, 'workspace')
    mkdirSync(workspace)
    const { hub } = await openManifestHub(
      t,
      `manifestVersion: "0.2"
system: { id: rights-hub, name: "rights", mode: local-first }
workspace:
  roots:
    - { name: work, path: ${JSON.stringify(workspace)}, access: read_write }
skills:
${fixtureSkill('skill.allowed', 'nudge.proposal', { reason: 'r', severity: 'low', channel: 'toast' })}${fixtureSkill('skill.refused', 'ui.notify', {})}
pipelines:
  - id: pipeline.chat.text
    steps:
      - { call: "skill.allowed", mode: "revoke" }
      - { call: "skill.allowed", mode: "ask" }
      - { call: "skill.allowed", mode: "publish" }
      - { call: "skill.refused", mode: "publish" }
      - { call: "skill.allowed", mode: "seen" }
      - { emit: "turn.end" }
`,
      { temp },
    )
    const proposals = await watchEvents(hub.bus, 'nudge.proposal')
    const ledger = await watchEvents(hub.bus, 'ledger.entry')
    const requested = await watchEvents(hub.bus, 'approval.requested')

    // An event its consumes pattern matches, and one it does not.
    const changed = await hub.bus.publish({
      type: 'event.fs.changed',
      payload: { path: 'a.md', kind: 'modify', ts: new Date().toISOString() },
    })
    await hub.bus
      .publish({ type: 'ui.notify', payload: { title: 't', body: 'b', level: 'info' } } as never)
      .catch(() => undefined)

    // A standing grant to revoke through the skill: its id is the receipt.
    const grant = await request(hub, 'POST', '/grants', {
      scope: { pathPrefix: workspace },
      reason: 'for the test',
    })
    assert.equal(grant.ok, true, JSON.stringify(grant))
    const grantId = String((grant.data?.grant as { id: string } | undefined)?.id)

    const turn = request(hub, 'POST', '/chat', { text: grantId, stream: false })
    const asked = await requested.next(() => true, 'the skill’s permission request as an approval')
    const approvalId = String((asked.payload as { approvalId: string }).approvalId)
    const approved = await request(hub, 'POST', `/approvals/${approvalId}/approve`, { reason: 'fine' })
    assert.equal(approved.ok, true, JSON.stringify(approved))
    const answer = await turn
    assert.equal(answer.ok, true, JSON.stringify(answer))
    const lines = String(answer.data?.text)
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
    const [revoked, permission, published, refused, seen] = lines

    assert.equal(revoked.kind, 'consent_revoke_response')
    assert.equal(revoked.ok, true)
    const revokeEntry = await ledger.next(
      (entry) => (entry.payload as { action: string }).action === 'consent.revoke',
      'the revoke in the ledger',
    )
    assert.equal(revoked.record_hash, (revokeEntry.payload as { hash: string }).hash)

    assert.deepEqual(
      [permission.kind, permission.decision, permission.receipt_id],
      ['permission_response', 'allow_once', approvalId],
    )

    assert.deepEqual(published, { none: true }, 'an allowed publish gets no error frame')
    const proposal = await proposals.next(() => true, 'the published proposal')
    assert.equal(proposal.source, 'skill.allowed')
    assert.equal((proposal.payload as { title: string }).title, grantId)

    assert.equal(refused.kind, 'error')
    assert.equal(refused.code, 'E_PERMISSION_REQUIRED', JSON.stringify(refused))
    assert.equal(refused.details.event_guid.startsWith('push-'), true)
    assert.deepEqual([refused.details.path, refused.details.got], ['/type', 'ui.notify'])
    assert.match(refused.details.expected, /skill\.refused provides/)

    assert.deepEqual(seen, [{ subscription: 'event.fs.*', type: 'event.fs.changed', id: changed.id }])
  })
})
