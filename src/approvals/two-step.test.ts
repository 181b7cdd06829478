import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HubError } from '../contracts/index.ts'
import { DEFAULT_CONFIRMATION_TTL_MS, DEFAULT_MAX_TOKEN_FAILURES } from './approval-options.ts'
import { CONTEXT, type Fixture, makeFixture } from './approval-test-kit.ts'

function refused(pattern: RegExp): (error: unknown) => boolean {
  return (error) =>
    error instanceof HubError && error.code === 'E_PERMISSION_REQUIRED' && pattern.test(error.message)
}

async function dryRun(fixture: Fixture, ...paths: string[]): Promise<{ id: string; token: string }> {
  const requested = await fixture.service.request(fixture.files.deletePlan(...paths), CONTEXT)
  assert.equal(requested.status, 'pending')
  if (requested.status !== 'pending') throw new Error('unreachable')
  assert.equal(requested.confirmationsRequired, 2)
  const first = await fixture.service.approve(requested.approvalId, { by: 'alice' })
  assert.equal(first.status, 'awaiting_confirmation')
  if (first.status !== 'awaiting_confirmation') throw new Error('unreachable')
  return { id: requested.approvalId, token: first.confirmationToken }
}

describe('destructive_two_step', () => {
  test('dry run shows the paths and a token; the confirm with that token runs it once', async () => {
    const fixture = makeFixture()
    try {
      const requested = await fixture.service.request(
        fixture.files.deletePlan('/workspace/old', '/workspace/tmp'),
        CONTEXT,
      )
      assert.equal(requested.status, 'pending')
      assert.deepEqual(requested.status === 'pending' && requested.approval.preview.paths, [
        '/workspace/old',
        '/workspace/tmp',
      ])
      const preview = fixture.sink.ofType('approval.requested')[0]!
      assert.equal(preview.confirmationsRequired, 2)
      assert.match(String(preview.preview), /\/workspace\/old\n\/workspace\/tmp/)

      const first = await fixture.service.approve(requested.approvalId, { by: 'alice' })
      assert.equal(first.status, 'awaiting_confirmation')
      assert.equal(fixture.files.executed.length, 0, 'the first step only previews')
      if (first.status !== 'awaiting_confirmation') return
      assert.match(first.confirmationToken, /^[A-Za-z0-9_-]{43}$/)
      assert.equal(Date.parse(first.tokenExpiresAt), fixture.clock.now() + DEFAULT_CONFIRMATION_TTL_MS)
      assert.ok(
        !JSON.stringify(await fixture.service.get(requested.approvalId)).includes(first.confirmationToken),
      )

      const confirmed = await fixture.service.approve(requested.approvalId, {
        by: 'alice',
        confirmationToken: first.confirmationToken,
      })
      assert.equal(confirmed.status, 'approved')
      assert.equal(fixture.files.executed.length, 1)
      assert.deepEqual(
        fixture.ledger
          .about(requested.approvalId)
          .map((entry) => [entry.tier, entry.decision, entry.outcome]),
        [
          ['destructive_two_step', undefined, undefined],
          ['destructive_two_step', 'approved', 'attempted'],
          ['destructive_two_step', 'approved', 'succeeded'],
        ],
      )
    } finally {
      fixture.close()
    }
  })

  test('a reused token is refused and nothing runs twice', async () => {
    const fixture = makeFixture()
    try {
      const { id, token } = await dryRun(fixture, '/workspace/old')
      await fixture.service.approve(id, { by: 'alice', confirmationToken: token })
      await assert.rejects(
        fixture.service.approve(id, { by: 'alice', confirmationToken: token }),
        /already approved/,
      )
      assert.equal(fixture.files.executed.length, 1)
    } finally {
      fixture.close()
    }
  })

  test('a token replaced by a newer dry run, a forged token and a token for another approval are refused', async () => {
    const fixture = makeFixture()
    try {
      const first = await dryRun(fixture, '/workspace/a')
      const second = await fixture.service.approve(first.id, { by: 'alice' })
      assert.equal(second.status, 'awaiting_confirmation')
      await assert.rejects(
        fixture.service.approve(first.id, { by: 'alice', confirmationToken: first.token }),
        refused(/does not match/),
      )
      await assert.rejects(
        fixture.service.approve(first.id, { by: 'alice', confirmationToken: 'A'.repeat(43) }),
        refused(/does not match/),
      )
      const other = await dryRun(fixture, '/workspace/b')
      await assert.rejects(
        fixture.service.approve(first.id, { by: 'alice', confirmationToken: other.token }),
        refused(/does not match/),
      )
      // By now the failures also used up the guesses (the last ones report that no dry run is live).
      for (const hostile of [42, '', 'x'.repeat(100_000), { toString: () => other.token }]) {
        await assert.rejects(
          fixture.service.approve(first.id, { by: 'alice', confirmationToken: hostile as string }),
          refused(/does not match|no live dry run/),
        )
      }
      assert.equal(fixture.files.executed.length, 0)
    } finally {
      fixture.close()
    }
  })

  test('guessing is bounded: after too many wrong tokens the right one no longer works', async () => {
    const fixture = makeFixture()
    try {
      const { id, token } = await dryRun(fixture, '/workspace/g')
      for (let attempt = 0; attempt < DEFAULT_MAX_TOKEN_FAILURES; attempt++) {
        await assert.rejects(
          fixture.service.approve(id, { by: 'mallory', confirmationToken: 'B'.repeat(43) }),
        )
      }
      await assert.rejects(
        fixture.service.approve(id, { by: 'alice', confirmationToken: token }),
        refused(/no live dry run/),
      )
      assert.equal((await fixture.service.get(id)).status, 'pending', 'a new dry run is still possible')
    } finally {
      fixture.close()
    }
  })

  test('an expired token is refused', async () => {
    const fixture = makeFixture()
    try {
      const { id, token } = await dryRun(fixture, '/workspace/old')
      fixture.clock.advance(DEFAULT_CONFIRMATION_TTL_MS)
      await assert.rejects(
        fixture.service.approve(id, { by: 'alice', confirmationToken: token }),
        refused(/expired/),
      )
      assert.equal(fixture.files.executed.length, 0)
      const again = await fixture.service.approve(id, { by: 'alice' })
      assert.equal(again.status, 'awaiting_confirmation', 'a fresh dry run gives a fresh token')
    } finally {
      fixture.close()
    }
  })

  test('a file changed between the dry run and the confirm voids the token and the approval', async () => {
    const fixture = makeFixture()
    try {
      const { id, token } = await dryRun(fixture, '/workspace/old', '/workspace/new')
      fixture.files.touch('/workspace/new')
      await assert.rejects(
        fixture.service.approve(id, { by: 'alice', confirmationToken: token }),
        refused(/targets changed/),
      )
      const view = await fixture.service.get(id)
      assert.equal(view.status, 'cancelled')
      assert.equal(view.decidedBy, 'system:stale')
      assert.equal(fixture.files.executed.length, 0)
      assert.deepEqual(fixture.ledger.about(id).at(-1), {
        ...fixture.ledger.about(id).at(-1),
        decision: 'cancelled',
        outcome: 'denied',
        errorCode: 'E_PERMISSION_REQUIRED',
      })
    } finally {
      fixture.close()
    }
  })

  test('without a fingerprint hook the executor still refuses a stale plan', async () => {
    const fixture = makeFixture({ fingerprintOf: undefined })
    try {
      const { id, token } = await dryRun(fixture, '/workspace/old')
      fixture.files.touch('/workspace/old')
      const outcome = await fixture.service.approve(id, { by: 'alice', confirmationToken: token })
      assert.equal(outcome.approval.execution.state, 'failed')
      assert.equal(fixture.files.executed.length, 0)
    } finally {
      fixture.close()
    }
  })
})
