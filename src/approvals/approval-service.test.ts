import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HubError } from '../contracts/index.ts'
import { DEFAULT_APPROVAL_TTL_MS, MAX_REASON_CHARS } from './approval-options.ts'
import { createApprovalService } from './approval-service.ts'
import { openApprovalStore } from './approval-store.ts'
import { CONTEXT, type Fixture, makeFixture, RecordingLedger } from './approval-test-kit.ts'
import type { ActionPlan } from './approval-types.ts'

function withFixture(run: (fixture: Fixture) => Promise<void>, overrides = {}): () => Promise<void> {
  return async () => {
    const fixture = makeFixture(overrides)
    try {
      await run(fixture)
    } finally {
      fixture.close()
    }
  }
}

async function pending(fixture: Fixture, plan: ActionPlan): Promise<string> {
  const outcome = await fixture.service.request(plan, CONTEXT)
  assert.equal(outcome.status, 'pending')
  return outcome.approvalId
}

function isBadRequest(pattern: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof HubError && error.code === 'E_BAD_REQUEST' && pattern.test(error.message)
}

describe('approve', () => {
  test(
    'runs the plan once, after approval, with ledger entries for the request, the decision and the outcome',
    withFixture(async ({ service, files, ledger, sink }) => {
      const plan = files.writePlan('/workspace/notes.md')
      const outcome = await service.request(plan, { ...CONTEXT, toolRequestId: 'tool-req-1' })
      assert.equal(outcome.status, 'pending')
      if (outcome.status !== 'pending') return
      assert.equal(outcome.confirmationsRequired, 1)
      assert.equal(files.executed.length, 0, 'nothing runs before the approval')
      assert.equal(outcome.approval.preview.diff, plan.preview.diff, 'the approval shows the exact diff')

      const listed = await service.list()
      assert.deepEqual(
        listed.map((approval) => approval.id),
        [outcome.approvalId],
      )

      const approved = await service.approve(outcome.approvalId, { by: 'alice', reason: 'looks right' })
      assert.equal(approved.status, 'approved')
      assert.equal(files.executed.length, 1)
      assert.deepEqual(files.executed[0], plan)
      if (approved.status !== 'approved') return
      assert.equal(approved.approval.decidedBy, 'user:alice')
      assert.equal(approved.approval.execution.state, 'succeeded')

      const entries = ledger.about(outcome.approvalId)
      assert.deepEqual(
        entries.map((entry) => [entry.decision, entry.outcome]),
        [
          [undefined, undefined],
          ['approved', 'attempted'],
          ['approved', 'succeeded'],
        ],
      )
      assert.deepEqual(entries[0]!.targets, ['/workspace/notes.md'])
      assert.equal(entries[0]!.actorSkill, 'skill.tools-fs')
      assert.match(entries[2]!.afterHash ?? '', /^[0-9a-f]{64}$/)
      assert.notEqual(entries[2]!.afterHash, entries[2]!.beforeHash)

      const requested = sink.ofType('approval.requested')[0]!
      assert.equal(requested.approvalId, outcome.approvalId)
      assert.equal(requested.diff, plan.preview.diff)
      assert.equal(requested.toolRequestId, 'tool-req-1')
      assert.equal(sink.ofType('control_room.approval.requested')[0]!.approval_id, outcome.approvalId)
      assert.deepEqual(
        {
          decision: sink.ofType('approval.resolved')[0]!.decision,
          reason: sink.ofType('approval.resolved')[0]!.reason,
        },
        { decision: 'approved', reason: 'looks right' },
      )
      assert.equal(sink.ofType('control_room.approval.resolved')[0]!.status, 'approved')
      assert.deepEqual(await service.list(), [], 'no longer pending')
    }),
  )

  test(
    'a second approve is a clear error and does not run the plan again',
    withFixture(async ({ service, files }) => {
      const id = await pending({ service, files } as Fixture, files.writePlan('/workspace/a.md'))
      await service.approve(id, { by: 'alice' })
      await assert.rejects(
        service.approve(id, { by: 'bob' }),
        isBadRequest(/already approved \(by user:alice/),
      )
      await assert.rejects(service.deny(id, { by: 'bob' }), isBadRequest(/already approved/))
      assert.equal(files.executed.length, 1)
    }),
  )

  test(
    'two concurrent approves of one approval: exactly one wins',
    withFixture(async (fixture) => {
      const id = await pending(fixture, fixture.files.writePlan('/workspace/a.md'))
      const results = await Promise.allSettled([
        fixture.service.approve(id, { by: 'alice' }),
        fixture.service.approve(id, { by: 'bob' }),
      ])
      assert.deepEqual(results.map((result) => result.status).sort(), ['fulfilled', 'rejected'])
      assert.equal(fixture.files.executed.length, 1)
    }),
  )

  test(
    'two approvals for the same file: the second execute sees the stale fingerprint (no lost update)',
    withFixture(async (fixture) => {
      const { files, service, ledger } = fixture
      const first = await pending(fixture, files.writePlan('/workspace/shared.md'))
      const second = await pending(fixture, files.writePlan('/workspace/shared.md'))
      const [one, two] = await Promise.all([
        service.approve(first, { by: 'alice' }),
        service.approve(second, { by: 'alice' }),
      ])
      const states = [one.approval.execution.state, two.approval.execution.state].sort()
      assert.deepEqual(states, ['failed', 'succeeded'])
      assert.equal(files.version('/workspace/shared.md'), 1, 'exactly one write landed')
      const failed = one.approval.execution.state === 'failed' ? one : two
      assert.equal(failed.approval.execution.error?.code, 'E_PERMISSION_REQUIRED')
      const outcomes = ledger.about(failed.approvalId).map((entry) => entry.outcome)
      assert.deepEqual(outcomes, [undefined, 'attempted', 'failed'])
      assert.equal(ledger.about(failed.approvalId).at(-1)!.errorCode, 'E_PERMISSION_REQUIRED')
    }),
  )

  test(
    'waitForDecision resolves after approval and execution; an abort rejects without deciding',
    withFixture(async (fixture) => {
      const id = await pending(fixture, fixture.files.writePlan('/workspace/w.md'))
      const waiting = fixture.service.waitForDecision(id)
      await fixture.service.approve(id, { by: 'alice' })
      const view = await waiting
      assert.equal(view.status, 'approved')
      assert.equal(view.execution.state, 'succeeded')

      const other = await pending(fixture, fixture.files.writePlan('/workspace/x.md'))
      const controller = new AbortController()
      const aborted = fixture.service.waitForDecision(other, controller.signal)
      controller.abort()
      await assert.rejects(
        aborted,
        (error: unknown) => error instanceof HubError && error.code === 'E_TIMEOUT',
      )
      assert.equal((await fixture.service.get(other)).status, 'pending')
    }),
  )

  test(
    'a failing ledger stops the action: nothing runs unaudited',
    withFixture(async (fixture) => {
      const id = await pending(fixture, fixture.files.writePlan('/workspace/l.md'))
      fixture.ledger.failing = true
      await assert.rejects(
        fixture.service.approve(id, { by: 'alice' }),
        (error: unknown) => (error as HubError).code === 'E_IO',
      )
      assert.equal(fixture.files.executed.length, 0)
      assert.equal((await fixture.service.get(id)).execution.state, 'failed')
      await assert.rejects(
        fixture.service.request(fixture.files.writePlan('/workspace/m.md'), CONTEXT),
        /audit ledger/,
      )
      fixture.ledger.failing = false
      assert.equal(
        (await fixture.service.list({ status: 'all' })).length,
        1,
        'an unaudited request is not stored',
      )
    }),
  )
})

describe('deny, expire, cancel', () => {
  test(
    'deny never executes, is final and is ledgered',
    withFixture(async (fixture) => {
      const { service, files, ledger, sink } = fixture
      const id = await pending(fixture, files.writePlan('/workspace/d.md'))
      const denied = await service.deny(id, { by: 'alice', reason: 'no' })
      assert.equal(denied.status, 'denied')
      await assert.rejects(service.approve(id, { by: 'alice' }), isBadRequest(/already denied/))
      assert.equal(files.executed.length, 0)
      assert.deepEqual(ledger.about(id).at(-1), {
        ...ledger.about(id).at(-1),
        decision: 'denied',
        outcome: 'denied',
        decidedBy: 'user:alice',
      })
      assert.equal(sink.ofType('approval.resolved')[0]!.decision, 'denied')
      assert.equal(sink.ofType('control_room.approval.resolved')[0]!.status, 'rejected')
    }),
  )

  test(
    'an unanswered approval expires at its deadline (injected clock) and can no longer be approved',
    withFixture(async (fixture) => {
      const { service, files, clock, ledger, sink } = fixture
      const id = await pending(fixture, files.writePlan('/workspace/e.md'))
      const waiting = service.waitForDecision(id)
      clock.advance(DEFAULT_APPROVAL_TTL_MS - 1)
      assert.equal((await service.get(id)).status, 'pending')
      clock.advance(1) // fires the expiry timer
      const view = await waiting
      assert.equal(view.status, 'expired')
      assert.equal(view.decidedBy, 'system:timeout')
      await assert.rejects(service.approve(id, { by: 'alice' }), isBadRequest(/already expired/))
      assert.equal(files.executed.length, 0)
      assert.equal(ledger.about(id).at(-1)!.decision, 'expired')
      assert.equal(sink.ofType('approval.resolved')[0]!.decision, 'expired')
    }),
  )

  test('an approve arriving after the deadline finds it expired even when no timer fired', async () => {
    let now = 1_000
    const silentClock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} }
    const fixture = makeFixture({ ttlMs: 1_000, clock: silentClock })
    try {
      const id = await pending(fixture, fixture.files.writePlan('/workspace/late.md'))
      now += 1_000
      await assert.rejects(fixture.service.approve(id, { by: 'alice' }), isBadRequest(/already expired/))
      assert.equal(fixture.files.executed.length, 0)
      assert.equal(fixture.ledger.about(id).at(-1)!.decision, 'expired')
    } finally {
      fixture.close()
    }
  })

  test(
    'cancel is final; a cancelled approval cannot be approved',
    withFixture(async (fixture) => {
      const id = await pending(fixture, fixture.files.writePlan('/workspace/c.md'))
      const cancelled = await fixture.service.cancel(id, { by: 'skill:tools-fs', reason: 'turn ended' })
      assert.equal(cancelled.status, 'cancelled')
      await assert.rejects(fixture.service.approve(id, { by: 'alice' }), isBadRequest(/already cancelled/))
      await assert.rejects(fixture.service.cancel(id), isBadRequest(/already cancelled/))
      assert.equal(fixture.files.executed.length, 0)
      assert.equal(fixture.ledger.about(id).at(-1)!.decision, 'cancelled')
      assert.equal(
        fixture.sink.ofType('control_room.approval.resolved')[0]!.reason_safe,
        'cancelled: turn ended',
      )
    }),
  )
})

