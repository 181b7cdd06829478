import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HubError } from '../contracts/index.ts'
import { CONTEXT, makeFixture } from './approval-test-kit.ts'

const outsideWorkspace = (error: unknown) =>
  error instanceof HubError &&
  error.code === 'E_PERMISSION_REQUIRED' &&
  error.details?.reason === 'outside-workspace'

describe('grants and workspace roots (decision 1344)', () => {
  test('a folder outside every root is refused, unledgered and unstored; a root and below are fine', async () => {
    const fixture = makeFixture({ workspaceRoots: ['/workspace', '/notes'] })
    try {
      for (const pathPrefix of ['/etc', '/workspace-private', '../outside', '/workspace/../etc', '/']) {
        await assert.rejects(
          fixture.service.createGrant({ scope: { pathPrefix }, by: 'alice' }),
          (error) =>
            outsideWorkspace(error) || (error instanceof HubError && /whole file system/.test(error.message)),
          pathPrefix,
        )
      }
      assert.equal(fixture.ledger.entries.length, 0)
      assert.deepEqual(fixture.service.listGrants({ all: true }), [])
      for (const pathPrefix of ['/workspace', 'docs', '/notes/2026'])
        await fixture.service.createGrant({ scope: { pathPrefix }, by: 'alice' })
      assert.equal(fixture.service.listGrants().length, 3)
    } finally {
      fixture.close()
    }
  })

  test('with no root at all, no grant can be made; without the option nothing is checked', async () => {
    const none = makeFixture({ workspaceRoots: [] })
    try {
      await assert.rejects(
        none.service.createGrant({ scope: { pathPrefix: '/workspace/docs' }, by: 'alice' }),
        outsideWorkspace,
      )
    } finally {
      none.close()
    }
    const unchecked = makeFixture()
    try {
      await unchecked.service.createGrant({ scope: { pathPrefix: '/etc' }, by: 'alice' })
    } finally {
      unchecked.close()
    }
  })

  test('allow_session for targets in two roots approves once and makes no grant', async () => {
    const fixture = makeFixture({ workspaceRoots: ['/workspace', '/notes'] })
    try {
      const plan = fixture.files.writePlan('/workspace/a.md')
      plan.targets = ['/workspace/a.md', '/notes/b.md']
      plan.fingerprint = fixture.files.fingerprint(plan.targets)
      const requested = await fixture.service.request(plan, CONTEXT)
      const answer = await fixture.service.respondToPermission(requested.approvalId, {
        decision: 'allow_session',
        by: 'alice',
      })
      assert.equal(answer.grantId, null)
      assert.equal(answer.outcome.status, 'approved')
      assert.deepEqual(fixture.service.listGrants({ all: true }), [])
    } finally {
      fixture.close()
    }
  })
})
