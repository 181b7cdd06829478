import assert from 'node:assert/strict'
import { mkdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { HubError } from '../contracts/index.ts'
import { DEFAULT_GRANT_TTL_MS } from './approval-options.ts'
import { CONTEXT, type Fixture, makeFixture } from './approval-test-kit.ts'
import { toConsentRevokeResponseFields } from './consent-revoke.ts'
import { isWithin, resolvePrefix } from './path-scope.ts'

async function withFixture(run: (fixture: Fixture) => Promise<void>): Promise<void> {
  const fixture = makeFixture()
  try {
    await run(fixture)
  } finally {
    fixture.close()
  }
}

describe('path scope', () => {
  test('a folder covers itself and what is below it, segment-wise', () => {
    assert.ok(isWithin('/workspace/docs/a.md', '/workspace/docs'))
    assert.ok(isWithin('/workspace/docs/deep/b.md', '/workspace/docs/'))
    assert.ok(isWithin('/workspace/docs', '/workspace/docs'))
    assert.ok(!isWithin('/workspace/docs-private/a.md', '/workspace/docs'))
    assert.ok(!isWithin('/workspace/docs/../secrets/key', '/workspace/docs'))
    assert.ok(!isWithin('/workspace/doc', '/workspace/docs'))
    assert.ok(!isWithin('relative/docs/a', '/workspace/docs'))
    assert.ok(!isWithin('/workspace/docs/a\u0000', '/workspace/docs'))
  })

  test('prefixes resolve against the root; tricks and the whole disk are refused', () => {
    assert.equal(resolvePrefix('docs/', '/workspace'), '/workspace/docs')
    assert.equal(resolvePrefix('docs/../secrets', '/workspace'), '/workspace/secrets')
    assert.equal(resolvePrefix('/elsewhere//x/', '/workspace'), '/elsewhere/x')
    assert.throws(() => resolvePrefix('/', '/workspace'), /whole file system/)
    assert.throws(() => resolvePrefix('../..', '/workspace'), /whole file system/)
    assert.throws(() => resolvePrefix('docs', undefined), /relative/)
    assert.throws(() => resolvePrefix('', '/workspace'), /folder/)
    assert.throws(() => resolvePrefix('a\u0000b', '/workspace'), /NUL/)
    assert.throws(() => resolvePrefix(42, '/workspace'), /folder/)
  })

  test('an existing symlinked prefix is replaced by its real folder', () => {
    const fixture = makeFixture()
    try {
      mkdirSync(join(fixture.dir, 'real'))
      symlinkSync(join(fixture.dir, 'real'), join(fixture.dir, 'link'))
      assert.equal(resolvePrefix('link', fixture.dir), join(fixture.dir, 'real'))
    } finally {
      fixture.close()
    }
  })
})

describe('standing grants', () => {
  test('a grant for docs/ runs matching writes at once, ledgered as granted; nothing else', () =>
    withFixture(async ({ service, files, ledger, sink }) => {
      const { grant, recordHash } = await service.createGrant({
        scope: { pathPrefix: 'docs/', sessionId: 'session-1' },
        by: 'alice',
        reason: 'writing the manual',
      })
      assert.match(recordHash, /^[0-9a-f]{64}$/)
      assert.equal(grant.pathPrefix, '/workspace/docs')
      assert.equal(sink.ofType('grant.created')[0]!.targets?.toString(), '/workspace/docs/**')

      for (const path of ['/workspace/docs/a.md', '/workspace/docs/deep/b.md']) {
        const plan = files.writePlan(path)
        const outcome = await service.request(plan, CONTEXT)
        assert.equal(outcome.status, 'granted', path)
        if (outcome.status !== 'granted') continue
        assert.equal(outcome.grantId, grant.id)
        assert.equal(outcome.approval.execution.state, 'succeeded')
        const entries = ledger.about(outcome.approvalId)
        assert.deepEqual(
          entries.slice(1).map((entry) => [entry.decision, entry.decidedBy, entry.outcome]),
          [
            ['granted', `grant:${grant.id}`, 'attempted'],
            ['granted', `grant:${grant.id}`, 'succeeded'],
          ],
        )
      }
      assert.equal(sink.ofType('approval.resolved').at(-1)!.grantId, grant.id)
      assert.equal(files.executed.length, 2)

      // Same argument shape, different places: scope decides, not an argument hash.
      for (const path of ['/workspace/docs-private/a.md', '/workspace/secrets/key', '/workspace/doc']) {
        assert.equal((await service.request(files.writePlan(path), CONTEXT)).status, 'pending', path)
      }
      assert.equal(
        (await service.request(files.writePlan('/workspace/docs/c.md'), { ...CONTEXT, sessionId: 'other' }))
          .status,
        'pending',
      )
      assert.equal(
        (await service.request(files.writePlan('/workspace/docs/c.md'), { traceId: 't', actorSkill: 's' }))
          .status,
        'pending',
      )
      assert.equal(files.executed.length, 2)
      assert.equal(service.listGrants()[0]!.uses, 2)
    }))

  test('a plan touching one path outside the grant is not covered', () =>
    withFixture(async ({ service, files }) => {
      await service.createGrant({ scope: { pathPrefix: '/workspace/docs' }, by: 'alice' })
      const plan = {
        ...files.writePlan('/workspace/docs/a.md'),
        targets: ['/workspace/docs/a.md', '/workspace/b.md'],
      }
      assert.equal((await service.request(plan, CONTEXT)).status, 'pending')
    }))

  test('a tool-scoped grant covers only that tool; destructive plans are never covered', () =>
    withFixture(async ({ service, files }) => {
      await service.createGrant({ scope: { tool: 'fs.write_file', pathPrefix: '/workspace' }, by: 'alice' })
      assert.equal((await service.request(files.writePlan('/workspace/a.md'), CONTEXT)).status, 'granted')
      const patch = { ...files.writePlan('/workspace/a.md'), tool: 'fs.apply_patch' }
      assert.equal((await service.request(patch, CONTEXT)).status, 'pending')
      const anyTool = await service.createGrant({ scope: { pathPrefix: '/workspace' }, by: 'alice' })
      assert.equal(anyTool.grant.tool, null)
      assert.equal((await service.request(files.deletePlan('/workspace/a.md'), CONTEXT)).status, 'pending')
      await assert.rejects(
        service.createGrant({
          scope: { pathPrefix: '/workspace', tier: 'destructive_two_step' as 'write_local_confirm' },
          by: 'alice',
        }),
        /never cover destructive_two_step/,
      )
      await assert.rejects(
        service.createGrant({
          scope: { pathPrefix: '/workspace', tier: 'read_only' as 'write_local_confirm' },
          by: 'a',
        }),
        /write_local_confirm only/,
      )
    }))

  test('grants expire (default and explicit) and can run out of uses', () =>
    withFixture(async ({ service, files, clock, sink }) => {
      await service.createGrant({ scope: { pathPrefix: 'docs' }, by: 'alice' })
      const short = await service.createGrant({
        scope: { pathPrefix: 'notes' },
        by: 'alice',
        expiresAt: clock.now() + 1_000,
      })
      const limited = await service.createGrant({ scope: { pathPrefix: 'tmp' }, by: 'alice', maxUses: 1 })
      const listedLimited = service.listGrants().find((grant) => grant.id === limited.grant.id)
      assert.equal(Date.parse(listedLimited!.expiresAt), clock.now() + DEFAULT_GRANT_TTL_MS)

      assert.equal((await service.request(files.writePlan('/workspace/tmp/a'), CONTEXT)).status, 'granted')
      assert.equal((await service.request(files.writePlan('/workspace/tmp/b'), CONTEXT)).status, 'pending')
      assert.equal(sink.ofType('grant.revoked').at(-1)!.revokedBy, 'system:used-up')
      assert.ok(!service.listGrants().some((grant) => grant.id === limited.grant.id))
      assert.ok(
        service.listGrants({ all: true }).some((grant) => grant.id === limited.grant.id && !grant.active),
      )

      clock.advance(1_000)
      assert.equal((await service.request(files.writePlan('/workspace/notes/a'), CONTEXT)).status, 'pending')
      assert.ok(!service.listGrants().some((grant) => grant.id === short.grant.id))
      clock.advance(DEFAULT_GRANT_TTL_MS)
      assert.equal((await service.request(files.writePlan('/workspace/docs/a'), CONTEXT)).status, 'pending')
      assert.deepEqual(service.listGrants(), [])

      await assert.rejects(
        service.createGrant({ scope: { pathPrefix: 'x' }, by: 'a', expiresAt: clock.now() - 1 }),
        /past/,
      )
      await assert.rejects(
        service.createGrant({ scope: { pathPrefix: 'x' }, by: 'a', expiresAt: 'soon' }),
        /RFC 3339/,
      )
      await assert.rejects(
        service.createGrant({ scope: { pathPrefix: 'x' }, by: 'a', expiresAt: clock.now() + 1e13 }),
        /at most/,
      )
      await assert.rejects(
        service.createGrant({ scope: { pathPrefix: 'x' }, by: 'a', maxUses: 0 }),
        /maxUses/,
      )
      await assert.rejects(service.createGrant({ scope: 'docs' } as never), /needs/)
      await assert.rejects(service.createGrant({ scope: { pathPrefix: 'x' } } as never), /by must/)
    }))

  test('revoke stops the grant at once, is ledgered, and a second revoke is a clear error', () =>
    withFixture(async ({ service, files, ledger, sink }) => {
      const { grant } = await service.createGrant({ scope: { pathPrefix: 'docs' }, by: 'alice' })
      const revoked = await service.revokeGrant(grant.id, { by: 'alice', reason: 'done' })
      assert.equal(revoked.grant.active, false)
      assert.equal(ledger.entries.at(-1)!.hash, revoked.recordHash)
      assert.equal(ledger.entries.at(-1)!.action, 'grant.revoke')
      assert.deepEqual(sink.ofType('grant.revoked').at(-1), {
        grantId: grant.id,
        revokedBy: 'user:alice',
        revokedAt: revoked.grant.revokedAt,
        reason: 'done',
      })
      assert.equal((await service.request(files.writePlan('/workspace/docs/a'), CONTEXT)).status, 'pending')
      await assert.rejects(
        service.revokeGrant(grant.id, { by: 'alice' }),
        (error: unknown) =>
          error instanceof HubError &&
          error.code === 'E_BAD_REQUEST' &&
          /already revoked/.test(error.message),
      )
      await assert.rejects(service.revokeGrant('gr_nope', { by: 'alice' }), /no grant/)
      await assert.rejects(service.revokeGrant({} as string, { by: 'alice' }), /not a valid grant id/)
    }))

  test('grants survive a restart', () =>
    withFixture(async (fixture) => {
      await fixture.service.createGrant({ scope: { pathPrefix: 'docs' }, by: 'alice' })
      const service = fixture.reopen()
      assert.equal(
        (await service.request(fixture.files.writePlan('/workspace/docs/a'), CONTEXT)).status,
        'granted',
      )
    }))
})

describe('consent revoke (seed 002)', () => {
  test('once revokes one grant and answers with the ledger record hash', () =>
    withFixture(async ({ service, ledger }) => {
      const { grant } = await service.createGrant({
        scope: { pathPrefix: 'docs', sessionId: 'session-1' },
        by: 'alice',
      })
      const answer = await service.revokeConsent({
        requestId: 'req-1',
        receiptId: grant.id,
        scope: 'once',
        by: 'alice',
        reason: 'changed my mind',
      })
      assert.equal(answer.ok, true)
      assert.equal(answer.recordHash, ledger.entries.at(-1)!.hash)
      assert.equal(ledger.entries.at(-1)!.action, 'consent.revoke')
      assert.deepEqual(answer.revokedGrants, [grant.id])
      assert.deepEqual(toConsentRevokeResponseFields(answer), {
        kind: 'consent_revoke_response',
        request_id: 'req-1',
        ok: true,
        revoked_at: answer.revokedAt,
        record_hash: answer.recordHash,
        error: null,
      })
      const again = await service.revokeConsent({
        requestId: 'req-2',
        receiptId: grant.id,
        scope: 'once',
        by: 'alice',
      })
      assert.deepEqual([again.ok, again.error, again.recordHash], [false, 'already_revoked', null])
      const missing = await service.revokeConsent({
        requestId: 'req-3',
        receiptId: 'rcpt-x',
        scope: 'once',
        by: 'alice',
      })
      assert.equal(missing.error, 'not_found')
    }))

  test('once on a pending approval cancels it', () =>
    withFixture(async ({ service, files }) => {
      const requested = await service.request(files.writePlan('/workspace/a'), CONTEXT)
      const answer = await service.revokeConsent({
        requestId: 'r',
        receiptId: requested.approvalId,
        scope: 'once',
        by: 'alice',
      })
      assert.deepEqual([answer.ok, answer.cancelledApprovals], [true, [requested.approvalId]])
      assert.equal((await service.get(requested.approvalId)).status, 'cancelled')
      assert.equal(files.executed.length, 0)
    }))

  test('session-all revokes every grant of the session and leaves other sessions and global grants', () =>
    withFixture(async ({ service, ledger }) => {
      const a = await service.createGrant({ scope: { pathPrefix: 'a', sessionId: 'session-1' }, by: 'alice' })
      const b = await service.createGrant({ scope: { pathPrefix: 'b', sessionId: 'session-1' }, by: 'alice' })
      const other = await service.createGrant({
        scope: { pathPrefix: 'c', sessionId: 'session-2' },
        by: 'alice',
      })
      const global = await service.createGrant({ scope: { pathPrefix: 'd' }, by: 'alice' })
      const answer = await service.revokeConsent({
        requestId: 'r',
        receiptId: a.grant.id,
        scope: 'session-all',
        by: 'alice',
      })
      assert.equal(answer.ok, true)
      assert.deepEqual(answer.revokedGrants.sort(), [a.grant.id, b.grant.id].sort())
      assert.equal(answer.recordHash, ledger.entries.at(-1)!.hash)
      assert.deepEqual(
        ledger.entries.at(-1)!.targets.sort(),
        [`grant:${a.grant.id}`, `grant:${b.grant.id}`].sort(),
      )
      assert.deepEqual(
        service
          .listGrants()
          .map((grant) => grant.id)
          .sort(),
        [other.grant.id, global.grant.id].sort(),
      )
      const empty = await service.revokeConsent({
        requestId: 'r2',
        receiptId: a.grant.id,
        scope: 'session-all',
        by: 'alice',
      })
      assert.equal(empty.error, 'already_revoked')
      await assert.rejects(
        service.revokeConsent({ requestId: 'r', receiptId: 'x', scope: 'all' as 'once', by: 'a' }),
        /scope/,
      )
    }))
})

describe('permission responses (seed 002)', () => {
  test('allow_session approves and adds a session grant, so the next write there is not asked', () =>
    withFixture(async ({ service, files }) => {
      const first = await service.request(files.writePlan('/workspace/docs/a.md'), CONTEXT)
      const response = await service.respondToPermission(first.approvalId, {
        decision: 'allow_session',
        by: 'alice',
      })
      assert.equal(response.outcome.status, 'approved')
      assert.ok(response.grantId)
      assert.equal(response.receiptId, response.grantId)
      const grant = service.listGrants()[0]!
      assert.deepEqual(
        [grant.pathPrefix, grant.sessionId, grant.tool, grant.approvalId],
        ['/workspace/docs', 'session-1', 'fs.write_file', first.approvalId],
      )
      assert.equal(
        (await service.request(files.writePlan('/workspace/docs/b.md'), CONTEXT)).status,
        'granted',
      )
      assert.equal(
        (await service.request(files.writePlan('/workspace/docs/b.md'), { ...CONTEXT, sessionId: 'later' }))
          .status,
        'pending',
      )
    }))

  test('allow_once approves without a grant; deny denies; destructive never yields a grant', () =>
    withFixture(async ({ service, files }) => {
      const once = await service.request(files.writePlan('/workspace/x'), CONTEXT)
      const approved = await service.respondToPermission(once.approvalId, {
        decision: 'allow_once',
        by: 'alice',
      })
      assert.deepEqual([approved.grantId, approved.receiptId], [null, once.approvalId])
      const denied = await service.request(files.writePlan('/workspace/y'), CONTEXT)
      assert.equal(
        (await service.respondToPermission(denied.approvalId, { decision: 'deny', by: 'alice' })).outcome
          .status,
        'denied',
      )
      const destructive = await service.request(files.deletePlan('/workspace/z'), CONTEXT)
      const step = await service.respondToPermission(destructive.approvalId, {
        decision: 'allow_session',
        by: 'alice',
      })
      assert.deepEqual([step.grantId, step.outcome.status], [null, 'awaiting_confirmation'])
      assert.deepEqual(service.listGrants(), [])
      await assert.rejects(
        service.respondToPermission(once.approvalId, { decision: 'maybe' as 'deny', by: 'a' }),
        /decision must be/,
      )
    }))
})