describe('restart', () => {
  test(
    'a pending approval survives a reopen of the store, then expires correctly',
    withFixture(async (fixture) => {
      const id = await pending(fixture, fixture.files.writePlan('/workspace/r.md'))
      const reopened = fixture.reopen()
      const listed = await reopened.list()
      assert.deepEqual(
        listed.map((approval) => approval.id),
        [id],
      )
      assert.equal(listed[0]!.preview.kind, 'diff')
      fixture.clock.advance(DEFAULT_APPROVAL_TTL_MS)
      await reopened.sweepExpired()
      assert.equal((await reopened.get(id)).status, 'expired')
    }),
  )

  test(
    'approved while no executor ran (CLI): queued, run once by runQueued after the restart',
    withFixture(async (fixture) => {
      const id = await pending(fixture, fixture.files.writePlan('/workspace/q.md'))
      const offline = fixture.reopen({ execute: undefined })
      const approved = await offline.approve(id, { by: 'alice' })
      assert.equal(approved.approval.execution.state, 'queued')
      assert.equal(fixture.files.executed.length, 0)
      const online = fixture.reopen()
      const ran = await online.runQueued()
      assert.deepEqual(
        ran.map((view) => [view.id, view.execution.state]),
        [[id, 'succeeded']],
      )
      assert.deepEqual(await online.runQueued(), [], 'never twice')
      assert.equal(fixture.files.executed.length, 1)
    }),
  )
})

describe('hostile input', () => {
  test(
    'unknown ids, bad plans and bad deciders are E_BAD_REQUEST; huge reasons are capped',
    withFixture(async (fixture) => {
      const { service, files } = fixture
      for (const id of ['nope', '', 'x'.repeat(5000), '\u0000', 42, null]) {
        await assert.rejects(
          service.approve(id as string, { by: 'alice' }),
          (error: unknown) => (error as HubError).code === 'E_BAD_REQUEST',
        )
      }
      await assert.rejects(service.deny('ap_missing', { by: 'alice' }), isBadRequest(/no approval with id/))
      const good = files.writePlan('/workspace/h.md')
      const bad: unknown[] = [
        null,
        [],
        'plan',
        { ...good, tier: 'read_only' },
        { ...good, targets: ['relative/path'] },
        { ...good, targets: ['/workspace/../etc/passwd'] },
        { ...good, targets: [] },
        { ...good, targets: Array.from({ length: 1001 }, (_, i) => `/w/${i}`) },
        { ...good, preview: { kind: 'html', diff: '<b>' } },
        { ...good, tool: 'x'.repeat(1000) },
        { ...files.deletePlan('/workspace/x'), preview: { kind: 'diff', diff: '' } },
        JSON.parse('{"__proto__": {"tier": "write_local_confirm"}, "tool": "t"}'),
      ]
      for (const plan of bad) {
        await assert.rejects(
          service.request(plan, CONTEXT),
          (error: unknown) => (error as HubError).code === 'E_BAD_REQUEST',
          JSON.stringify(plan)?.slice(0, 80),
        )
      }
      await assert.rejects(service.request(good, { traceId: '', actorSkill: 'x' }), /invalid request context/)
      const cyclic: Record<string, unknown> = { ...good }
      cyclic.self = cyclic
      await assert.rejects(service.request(cyclic, CONTEXT), /plain JSON/)

      const id = await pending(fixture, good)
      await assert.rejects(service.approve(id, { by: '' }), isBadRequest(/by must name/))
      await assert.rejects(service.approve(id, { by: 'x'.repeat(300) }), isBadRequest(/longer than/))
      const denied = await service.deny(id, { by: 'alice', reason: `${'why '.repeat(100_000)}\u0000` })
      assert.equal(denied.reason?.length, MAX_REASON_CHARS)
      assert.equal(files.executed.length, 0)
    }),
  )

  test(
    'list rejects bad queries',
    withFixture(async ({ service }) => {
      await assert.rejects(service.list({ limit: 0 }), /limit/)
      await assert.rejects(service.list({ limit: 1e9 }), /limit/)
      await assert.rejects(service.list({ status: 'weird' as 'all' }), /status/)
    }),
  )

  test('options are validated', () => {
    const store = openApprovalStore({ path: ':memory:' })
    const ledger = new RecordingLedger()
    try {
      assert.throws(() => createApprovalService({ store, ledger, ttlMs: -5 }), /ttlMs/)
      assert.throws(() => createApprovalService({ store, ledger, rootDir: 'relative' }), /rootDir/)
      assert.throws(() => createApprovalService({ store, ledger: {} as never }), /ledger/)
    } finally {
      store.close()
    }
  })
})
